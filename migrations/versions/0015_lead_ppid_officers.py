"""site_settings: the PPID officer and the officer's superior, chosen from the officials

Revision ID: lead_0015_ppid_officers
Revises: markdown_0014_finite_numbers
"""
from alembic import op
import sqlalchemy as sa


revision = "lead_0015_ppid_officers"
down_revision = "markdown_0014_finite_numbers"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("site_settings") as batch:
        batch.add_column(sa.Column("ppid_official_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("ppid_superior_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_site_settings_ppid_official", "official",
                                 ["ppid_official_id"], ["id"], ondelete="SET NULL")
        batch.create_foreign_key("fk_site_settings_ppid_superior", "official",
                                 ["ppid_superior_id"], ["id"], ondelete="SET NULL")


def downgrade():
    with op.batch_alter_table("site_settings") as batch:
        batch.drop_constraint("fk_site_settings_ppid_superior", type_="foreignkey")
        batch.drop_constraint("fk_site_settings_ppid_official", type_="foreignkey")
        batch.drop_column("ppid_superior_id")
        batch.drop_column("ppid_official_id")
