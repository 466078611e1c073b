"""compliance history: runs and per-village results

Revision ID: 0004_compliance
Revises: 0001_initial
"""
import sqlalchemy as sa
from alembic import op

revision = "0004_compliance"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "compliance_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("command", sa.Text(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("ok", sa.Integer(), nullable=False),
        sa.Column("by_verdict", sa.JSON(), nullable=False),
        sa.Column("exit_code", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compliance_run")),
    )
    op.create_table(
        "compliance_result",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=253), nullable=False),
        sa.Column("kecamatan", sa.String(length=120), nullable=False),
        sa.Column("verdict", sa.String(length=20), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["compliance_run.id"],
                                name=op.f("fk_compliance_result_run_id_compliance_run"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"],
                                name=op.f("fk_compliance_result_tenant_id_tenant"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compliance_result")),
    )
    with op.batch_alter_table("compliance_result") as batch_op:
        batch_op.create_index(batch_op.f("ix_compliance_result_run_id"), ["run_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_compliance_result_tenant_id"), ["tenant_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_compliance_result_verdict"), ["verdict"],
                              unique=False)


def downgrade():
    op.drop_table("compliance_result")
    op.drop_table("compliance_run")
