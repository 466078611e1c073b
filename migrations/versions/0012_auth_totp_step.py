"""the last accepted TOTP time step per user (a code works once)

Revision ID: auth_totp_step
Revises: auth_sessions
"""
from alembic import op
import sqlalchemy as sa


revision = "auth_totp_step"
down_revision = "auth_sessions"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("totp_last_step", sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("totp_last_step")
