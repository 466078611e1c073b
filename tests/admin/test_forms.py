"""Admin forms: every field checked before anything is stored, then one save."""
from __future__ import annotations

import io
import os
from pathlib import Path

from sqlalchemy import event, func, select

from app.extensions import db
from app.models import Album, BudgetLine, MediaFile, MenuItem, Official, Post
from cms_testing import image_bytes
from desa_testing import village
from tenants.scoping import tenant_context


def _files(app) -> int:
    root = Path(app.config["MEDIA_ROOT"])
    return sum(len(files) for _, _, files in os.walk(root)) if root.exists() else 0


def _count(app, model) -> int:
    with app.app_context(), tenant_context(village("jlodro").id):
        return db.session.scalar(select(func.count()).select_from(model)
                                 .execution_options(include_trashed=True))


def test_a_refused_form_leaves_no_uploaded_file_behind(app, logged_in):
    vc = logged_in("admin")
    before = _files(app)
    # a valid cover picture, then a field that fails (a date that is not one)
    r = vc.post("/admin/c/post/new", content_type="multipart/form-data", data={
        "title": "Dengan sampul", "status": "scheduled", "published_at": "besok pagi",
        "cover_id_upload": (io.BytesIO(image_bytes(size=(900, 600))), "sampul.png")})
    assert r.status_code == 400
    assert "Waktu terbit tidak valid" in r.get_data(as_text=True)
    assert _files(app) == before
    assert _count(app, MediaFile) == 0 and _count(app, Post) == 0
    # the same form, corrected, stores the picture with its variants
    r = vc.post("/admin/c/post/new", content_type="multipart/form-data", data={
        "title": "Dengan sampul", "status": "draft",
        "cover_id_upload": (io.BytesIO(image_bytes(size=(900, 600))), "sampul.png")})
    assert r.status_code == 302
    assert _files(app) > before and _count(app, MediaFile) == 1


