"""Provisioning from the Kemendagri area data: slugs, duplicates, idempotence."""
from __future__ import annotations

import csv
import gzip
import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from tenants.hosts import is_valid_label
from tenants.models import Domain, Tenant
from tenants.provisioning import (
    DATA_DIR, ImportFileError, VillageRecord, assign_slugs, count_duplicate_names, read_villages,
    slugify,
)
from tenants.scoping import system_scope


@pytest.mark.parametrize("name, slug", [
    ("Lajo Kidul", "lajo-kidul"), ("Jlodro", "jlodro"), ("Kel. Sidorejo", "kel-sidorejo"),
    ("Ngadirejo  ", "ngadirejo"), ("Côté Désa", "cote-desa"), ("Tanjung-Pinang (II)", "tanjung-pinang-ii"),
    ("’Ain", "ain"), ("X" * 80, "x" * 63),
])
def test_slugify(name, slug):
    assert slugify(name) == slug


def test_tuban_file_has_328_villages_20_kecamatan_18_shared_names():
    records = read_villages()
    assert len(records) == 328
    assert len({r.kecamatan_code for r in records}) == 20
    assert count_duplicate_names(records) == 18
    assert sum(1 for r in records if r.code.split(".")[3].startswith("1")) == 17


def test_imported_slugs_are_distinct_valid_labels_with_kecamatan_for_shared_names(app):
    records = {r.code: r for r in read_villages()}
    with app.app_context(), system_scope():
        tenants = db.session.scalars(select(Tenant)).all()
    slugs = [t.slug for t in tenants]
    assert len(slugs) == len(set(slugs)) == 328
    assert all(is_valid_label(s) and len(s) <= 63 for s in slugs)
    names = {}
    for r in records.values():
        names.setdefault(r.name, set()).add(r.kecamatan_code)
    shared = {n for n, k in names.items() if len(k) > 1}
    assert len(shared) == 18
    for t in tenants:
        base = slugify(t.name)
        if t.name in shared:
            assert t.slug == f"{base}-{slugify(t.kecamatan_name)}", t.slug
        else:
            assert t.slug == base
    by_slug = {t.slug: t for t in tenants}
    assert {"sumurgung-montong", "sumurgung-tuban", "sumurgung-palang"} <= set(by_slug)
    assert by_slug["jlodro"].code == "35.23.01.2001"
    assert by_slug["jlodro"].kind == "desa"
    kelurahan = [t for t in tenants if t.kind == "kelurahan"]
    assert len(kelurahan) == 17 and all(t.code.split(".")[3][0] == "1" for t in kelurahan)
    assert all(t.regency_name == "Kabupaten Tuban" for t in tenants)


def test_every_village_has_one_primary_domain(app):
    with app.app_context(), system_scope():
        rows = db.session.execute(
            select(Tenant.slug, Domain.hostname).join(Domain).where(Domain.is_primary)
        ).all()
    assert len(rows) == 328
    assert all(h == f"{s}.tubankab.go.id" for s, h in rows)


def test_import_is_idempotent(app, runner):
    with app.app_context(), system_scope():
        before = db.session.execute(select(Tenant.code, Tenant.slug, Tenant.updated_at)).all()
    result = runner.invoke(args=["tenants", "import"])
    assert result.exit_code == 0, result.output
    assert "0 baru, 0 diperbarui, 328 tetap" in result.output
    with app.app_context(), system_scope():
        after = db.session.execute(select(Tenant.code, Tenant.slug, Tenant.updated_at)).all()
        assert db.session.scalar(select(func.count(Domain.id))) == 328
    assert sorted(before) == sorted(after)


def _newer_file(tmp_path, extra_rows, rename=None):
    path = tmp_path / "villages.csv"
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["code", "district_code", "name"])
        with gzip.open(DATA_DIR / "villages.csv.gz", "rt", encoding="utf-8") as src:
            for row in csv.DictReader(src):
                if row["code"].startswith("35.23."):
                    name = (rename or {}).get(row["code"], row["name"])
                    writer.writerow([row["code"], row["district_code"], name])
        writer.writerows(extra_rows)
    return path


