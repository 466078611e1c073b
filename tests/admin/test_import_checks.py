"""``flask tenants import-content`` checks a zip as the forms check their fields,
reads it within limits, and either imports all of it or stores nothing."""
from __future__ import annotations

import json
import os
import time
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import MediaFile, MenuItem, Page, SiteSettings
from cms_testing import OTHER, image_bytes
from desa_testing import village
from tenants.scoping import tenant_context

GOOD_PAGE = '---\ntitle: "Sejarah"\nslug: "sejarah"\nstatus: "published"\n---\n\nCerita.'


def _manifest(**parts) -> dict:
    manifest = {"format": "desa-cms-export/1", "counts": {}, "categories": [], "media": [],
                "officials": [], "documents": [], "albums": [], "budget": [], "stats": [],
                "menu": [], "settings": None}
    manifest.update(parts)
    return manifest


def _zip(path: Path, manifest: dict, files: dict | None = None,
         compression=zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as zf:
        zf.writestr("manifest.json", json.dumps(manifest))
        zf.writestr("content/page/sejarah.md", GOOD_PAGE)
        for name, data in (files or {}).items():
            zf.writestr(name, data)
    return path


def _stored(app) -> dict:
    with app.app_context(), tenant_context(village(OTHER).id):
        return {model.__name__: db.session.scalar(select(func.count(model.id)))
                for model in (Page, MediaFile, MenuItem, SiteSettings)}


def _media_files(app) -> set[str]:
    root = Path(app.config["MEDIA_ROOT"])
    return {str(p) for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def _refused(app, runner, path: Path, message: str):
    before = _media_files(app)
    result = runner.invoke(args=["tenants", "import-content", OTHER, str(path)])
    assert result.exit_code == 1, result.output
    assert "Impor dibatalkan, tidak ada yang disimpan" in result.output
    assert message in result.output, result.output
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
    assert set(_stored(app).values()) == {0}
    assert _media_files(app) == before


@pytest.mark.parametrize("parts, message", [
    ({"menu": [{"label": "Klik", "url": "javascript:alert(1)", "position": 1}]},
     "menu 1: url harus diawali"),
    ({"menu": [{"label": "Klik", "url": "//evil.example", "position": 1}]}, "menu 1: url"),
    ({"menu": [{"label": "x" * 81, "url": "/x", "position": 1}]}, "menu 1: label terlalu panjang"),
    ({"menu": [{"label": "x", "url": "/x", "position": 1, "tenant_id": 1}]},
     "menu 1: kolom tidak dikenal: tenant_id"),
    ({"settings": {"latitude": "utara"}}, "settings: Lintang harus berupa angka"),
    ({"settings": {"latitude": "1e999999999"}}, "settings: Lintang harus berupa angka"),
    ({"settings": {"primary_color": "red;background:url(x)"}}, "#rrggbb"),
    ({"settings": {"social": {"facebook": "javascript:alert(1)"}}}, "settings: Tautan facebook"),
    ({"settings": {"social": {"facebook": "http://facebook.com/x"}}}, "harus diawali https://"),
    ({"settings": {"tagline": "x" * 201}}, "settings: tagline terlalu panjang"),
    ({"settings": {"body_html": "<script>"}}, "settings: kolom tidak dikenal: body_html"),
    ({"budget": [{"year": 2026, "section": "belanja", "name": "Jalan", "planned": "Infinity"}]},
     "budget 1: Anggaran harus berupa angka"),
    ({"budget": [{"year": 2026, "section": "belanja", "name": "Jalan", "planned": "1e999999999"}]},
     "budget 1: Anggaran terlalu besar"),
    ({"stats": [{"year": 2026, "category": "umur", "label": "0-5", "value": 99999999999}]},
     "stats 1: value harus antara"),
    ({"officials": [{"name": "Budi", "position": "Kades", "group": "raja", "photo": None}]},
     "officials 1: group: pilihan 'raja' tidak dikenal"),
    ({"documents": [{"slug": "../../x", "title": "x", "file": None}]},
     "documents 1: slug: hanya huruf kecil"),
])
def test_unchecked_values_are_refused(app, runner, tmp_path, parts, message):
    _refused(app, runner, _zip(tmp_path / "x.zip", _manifest(**parts)), message)


@pytest.mark.parametrize("front, message", [
    ('title: "x"\nslug: "x"\nbody_html: "<script>alert(1)</script>"', "kolom tidak dikenal: body_html"),
    ('title: "x"\nslug: "x"\nstatus: "terbit"', "status: pilihan 'terbit' tidak dikenal"),
    ('title: "x"\nslug: "x"\npublished_at: "kemarin"', "published_at tidak valid"),
    ('title: "x"\nslug: "x"\ntitle: nope', "front matter tidak valid"),
])
def test_bad_front_matter_is_refused(app, runner, tmp_path, front, message):
    path = _zip(tmp_path / "x.zip", _manifest(),
                {"content/post/x.md": f"---\n{front}\n---\n\nIsi."})
    _refused(app, runner, path, message)


def test_a_body_beyond_the_markdown_limits_is_refused(app, runner, tmp_path):
    path = _zip(tmp_path / "x.zip", _manifest(),
                {"content/page/dalam.md": GOOD_PAGE.replace("sejarah", "dalam")
                 .replace("Cerita.", "<div>" * 500)})
    _refused(app, runner, path, "content/page/dalam.md: Isi: bersarang terlalu dalam")


def test_a_zip_bomb_is_refused_before_it_is_read(app, runner, tmp_path):
    # one small file that expands a thousandfold
    bomb = _zip(tmp_path / "bomb.zip", _manifest(), {"media/35.23/x.jpg": bytes(8 * 2**20)})
    assert os.path.getsize(bomb) < 100_000
    start = time.process_time()
    _refused(app, runner, bomb, "rasio kompresi tidak wajar")
    assert time.process_time() - start < 2
    big = _zip(tmp_path / "big.zip", _manifest(), {"media/35.23/x.jpg": os.urandom(1024) * 65 * 1024},
               compression=zipfile.ZIP_STORED)
    _refused(app, runner, big, "lebih dari 64 MiB")


def test_an_entry_larger_than_it_declares_is_refused(app, runner, tmp_path):
    path = _zip(tmp_path / "lie.zip", _manifest(media=[{"key": "35.23/a.png"}]),
                {"media/35.23/a.png": image_bytes("PNG")}, compression=zipfile.ZIP_STORED)
    data = bytearray(path.read_bytes())
    central = data.rfind(b"PK\x01\x02")  # the last entry's central directory record
    declared = int.from_bytes(data[central + 24:central + 28], "little")
    data[central + 24:central + 28] = (declared - 10).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    # zip's own check or ours: the entry is never read past what it declares
    _refused(app, runner, path, "media/35.23/a.png: ")


def test_not_a_zip_and_a_missing_manifest(app, runner, tmp_path):
    (tmp_path / "x.zip").write_bytes(b"bukan zip")
    _refused(app, runner, tmp_path / "x.zip", "Berkas bukan zip ekspor yang utuh")
    with zipfile.ZipFile(tmp_path / "y.zip", "w") as zf:
        zf.writestr("content/page/a.md", GOOD_PAGE)
    _refused(app, runner, tmp_path / "y.zip", "manifest.json tidak ada")
    with zipfile.ZipFile(tmp_path / "z.zip", "w") as zf:
        zf.writestr("manifest.json", b"\xff\xfe")
    _refused(app, runner, tmp_path / "z.zip", "manifest.json: bukan teks UTF-8")


def test_a_bad_file_among_the_media_leaves_no_stored_file_behind(app, runner, tmp_path):
    manifest = _manifest(media=[{"key": "35.23/a.png", "kind": "image"},
                                {"key": "35.23/b.png", "kind": "image"}])
    path = _zip(tmp_path / "x.zip", manifest, {"media/35.23/a.png": image_bytes("PNG"),
                                               "media/35.23/b.png": b"<script>bukan gambar"})
    _refused(app, runner, path, "media 35.23/b.png:")


def test_a_clean_zip_still_imports(app, runner, tmp_path):
    manifest = _manifest(
        media=[{"key": "35.23/a.png", "kind": "image", "alt": "Balai"}],
        menu=[{"label": "BUMDes", "url": "/halaman/bumdes", "position": 2}],
        budget=[{"year": 2026, "section": "belanja", "name": "Jalan", "planned": "1500000.50",
                 "realised": "0", "code": "5.1", "position": 1}],
        settings={"tagline": "Desa maju", "latitude": "-6.9", "longitude": "112.05",
                  "primary_color": "#12AB34", "social": {"facebook": "https://facebook.com/x"},
                  "logo": "35.23/a.png", "header": None})
    path = _zip(tmp_path / "x.zip", manifest, {"media/35.23/a.png": image_bytes("PNG")})
    result = runner.invoke(args=["tenants", "import-content", OTHER, str(path)])
    assert result.exit_code == 0, result.output
    assert _stored(app) == {"Page": 1, "MediaFile": 1, "MenuItem": 1, "SiteSettings": 1}
    with app.app_context(), tenant_context(village(OTHER).id):
        settings = db.session.scalar(select(SiteSettings))
        assert settings.primary_color == "#12ab34" and str(settings.latitude) == "-6.900000"
        assert settings.logo is not None
