"""One impossible number stored in a budget line or a map coordinate cannot break
the public pages, and the migration clears it; new ones cannot be written."""
from __future__ import annotations

import importlib.util
import os
import re
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select, text, update

from app.extensions import db
from app.models import BudgetLine, SiteSettings
from tenants.scoping import system_scope
pytestmark = pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="PostgreSQL's NUMERIC(p, s) cannot hold these values at all")

MIGRATION = (Path(__file__).resolve().parents[2] / "migrations" / "versions"
             / "0014_markdown_finite_numbers.py")


def _infinite(page: str) -> bool:
    return bool(re.search(r"\binf\b|infinity|\bnan\b", page, re.IGNORECASE))


def _store_bad_values(as_village):
    """As the import did before it validated: SQLite keeps whatever it is given."""
    with as_village("jlodro"):
        db.session.add_all([
            BudgetLine(year=2026, section="belanja", name="Jalan", planned=1, realised=1),
            BudgetLine(year=2026, section="pendapatan", name="Dana Desa", planned=5,
                       realised=2),
            SiteSettings(latitude=Decimal("-6.9"), longitude=Decimal("112.05")),
        ])
        db.session.commit()
        ids = db.session.scalars(select(BudgetLine.id).order_by(BudgetLine.id)).all()
    with as_village("jlodro"), system_scope():
        db.session.execute(text("UPDATE budget_line SET planned = 'Infinity', realised = 1e999"
                                " WHERE id = :id"), {"id": ids[0]})
        db.session.execute(text("UPDATE budget_line SET planned = '1e999999999', "
                                "realised = 'NaN' WHERE id = :id"), {"id": ids[1]})
        db.session.execute(text("UPDATE site_settings SET latitude = 'Infinity', "
                                "longitude = 1e999"))
        db.session.commit()
    return ids


def test_public_pages_survive_a_stored_infinity(jlodro, as_village):
    _store_bad_values(as_village)
    page = jlodro.get("/transparansi?tahun=2026")
    assert page.status_code == 200 and "Jalan" in page.text and not _infinite(page.text)
    api = jlodro.get("/api/v1/apbdes?year=2026")
    assert api.status_code == 200
    assert {line["planned"] for line in api.get_json()["data"]} == {"0.00"}
    csv = jlodro.get("/transparansi/apbdes-2026.csv")
    assert csv.status_code == 200 and not _infinite(csv.text)
    for path in ("/", "/kontak", "/peta"):
        assert jlodro.get(path).status_code in (200, 404), path


def test_the_migration_clears_stored_bad_numbers(app, as_village):
    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    ids = _store_bad_values(as_village)
    spec = importlib.util.spec_from_file_location("finite_numbers", MIGRATION)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with app.app_context(), db.engine.begin() as connection:
        with Operations.context(MigrationContext.configure(connection)):
            migration.upgrade()
    with app.app_context(), db.engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT planned, realised, typeof(planned), typeof(realised) FROM budget_line "
            "WHERE id IN (:a, :b)"), {"a": ids[0], "b": ids[1]}).all()
        assert all(row[:2] == (0, 0) for row in rows), rows
        assert connection.execute(text("SELECT latitude, longitude FROM site_settings")
                                  ).all() == [(None, None)]


def test_no_path_can_write_an_impossible_amount(as_village):
    with as_village("jlodro"):
        for bad in (Decimal("Infinity"), Decimal("1e999999999"), Decimal("1e14")):
            db.session.add(BudgetLine(year=2026, section="belanja", name="x", planned=bad))
            with pytest.raises(Exception, match="does not fit NUMERIC"):
                db.session.flush()
            db.session.rollback()
        line = BudgetLine(year=2026, section="belanja", name="x", planned=1)
        db.session.add(line)
        db.session.flush()
        with pytest.raises(Exception, match="does not fit NUMERIC"):
            db.session.execute(update(BudgetLine).values(realised=Decimal("NaN")))
        db.session.rollback()