def test_newer_file_adds_new_village_and_keeps_existing_slugs(app, runner, tmp_path, client):
    path = _newer_file(
        tmp_path,
        [["35.23.01.2099", "35.23.01", "Jlodro"], ["35.23.02.2099", "35.23.02", "Desa Anyar"]],
        rename={"35.23.01.2002": "Sokogrenjeng Baru"},
    )
    result = runner.invoke(args=["tenants", "import", "--file", str(path)])
    assert result.exit_code == 0, result.output
    assert "2 baru, 1 diperbarui" in result.output
    with app.app_context(), system_scope():
        by_code = {t.code: t for t in db.session.scalars(select(Tenant))}
    assert by_code["35.23.01.2001"].slug == "jlodro"  # existing keeps its slug
    assert by_code["35.23.01.2099"].slug != "jlodro"
    assert by_code["35.23.02.2099"].slug == "desa-anyar"
    assert by_code["35.23.01.2002"].name == "Sokogrenjeng Baru"
    assert by_code["35.23.01.2002"].slug != "sokogrenjeng-baru"  # renamed officially, slug kept
    response = client.get("/.well-known/desa.json", headers={"Host": "desa-anyar.tubankab.go.id"})
    assert response.status_code == 200 and response.json["kode"] == "35.23.02.2099"


@pytest.mark.parametrize("content, message", [
    ("kode,nama\n1,2\n", "kolom wajib"),
    ("code,district_code,name\n35.23.01.XXXX,35.23.01,Bad\n", "tidak valid"),
    ("code,district_code,name\n", "tidak ada desa"),
])
def test_bad_import_file_is_refused_cleanly(runner, tmp_path, content, message, app):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    result = runner.invoke(args=["tenants", "import", "--file", str(path)])
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output
    with app.app_context(), system_scope():
        assert db.session.scalar(select(func.count(Tenant.id))) == 328


@pytest.mark.parametrize("content, message", [
    ("code,district_code,name\n35.23.01.2099,35.23.01,Bal\xe9\n".encode("latin-1"),
     "bukan teks UTF-8"),
    (b"code,district_code,name\n35.23.01.2099,35.23.01,\"Ba\x00l\"\n",
     "nama desa berisi karakter yang tidak diizinkan"),
    (b"code,district_code,name\n35.23.01.2099,35.23.01,\"" + b"x" * 200_000 + b"\"\n",
     "baris 2: CSV tidak terbaca"),
    ("code,district_code,name\n35.23.01.2099,35.23.01,{}\n".format("X" * 121).encode(),
     "nama desa terlalu panjang"),
    (b"\x1f\x8b\x08\x00garbage", "berkas tidak terbaca"),
])
def test_an_unreadable_file_is_refused_with_a_message(runner, tmp_path, content, message, app):
    path = tmp_path / ("bad.csv.gz" if content.startswith(b"\x1f\x8b") else "bad.csv")
    path.write_bytes(content)
    result = runner.invoke(args=["tenants", "import", "--file", str(path)])
    assert result.exit_code == 1, result.output
    assert message in result.output and result.exception.__class__ is SystemExit
    with app.app_context(), system_scope():
        assert db.session.scalar(select(func.count(Tenant.id))) == 328


def test_bad_regency_code(runner):
    result = runner.invoke(args=["tenants", "import", "--regency", "35;drop"])
    assert result.exit_code != 0 and "kode kabupaten tidak valid" in result.output


def test_national_slug_ladder_is_unique():
    def rec(code, name, kec, reg="Kabupaten A"):
        return VillageRecord(code, name, code[:8], kec, code[:5], reg)

    records = [
        rec("11.01.01.2001", "Sukamaju", "Kota"), rec("11.01.02.2001", "Sukamaju", "Kota"),
        rec("11.02.01.2001", "Sukamaju", "Kota", "Kabupaten B"), rec("11.03.01.2001", "Jaya", "X"),
    ]
    taken = {"jaya"}
    slugs = assign_slugs(records, taken, {})
    assert len(set(slugs.values())) == 4
    assert slugs["11.03.01.2001"] != "jaya"
    assert all(is_valid_label(s) for s in slugs.values())
    assert all(re.match(r"^sukamaju-kota", slugs[c]) for c in list(slugs)[:3])