def test_a_save_that_fails_in_the_database_removes_its_files(app, logged_in, monkeypatch):
    from app.admin import saving

    vc = logged_in("admin")
    before = _files(app)

    def broken_audit(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(saving, "audit", broken_audit)
    r = vc.post("/admin/c/official/new", content_type="multipart/form-data", data={
        "name": "Budi", "position": "Kepala Desa",
        "photo_id_upload": (io.BytesIO(image_bytes()), "budi.png")})
    assert r.status_code == 500
    assert _files(app) == before and _count(app, MediaFile) == 0


def test_three_posts_with_one_title_in_one_second(app, logged_in):
    vc = logged_in("admin")
    for _ in range(3):
        r = vc.post("/admin/c/post/new", data={"title": "Rapat desa", "status": "draft"})
        assert r.status_code == 302, r.status_code
    with app.app_context(), tenant_context(village("jlodro").id):
        slugs = sorted(db.session.scalars(select(Post.slug)))
    assert slugs == ["rapat-desa", "rapat-desa-2", "rapat-desa-3"]


def test_overlong_fields_are_refused_with_a_message(app, logged_in):
    vc = logged_in("admin")
    r = vc.post("/admin/c/post/new", data={"title": "x" * 1_000_000, "status": "draft"})
    assert r.status_code == 400
    assert "Judul terlalu panjang: paling banyak 200 karakter" in r.get_data(as_text=True)
    r = vc.post("/admin/c/menu/new", data={"label": "L" * 81, "url": "/berita"})
    assert r.status_code == 400 and "Label terlalu panjang" in r.get_data(as_text=True)
    r = vc.post("/admin/c/post/new", data={"title": "Judul", "slug": "s" * 500})
    assert r.status_code == 400
    assert _count(app, Post) == 0 and _count(app, MenuItem) == 0


def test_numbers_out_of_range_in_urls_and_forms(app, logged_in):
    vc = logged_in("admin")
    for path in ("/admin/c/post/99999999999999999999", "/admin/c/post/2147483648",
                 "/admin/albums/99999999999999999999/photos",
                 "/admin/c/post/1/diff/1/99999999999999999999"):
        assert vc.get(path).status_code == 404, path
    for planned in ("Infinity", "1e999999999", "NaN", "-1000", "100000000000000"):
        r = vc.post("/admin/c/budget/new", data={"year": "2026", "section": "belanja",
                                                 "name": "Jalan", "planned": planned})
        assert r.status_code == 400, planned
    for year in ("99999999999999999999", "-5", "20260"):
        r = vc.post("/admin/c/budget/new", data={"year": year, "section": "belanja",
                                                 "name": "Jalan"})
        assert r.status_code == 400, year
    r = vc.post("/admin/c/official/new", data={"name": "A", "position": "B",
                                               "position_order": "99999999999999999999"})
    assert r.status_code == 400
    r = vc.post("/admin/c/stat/new", data={"year": "2026", "category": "umur", "label": "x",
                                           "value": "-3"})
    assert r.status_code == 400 and "antara 0" in r.get_data(as_text=True)
    assert _count(app, BudgetLine) == 0 and _count(app, Official) == 0
    assert vc.get("/transparansi").status_code == 200


def test_budget_csv_refuses_infinite_and_oversized_amounts(app, logged_in):
    vc = logged_in("admin")
    for bad in ("Infinity", "1e999999999", "-5", "NaN"):
        text = f"year,section,code,name,planned,realised\n2026,belanja,5.1,Jalan,1000,{bad}\n"
        r = vc.post("/admin/budget/import", content_type="multipart/form-data",
                    data={"file": (io.BytesIO(text.encode()), "a.csv")}, follow_redirects=True)
        assert "CSV tidak valid: baris 2: Realisasi" in r.get_data(as_text=True), bad
    r = vc.post("/admin/budget/import", content_type="multipart/form-data",
                data={"file": (io.BytesIO("year,name\n\xff".encode("latin-1")), "a.csv")},
                follow_redirects=True)
    assert "UTF-8" in r.get_data(as_text=True)
    assert _count(app, BudgetLine) == 0


def test_menu_links_only_safe_schemes(app, logged_in):
    vc = logged_in("admin")
    for url in ("javascript:alert(1)", "java\tscript:alert(1)", "//evil.example",
                "data:text/html,x"):
        assert vc.post("/admin/c/menu/new", data={"label": "L", "url": url}).status_code == 400
    assert vc.post("/admin/c/menu/new", data={"label": "Surel",
                                              "url": "mailto:kades@desa.id"}).status_code == 302


def test_kontributor_no_longer_changes_what_the_public_sees(app, logged_in):
    """The attack round as a kontributor (issue 15, M1), over HTTP."""
    red = logged_in("redaksi")
    album = red.post("/admin/c/album/new", data={"title": "Galeri", "status": "published"})
    album_id = int(album.headers["Location"].rsplit("/", 1)[1])
    up = red.post("/admin/media/upload", content_type="multipart/form-data",
                  headers={"Accept": "application/json"},
                  data={"file": (io.BytesIO(image_bytes()), "sampul.png")})
    cover = up.get_json()["id"]
    post = red.post("/admin/c/post/new", data={"title": "Terbit", "status": "published",
                                               "cover_id": str(cover)})
    post_id = int(post.headers["Location"].rsplit("/", 1)[1])
    red.post(f"/admin/c/post/{post_id}/delete")
    kon = logged_in("kontributor")
    assert kon.post("/admin/c/menu/new", data={"label": "Iklan",
                                               "url": "https://iklan.example"}).status_code == 403
    assert kon.post("/admin/c/official/new", data={"name": "X", "position": "Y"}).status_code == 403
    assert kon.post("/admin/c/budget/new", data={"year": "2026", "section": "belanja",
                                                 "name": "X"}).status_code == 403
    assert kon.post("/admin/c/stat/new", data={"year": "2026", "category": "umur",
                                               "label": "X"}).status_code == 403
    assert kon.post("/admin/budget/import", content_type="multipart/form-data", data={
        "file": (io.BytesIO(b"year,section,name\n2026,belanja,X\n"), "a.csv")}).status_code == 403
    assert kon.post(f"/admin/albums/{album_id}/photos", content_type="multipart/form-data",
                    data={"file": (io.BytesIO(image_bytes()), "p.png")}).status_code == 403
    assert kon.post(f"/admin/media/{cover}/delete").status_code == 403
    assert kon.post(f"/admin/trash/post/{post_id}/restore").status_code == 403
    assert _count(app, MenuItem) == 0 and _count(app, MediaFile) == 1
    with app.app_context(), tenant_context(village("jlodro").id):
        assert db.session.get(Album, album_id).photos == []
    # its own draft is still its to work on
    mine = kon.post("/admin/c/post/new", data={"title": "Draf saya", "status": "draft"})
    mine_id = int(mine.headers["Location"].rsplit("/", 1)[1])
    assert kon.post(f"/admin/c/post/{mine_id}/delete").status_code == 302
    assert kon.post(f"/admin/trash/post/{mine_id}/restore").status_code == 302


def test_setting_a_body_runs_no_query_and_the_flush_renders_it(app, jlodro):
    with app.app_context(), tenant_context(village("jlodro").id):
        statements = []

        def seen(*args):
            statements.append(args[2])

        event.listen(db.engine, "before_cursor_execute", seen)
        try:
            post = Post(title="T", slug="t", body_md="![x](/media/nope.png) **tebal**")
            post.body_md = "**tebal**"
            assert statements == [] and not post.body_html
            db.session.add(post)
            db.session.flush()
            assert "<strong>tebal</strong>" in post.body_html
            post.title = "Lain"
            db.session.flush()
            post.body_md = "_miring_"
            db.session.flush()
            assert "<em>miring</em>" in post.body_html
        finally:
            event.remove(db.engine, "before_cursor_execute", seen)
            db.session.rollback()
