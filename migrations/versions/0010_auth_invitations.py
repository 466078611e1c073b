"""invitations to join a village (single-use links, token stored hashed)

Revision ID: auth_invitations
Revises: admin_0009_owner
"""
from alembic import op
import sqlalchemy as sa


revision = "auth_invitations"
down_revision = "admin_0009_owner"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "invitation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("invited_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"],
                                name=op.f("fk_invitation_tenant_id_tenant"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["invited_by_id"], ["user_account.id"],
                                name=op.f("fk_invitation_invited_by_id_user_account"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitation")),
        sa.UniqueConstraint("tenant_id", "email", name=op.f("uq_invitation_tenant_id_email")),
        sa.UniqueConstraint("tenant_id", "token_hash",
                            name=op.f("uq_invitation_tenant_id_token_hash")),
    )
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invitation_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_invitation_invited_by_id"), ["invited_by_id"],
                              unique=False)


def downgrade():
    op.drop_table("invitation")
