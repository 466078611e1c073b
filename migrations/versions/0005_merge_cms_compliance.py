"""merge the CMS and compliance branches

Revision ID: 0005_merge
Revises: 0002_cms, 0004_compliance
"""
revision = "0005_merge"
down_revision = ("0002_cms", "0004_compliance")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
