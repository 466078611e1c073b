"""clear numbers that no column can hold: budget amounts and map coordinates

Revision ID: markdown_0014_finite_numbers
Revises: scoping_0013_list_indexes

Before every import path validated its numbers, SQLite could be given ``inf`` or
the text ``Infinity`` for an APBDes amount (PostgreSQL's NUMERIC refuses both).
Such an amount becomes 0 and such a coordinate becomes empty; the operator sees the
line in the admin and can enter the real figure. Nothing to undo.
"""
from alembic import op


revision = "markdown_0014_finite_numbers"
down_revision = "scoping_0013_list_indexes"
branch_labels = None
depends_on = None

#: A number SQLite holds as a number (not as text) and within the column's range.
_SOUND = "typeof({column}) IN ('integer', 'real') AND abs({column}) <= {limit}"


def upgrade():
    if op.get_bind().dialect.name != "sqlite":
        return  # NUMERIC(p, s) elsewhere never held such values
    for column in ("planned", "realised"):
        sound = _SOUND.format(column=column, limit="99999999999999.99")
        op.execute(f"UPDATE budget_line SET {column} = 0 WHERE NOT ({sound})")
    for column, limit in (("latitude", 90), ("longitude", 180)):
        sound = _SOUND.format(column=column, limit=limit)
        op.execute(f"UPDATE site_settings SET {column} = NULL "
                   f"WHERE {column} IS NOT NULL AND NOT ({sound})")


def downgrade():
    pass
