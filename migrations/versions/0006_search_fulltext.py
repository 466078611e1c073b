"""full-text search index: search_entry + FTS5 (SQLite) or tsvector/GIN (PostgreSQL)

Revision ID: 0006_search
Revises: 0005_merge

The engine structures are not part of the models (see ``app/models/search.py``):

* SQLite: ``search_fts``, an FTS5 external-content table over ``search_entry``,
  kept in sync by the triggers below. A later migration that rebuilds
  ``search_entry`` in batch mode drops the triggers with the old table: it must
  recreate them (``_create_sqlite_fts``) and run ``INSERT INTO search_fts(search_fts)
  VALUES('rebuild')``.
* PostgreSQL: ``search_entry.search_vector`` with a GIN index, written by the
  application from the same words its queries use.

The index is then filled from the existing content.
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


revision = "0006_search"
down_revision = "0005_merge"
branch_labels = None
depends_on = None


def _create_sqlite_fts():
    op.execute(
        "CREATE VIRTUAL TABLE search_fts USING fts5("
        "title, body, content='search_entry', content_rowid='id', "
        "tokenize='unicode61 remove_diacritics 2', prefix='2 3')"
    )
    op.execute(
        "CREATE TRIGGER search_entry_ai AFTER INSERT ON search_entry BEGIN "
        "INSERT INTO search_fts(rowid, title, body) VALUES (new.id, new.title, new.body); "
        "END"
    )
    op.execute(
        "CREATE TRIGGER search_entry_ad AFTER DELETE ON search_entry BEGIN "
        "INSERT INTO search_fts(search_fts, rowid, title, body) "
        "VALUES ('delete', old.id, old.title, old.body); "
        "END"
    )
    op.execute(
        "CREATE TRIGGER search_entry_au AFTER UPDATE ON search_entry BEGIN "
        "INSERT INTO search_fts(search_fts, rowid, title, body) "
        "VALUES ('delete', old.id, old.title, old.body); "
        "INSERT INTO search_fts(rowid, title, body) VALUES (new.id, new.title, new.body); "
        "END"
    )


def upgrade():
    op.create_table(
        "search_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("ref_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"],
                                name=op.f("fk_search_entry_tenant_id_tenant"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_entry")),
        sa.UniqueConstraint("tenant_id", "kind", "ref_id",
                            name=op.f("uq_search_entry_tenant_id_kind_ref_id")),
    )
    with op.batch_alter_table("search_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_search_entry_tenant_id"), ["tenant_id"], unique=False)

    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _create_sqlite_fts()
    elif dialect == "postgresql":
        op.add_column("search_entry", sa.Column("search_vector", postgresql.TSVECTOR(),
                                                nullable=False, server_default=sa.text("''")))
        op.create_index("ix_search_entry_search_vector", "search_entry", ["search_vector"],
                        postgresql_using="gin")
    else:
        raise NotImplementedError(f"search index for {dialect}")

    from app.models.search import rebuild

    rebuild(op.get_bind())


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for trigger in ("search_entry_ai", "search_entry_ad", "search_entry_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS search_fts")
    elif dialect == "postgresql":
        op.drop_index("ix_search_entry_search_vector", table_name="search_entry")
    with op.batch_alter_table("search_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_search_entry_tenant_id"))
    op.drop_table("search_entry")
