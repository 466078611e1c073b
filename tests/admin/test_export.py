"""Export zip (CLI and admin download) and import into an empty village: round trip."""
from __future__ import annotations

import io
import json
import zipfile

from sqlalchemy import select

from app.extensions import db
from app.models import (
    Album, BudgetLine, Document, MediaFile, MenuItem, Official, Page, Post, SiteSettings,
)
from cms_testing import OTHER, PDF, image_bytes
from desa_testing import village
from tenants.scoping import tenant_context


def _fill(vc):
    def new(kind, **data):
        r = vc.post(f"/admin/c/{kind}/new", data=data, content_type="multipart/form-data")
        assert r.status_code == 302, r.get_data(as_text=True)[:500]
        return r.headers["Location"].rstrip("/").rsplit("/", 1)[1]

    new("page", title="Sejarah", body_md="# Dulu\n\nCerita.", status="published")
    cat = new("category", name="Kegiatan")
    new("post", title="Panen raya", category_id=cat, body_md="Panen **besar**.", tags="panen, tani",
        status="published", cover_id_upload=(io.BytesIO(image_bytes("JPEG", (900, 600))), "c.jpg"))
    new("announcement", title="Posyandu", body_md="Hari Sabtu", valid_until="2030-12-31")
    new("event", title="Musdes", starts_on="2030-03-01", start_time="08:30", location="Balai")
    new("official", name="Sutrisno", position="Kepala Desa",
        photo_id_upload=(io.BytesIO(image_bytes("PNG", (400, 500))), "kades.png"))
    new("document", title="Perdes APBDes", category="apbdes", year="2026",
        file_id_upload=(io.BytesIO(PDF), "perdes.pdf"))
    new("album", title="HUT RI", status="published")
    new("budget", year="2026", section="pendapatan", name="Dana Desa", planned="900000000")
    new("stat", year="2026", category="jenis_kelamin", label="Laki-laki", value="1200")
    new("menu", label="BUMDes", url="/halaman/bumdes", position="2")
    vc.post("/admin/settings", data={"tagline": "Desa Ekspor", "primary_color": "#112233",
                                     "theme": "default", "latitude": "-6.9", "longitude": "112.05"})


def _snapshot(app, slug):
    with app.app_context(), tenant_context(village(slug).id):
        post = db.session.scalar(select(Post))
        return {
            "pages": sorted(p.title for p in db.session.scalars(select(Page))),
            "post": (post.title, post.body_md, post.status, sorted(t.name for t in post.tags),
                     post.category.name, post.cover is not None),
            "officials": [(o.name, o.photo is not None) for o in db.session.scalars(select(Official))],
            "docs": [(d.title, d.file.kind) for d in db.session.scalars(select(Document))],
            "albums": [a.title for a in db.session.scalars(select(Album))],
            "budget": [(b.name, int(b.planned)) for b in db.session.scalars(select(BudgetLine))],
            "media": db.session.query(MediaFile).count(),
            "tagline": db.session.scalar(select(SiteSettings.tagline)),
            "place": db.session.execute(
                select(SiteSettings.latitude, SiteSettings.longitude)).one(),
            "menu": [(m.label, m.url, m.position) for m in db.session.scalars(select(MenuItem))],
        }


def test_export_import_round_trip(app, logged_in, runner, tmp_path):
    vc = logged_in("admin")
    _fill(vc)
    r = vc.get("/admin/export.zip")
    assert r.status_code == 200 and r.mimetype == "application/zip"
    zf = zipfile.ZipFile(io.BytesIO(r.data))
    manifest = json.loads(zf.read("manifest.json"))
    assert manifest["counts"]["post"] == 1
    post_md = zf.read("content/post/panen-raya.md").decode()
    assert post_md.startswith("---\n") and 'title: "Panen raya"' in post_md

    out = tmp_path / "jlodro.zip"
    result = runner.invoke(args=["tenants", "export", "jlodro", str(out)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["tenants", "import-content", OTHER, str(out)])
    assert result.exit_code == 0, result.output
    before, after = _snapshot(app, "jlodro"), _snapshot(app, OTHER)
    assert before == after
    assert before["menu"] == [("BUMDes", "/halaman/bumdes", 2)]
    assert before["place"][0] is not None
    # importing again refuses: the village is no longer empty
    result = runner.invoke(args=["tenants", "import-content", OTHER, str(out)])
    assert result.exit_code != 0 and "kosong" in result.output
    # media of the imported village are its own keys and are served on its host
    with app.app_context(), tenant_context(village(OTHER).id):
        keys = [m.key for m in db.session.scalars(select(MediaFile))]
    assert all(k.startswith(village_code(app, OTHER)) for k in keys)


def village_code(app, slug):
    with app.app_context():
        return village(slug).code


def test_export_requires_admin(logged_in):
    assert logged_in("redaksi").get("/admin/export.zip").status_code == 403


def test_pictures_in_bodies_follow_their_files_to_the_new_village(app, logged_in, runner,
                                                                   tmp_path, client):
    """A restored file gets a key of its new village; the articles that show it (as the
    editor inserted it, or a resized copy) must show the restored file, with its
    resized copies, not a dead link to the old village's key."""
    from app.storage import variant_key
    from desa_testing import VillageClient

    vc = logged_in("admin")
    upload = vc.post("/admin/media/upload", data={"file": (
        io.BytesIO(image_bytes("JPEG", (2000, 1000))), "sawah.jpg")},
        content_type="multipart/form-data", headers={"Accept": "application/json"})
    url = upload.get_json()["url"]
    thumb = "/media/" + variant_key(url.removeprefix("/media/"), "thumb")
    r = vc.post("/admin/c/page/new", data={
        "title": "Sawah kami", "status": "published",
        "body_md": f"![Sawah]({url})\n\n![Kecil]({thumb})"}, content_type="multipart/form-data")
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    out = tmp_path / "jlodro.zip"
    assert runner.invoke(args=["tenants", "export", "jlodro", str(out)]).exit_code == 0
    result = runner.invoke(args=["tenants", "import-content", OTHER, str(out)])
    assert result.exit_code == 0, result.output

    with app.app_context():
        old_code, new_code = village("jlodro").code, village(OTHER).code
        with tenant_context(village(OTHER).id):
            page = db.session.scalar(select(Page).where(Page.title == "Sawah kami"))
            body_md, body_html, slug = page.body_md, page.body_html, page.slug
            (key,) = db.session.scalars(select(MediaFile.key)).all()
    assert key.startswith(new_code + "/")
    assert body_md == f"![Sawah](/media/{key})\n\n![Kecil](/media/{variant_key(key, 'thumb')})"
    assert f'/media/{variant_key(key, "large")} 1600w' in body_html
    other = VillageClient(client, OTHER)
    shown = other.get(f"/halaman/{slug}")
    assert shown.status_code == 200 and old_code not in shown.text
    for served in (key, variant_key(key, "thumb"), variant_key(key, "large")):
        assert other.get(f"/media/{served}").status_code == 200
