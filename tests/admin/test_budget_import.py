"""The APBDes CSV upload checks every value as the form does, and stores a file
whole or not at all."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import BudgetLine
from desa_testing import village
from tenants.scoping import tenant_context

HEADER = "year,section,code,name,planned,realised\n"
GOOD = "2026,belanja,5.1,Jalan desa,1000000,500000\n"


def _upload(vc, content: bytes):
    return vc.post("/admin/budget/import", data={"file": (io.BytesIO(content), "apbdes.csv")},
                   content_type="multipart/form-data", follow_redirects=True)


def _count(app) -> int:
    with app.app_context(), tenant_context(village("jlodro").id):
        return db.session.scalar(select(func.count(BudgetLine.id)))


@pytest.mark.parametrize("line, message", [
    ("2026,belanja,5.2,Jembatan,Infinity,0", "baris 3: Anggaran harus berupa angka."),
    ("2026,belanja,5.2,Jembatan,1e999999999,0", "baris 3: Anggaran terlalu besar."),
    ("2026,belanja,5.2,Jembatan,NaN,0", "baris 3: Anggaran harus berupa angka."),
    ("2026,belanja,5.2,Jembatan,100000000000000,0", "baris 3: Anggaran terlalu besar."),
    ("2026,belanja,5.2,Jembatan,1000,-5", "baris 3: Realisasi tidak boleh negatif."),
    ("99999999999,belanja,5.2,Jembatan,1,1", "baris 3: Tahun harus antara"),
    ("2026,lain,5.2,Jembatan,1,1", "baris 3: bagian &#39;lain&#39; tidak dikenal"),
    ("2026,belanja,5.2," + "x" * 201 + ",1,1", "baris 3: Uraian terlalu panjang"),
    ("2026,belanja,5.2,,1,1", "baris 3: Uraian wajib diisi."),
])
def test_a_bad_value_refuses_the_whole_file(app, logged_in, line, message):
    vc = logged_in("admin")
    page = _upload(vc, (HEADER + GOOD + line + "\n").encode()).get_data(as_text=True)
    assert message in page
    assert _count(app) == 0  # the good first line is not stored either


def test_a_file_that_is_not_utf8_csv_is_explained(app, logged_in):
    vc = logged_in("admin")
    page = _upload(vc, (HEADER + "2026,belanja,5.1,Jalan d\xe9sa,1,1\n").encode("latin-1"))
    assert "bukan teks UTF-8" in page.get_data(as_text=True)
    page = _upload(vc, b"year,name\n2026,x\n")
    assert "kolom section tidak ada" in page.get_data(as_text=True)
    assert _count(app) == 0


def test_indonesian_amounts_and_empty_cells(app, logged_in):
    vc = logged_in("admin")
    page = _upload(vc, (HEADER + '2026,Belanja,,Jalan,"1.500.000,50",\n').encode("utf-8-sig"))
    assert "1 baris APBDes diimpor." in page.get_data(as_text=True)
    with app.app_context(), tenant_context(village("jlodro").id):
        line = db.session.scalar(select(BudgetLine))
        assert (str(line.planned), str(line.realised), line.section) == \
            ("1500000.50", "0.00", "belanja")
