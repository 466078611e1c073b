"""Upload validation pipeline, storage backends, deletion."""
from __future__ import annotations

import io
import os
import struct
import zlib

import pytest
from PIL import Image
from sqlalchemy import select

from app.extensions import db
from app.media import MediaError, ingest
from app.models import MediaFile
from app.storage import LocalStorage, S3Storage, get_storage, variant_key
from cms_testing import PDF, image_bytes
from desa_testing import village
from tenants.scoping import tenant_context


def _upload(vc, data, name):
    return vc.post("/admin/media/upload", data={"file": (io.BytesIO(data), name)},
                   content_type="multipart/form-data", headers={"Accept": "application/json"})


def _bomb_png(width=30000, height=30000) -> bytes:
    """A tiny PNG header claiming a huge image (a decompression bomb)."""
    raw = zlib.compress(b"\x00" * 10)
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def test_image_upload_reencoded_with_variants(app, logged_in):
    vc = logged_in("kontributor")
    img = Image.new("RGB", (2000, 1000), (10, 120, 200))
    buf = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "KameraRahasia"  # Make
    img.save(buf, "JPEG", exif=exif)
    r = _upload(vc, buf.getvalue(), "../../etc/passwd.jpg")
    assert r.status_code == 200, r.get_data(as_text=True)
    url = r.get_json()["url"]
    with app.app_context(), tenant_context(village("jlodro").id):
        m = db.session.scalar(select(MediaFile))
        assert m.key.startswith(village("jlodro").code + "/") and m.key.endswith(".jpg")
        assert ".." not in m.key and "passwd" not in m.key
        assert m.original_name == "passwd.jpg"
        assert set(m.variants) == {"thumb", "medium", "large"}
        assert m.variants["thumb"]["width"] == 320
        stored = get_storage().load(m.key)
        assert b"KameraRahasia" not in stored
        assert Image.open(io.BytesIO(stored)).format == "JPEG"
        for name in ("thumb", "medium", "large"):
            assert get_storage().exists(variant_key(m.key, name))
    assert vc.get(url).status_code == 200
    assert vc.get("/admin/media").status_code == 200


def test_huge_dimensions_capped(app, as_village):
    with as_village("jlodro"):
        m = ingest(image_bytes("PNG", (4500, 100)), "wide.png", "35.23.01.2001")
        assert m.width == 4000 and m.key.endswith(".png")
        db.session.rollback()


@pytest.mark.parametrize("data,name,message", [
    (b"MZ\x90\x00" + b"\x00" * 100, "foto.jpg", "program"),
    (b"<?xml version='1.0'?><svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
     "logo.png", "SVG"),
    (b"<html><script>alert(1)</script></html>", "dokumen.pdf", "SVG/HTML"),
    (b"just some text pretending", "gambar.png", "tidak dikenali"),
    (b"\x89PNG\r\n\x1a\n" + b"garbage" * 10, "rusak.png", "rusak"),
])
def test_refused_by_content(logged_in, data, name, message):
    vc = logged_in("admin")
    r = _upload(vc, data, name)
    assert r.status_code == 400
    assert message in r.get_json()["error"]


def test_decompression_bomb_refused(logged_in):
    vc = logged_in("admin")
    r = _upload(vc, _bomb_png(), "bom.png")
    assert r.status_code == 400
    assert "terlalu besar" in r.get_json()["error"].lower()


def test_oversized_file_and_quota(app, logged_in, monkeypatch):
    vc = logged_in("admin")
    monkeypatch.setitem(app.config, "MEDIA_MAX_FILE_BYTES", 1000)
    r = _upload(vc, image_bytes("PNG", (400, 400), (1, 2, 3)) + b"\x00" * 2000, "besar.png")
    assert r.status_code == 400 and "terlalu besar" in r.get_json()["error"]
    monkeypatch.setitem(app.config, "MEDIA_MAX_FILE_BYTES", 10_000_000)
    monkeypatch.setitem(app.config, "MEDIA_QUOTA_BYTES", len(PDF) + 10)
    assert _upload(vc, PDF, "a.pdf").status_code == 200
    r = _upload(vc, PDF, "b.pdf")
    assert r.status_code == 400 and "Kuota" in r.get_json()["error"]


def test_pdf_and_document_field(app, logged_in):
    vc = logged_in("admin")
    r = vc.post("/admin/c/document/new", data={
        "title": "Perdes 1", "category": "perdes",
        "file_id_upload": (io.BytesIO(PDF), "perdes.pdf")}, content_type="multipart/form-data")
    assert r.status_code == 302
    # an image is refused in a PDF-only field
    r = vc.post("/admin/c/document/new", data={
        "title": "Salah", "file_id_upload": (io.BytesIO(image_bytes()), "x.pdf")},
        content_type="multipart/form-data")
    assert r.status_code == 400 and "PDF" in r.get_data(as_text=True)


def test_delete_removes_stored_objects(app, logged_in):
    vc = logged_in("admin")
    mid = _upload(vc, image_bytes("PNG", (900, 500)), "x.png").get_json()["id"]
    with app.app_context(), tenant_context(village("jlodro").id):
        m = db.session.scalar(select(MediaFile))
        keys = [m.key] + [v["key"] for v in m.variants.values()]
    assert len(keys) == 3  # original, thumb, medium
    assert vc.post(f"/admin/media/{mid}/delete").status_code == 302
    with app.app_context():
        storage = get_storage()
        assert not any(storage.exists(k) for k in keys)


@pytest.fixture()
def s3_server(monkeypatch):
    from moto.server import ThreadedMotoServer

    for var, value in {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
                       "AWS_DEFAULT_REGION": "us-east-1", "AWS_SESSION_TOKEN": "test"}.items():
        monkeypatch.setenv(var, value)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def test_s3_backend(app, logged_in, s3_server):
    import boto3

    boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1").create_bucket(
        Bucket="desa-media")
    storage = S3Storage("desa-media", "media", s3_server, "us-east-1")
    saved = app.extensions.get("desa_storage")
    app.extensions["desa_storage"] = storage
    try:
        vc = logged_in("admin")
        r = _upload(vc, image_bytes("WEBP", (700, 300)), "foto.webp")
        assert r.status_code == 200, r.get_data(as_text=True)
        assert vc.get(r.get_json()["url"]).status_code == 200
        with app.app_context(), tenant_context(village("jlodro").id):
            m = db.session.scalar(select(MediaFile))
            key, thumb = m.key, variant_key(m.key, "thumb")
            assert key.endswith(".webp")
        assert storage.exists(key) and storage.exists(thumb)
        vc.post(f"/admin/media/{r.get_json()['id']}/delete")
        assert not storage.exists(key) and not storage.exists(thumb)
    finally:
        if saved is None:
            app.extensions.pop("desa_storage", None)
        else:
            app.extensions["desa_storage"] = saved
