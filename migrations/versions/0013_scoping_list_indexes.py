"""indexes of the lists: composite, partial on the rows outside the trash

Revision ID: scoping_0013_list_indexes
Revises: auth_totp_step

Each list reads one village's rows outside the trash in one order; with these the
database walks an index in that order and stops at the page's end instead of
sorting every row of the village (the models declare the same indexes with
``live_rows_index``).
"""
from alembic import op
import sqlalchemy as sa


revision = "scoping_0013_list_indexes"
down_revision = "auth_totp_step"
branch_labels = None
depends_on = None

#: (index, table, columns)
INDEXES = [
    ("ix_post_live_published", "post", ["tenant_id", "published_at", "id"]),
    ("ix_post_live_category", "post", ["category_id", "published_at"]),
    ("ix_post_live_id", "post", ["tenant_id", "id"]),
    ("ix_announcement_live_published", "announcement", ["tenant_id", "published_at", "id"]),
    ("ix_announcement_live_id", "announcement", ["tenant_id", "id"]),
    ("ix_event_live_starts", "event", ["tenant_id", "starts_on", "start_time"]),
    ("ix_document_live_year", "document", ["tenant_id", "year", "title"]),
    ("ix_document_live_id", "document", ["tenant_id", "id"]),
    ("ix_album_live_published", "album", ["tenant_id", "published_at"]),
    ("ix_album_live_id", "album", ["tenant_id", "id"]),
    ("ix_media_file_live_id", "media_file", ["tenant_id", "id"]),
]


def upgrade():
    outside_trash = sa.text("deleted_at IS NULL")
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, sqlite_where=outside_trash,
                        postgresql_where=outside_trash)


def downgrade():
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
