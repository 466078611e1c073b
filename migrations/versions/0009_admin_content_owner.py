"""content owner: who created a page, post, announcement, event, document or album

Revision ID: admin_0009_owner
Revises: lead_0008_ppid

A kontributor may edit, delete and restore only the drafts it created
(``app.permissions``); rows created before this migration have no owner and
stay with the editors.
"""
from alembic import op
import sqlalchemy as sa


revision = "admin_0009_owner"
down_revision = "lead_0008_ppid"
branch_labels = None
depends_on = None

TABLES = ("page", "post", "announcement", "event", "document", "album")


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("owner_id", sa.Integer(), nullable=True))
            batch_op.create_foreign_key(batch_op.f(f"fk_{table}_owner_id_user_account"),
                                        "user_account", ["owner_id"], ["id"],
                                        ondelete="SET NULL")


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f"fk_{table}_owner_id_user_account"),
                                     type_="foreignkey")
            batch_op.drop_column("owner_id")
