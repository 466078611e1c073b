"""Content editing: CRUD, states, revisions, conflicts, trash, settings, isolation."""
from __future__ import annotations

import re

from sqlalchemy import select, update

from app.admin.registry import KINDS
from app.extensions import db
from app.models import BudgetLine, Page, Post, Revision
from app.models.base import utcnow
from cms_testing import OTHER
from desa_testing import village
from tenants.models import Tenant
from tenants.scoping import tenant_context


def _new(vc, kind, **data):
    r = vc.post(f"/admin/c/{kind}/new", data=data)
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    return int(r.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def _version(vc, kind, ident):
    page = vc.get(f"/admin/c/{kind}/{ident}").get_data(as_text=True)
    return re.search(r'name="version_id" value="(\d+)"', page).group(1)


def test_create_every_kind(app, logged_in):
    vc = logged_in("admin")
    pid = _new(vc, "page", title="Sejarah Desa", body_md="# Sejarah\n\nDulu **sekali**.",
               section="profil", status="published")
    cat = _new(vc, "category", name="Kegiatan")
    post = _new(vc, "post", title="Kerja bakti", body_md="Isi", category_id=str(cat),
                tags="gotong royong, desa", status="published")
    _new(vc, "announcement", title="Vaksin", body_md="x", valid_until="2030-01-01",
         status="draft")
    _new(vc, "event", title="Rapat", starts_on="2030-02-01", start_time="09:00",
         location="Balai", status="published")
    _new(vc, "official", name="Budi", position="Kepala Desa", group="perangkat")
    _new(vc, "album", title="Galeri 17an", status="published")
    _new(vc, "budget", year="2026", section="belanja", name="Jalan", planned="1.500.000,50")
    _new(vc, "stat", year="2026", category="umur", label="0-5", value="120")
    for kind in ("page", "post", "announcement", "event", "official", "document", "album",
                 "category", "budget", "stat"):
        assert vc.get(f"/admin/c/{kind}/").status_code == 200, kind
        assert vc.get(f"/admin/c/{kind}/new").status_code == 200, kind
    assert vc.get(f"/admin/c/page/{pid}").status_code == 200
    with app.app_context():
        tenant = village("jlodro")
        assert tenant.content_updated_at is not None
    # the public site shows the published post
    assert "Kerja bakti" in vc.get("/berita").get_data(as_text=True)
    assert vc.get(f"/admin/c/post/{post}").status_code == 200


def test_validation_errors(logged_in):
    vc = logged_in("admin")
    assert vc.post("/admin/c/event/new", data={"title": "x", "starts_on": "kemarin"}).status_code == 400
    assert vc.post("/admin/c/page/new", data={"title": ""}).status_code == 400
    assert vc.post("/admin/c/post/new", data={"title": "x", "status": "scheduled"}).status_code == 400
    assert vc.get("/admin/c/nothing/").status_code == 404


def test_preview_uses_sanitiser(logged_in):
    vc = logged_in("kontributor")
    r = vc.post("/admin/preview", data={"text": "**a** <script>alert(1)</script>"})
    html = r.get_json()["html"]
    assert "<strong>a</strong>" in html and "<script" not in html


def test_revisions_diff_restore(app, logged_in):
    vc = logged_in("redaksi")
    pid = _new(vc, "page", title="Visi", body_md="satu\n<b>dua</b>")
    vc.post(f"/admin/c/page/{pid}", data={"title": "Visi 2", "body_md": "satu\ntiga",
                                          "version_id": _version(vc, "page", pid)})
    hist = vc.get(f"/admin/c/page/{pid}/history").get_data(as_text=True)
    revs = sorted(int(x) for x in set(re.findall(r"/revisions/(\d+)/restore", hist)))
    assert len(revs) == 2
    diff = vc.get(f"/admin/c/page/{pid}/diff/{revs[0]}/{revs[1]}").get_data(as_text=True)
    assert "&lt;b&gt;dua&lt;/b&gt;" in diff and "<b>dua</b>" not in diff
    assert vc.post(f"/admin/c/page/{pid}/revisions/{revs[0]}/restore").status_code == 302
    with app.app_context(), app.test_request_context():
        from tenants.scoping import tenant_context

        with tenant_context(village("jlodro").id):
            page = db.session.scalar(select(Page).where(Page.id == pid))
            assert page.title == "Visi" and "dua" in page.body_md
            assert db.session.query(Revision).count() == 3


def test_autosave(app, logged_in):
    vc = logged_in("kontributor")
    pid = _new(vc, "post", title="Draf", body_md="awal")
    r = vc.post(f"/admin/c/post/{pid}/autosave", data={"title": "Draf", "body_md": "ketikan baru"})
    assert r.get_json()["ok"]
    vc.post(f"/admin/c/post/{pid}/autosave", data={"title": "Draf", "body_md": "ketikan lagi"})
    page = vc.get(f"/admin/c/post/{pid}").get_data(as_text=True)
    assert "ketikan lagi" in page and "Pakai simpanan otomatis" in page
    with app.app_context():
        from tenants.scoping import tenant_context

        with tenant_context(village("jlodro").id):
            assert db.session.query(Revision).filter_by(kind="autosave").count() == 1


def test_concurrent_edit_conflict(app, logged_in):
    a = logged_in("admin")
    b = logged_in("redaksi")
    pid = _new(a, "post", title="Asli", body_md="isi asli")
    va, vb = _version(a, "post", pid), _version(b, "post", pid)
    assert a.post(f"/admin/c/post/{pid}", data={"title": "Versi A", "body_md": "A",
                                                "version_id": va}).status_code == 302
    r = b.post(f"/admin/c/post/{pid}", data={"title": "Versi B", "body_md": "B",
                                             "version_id": vb})
    assert r.status_code == 409
    text = r.get_data(as_text=True)
    assert "Konflik" in text and "Versi A" in text and "Versi B" in text
    with app.app_context():
        from tenants.scoping import tenant_context

        with tenant_context(village("jlodro").id):
            assert db.session.scalar(select(Post.title).where(Post.id == pid)) == "Versi A"


def test_trash_and_restore(app, logged_in):
    vc = logged_in("admin")
    pid = _new(vc, "post", title="Hapus saya", status="published")
    assert vc.post(f"/admin/c/post/{pid}/delete").status_code == 302
    assert vc.get(f"/admin/c/post/{pid}").status_code == 404
    assert "Hapus saya" in vc.get("/admin/trash").get_data(as_text=True)
    assert "Hapus saya" not in vc.get("/berita").get_data(as_text=True)
    assert vc.post(f"/admin/trash/post/{pid}/restore").status_code == 302
    assert vc.get(f"/admin/c/post/{pid}").status_code == 200
    audit = vc.get("/admin/audit").get_data(as_text=True)
    assert "delete" in audit and "restore" in audit


def test_kontributor_cannot_delete_published(logged_in):
    red = logged_in("redaksi")
    pid = _new(red, "post", title="Terbit", status="published")
    kon = logged_in("kontributor")
    assert kon.post(f"/admin/c/post/{pid}/delete").status_code == 403
    # editing a live item would publish the change
    r = kon.post(f"/admin/c/post/{pid}", data={"title": "Diubah", "status": "published",
                                               "version_id": _version(kon, "post", pid)})
    assert r.status_code == 403


def test_settings_colour_and_theme(app, logged_in):
    vc = logged_in("admin")
    r = vc.post("/admin/settings", data={"primary_color": "red", "theme": "default"})
    assert r.status_code == 400 and "#rrggbb" in r.get_data(as_text=True)
    r = vc.post("/admin/settings", data={"primary_color": "#12AB34", "theme": "nope"})
    assert r.status_code == 400
    r = vc.post("/admin/settings", data={"primary_color": "#12AB34", "theme": "default",
                                         "tagline": "Desa maju"})
    assert r.status_code == 302
    page = vc.get("/admin/settings").get_data(as_text=True)
    assert "#12ab34" in page and "Desa maju" in page


def test_budget_csv_import(app, logged_in):
    vc = logged_in("admin")
    csv = "year,section,code,name,planned,realised\n2026,belanja,5.1,Jalan desa,1000000,500000\n"
    import io

    r = vc.post("/admin/budget/import", data={"file": (io.BytesIO(csv.encode()), "apbdes.csv")},
                content_type="multipart/form-data")
    assert r.status_code == 302
    bad = "year,section,name\n2026,lain,X\n"
    vc.post("/admin/budget/import", data={"file": (io.BytesIO(bad.encode()), "b.csv")},
            content_type="multipart/form-data")
    with app.app_context():
        from tenants.scoping import tenant_context

        with tenant_context(village("jlodro").id):
            assert db.session.query(BudgetLine).count() == 1


def test_scheduled_publish_helper(app, logged_in):
    from app.admin import publish_due
    from tenants.scoping import tenant_context

    vc = logged_in("redaksi")
    pid = _new(vc, "post", title="Nanti", status="scheduled", published_at="2020-01-01T08:00")
    with app.app_context(), tenant_context(village("jlodro").id):
        assert publish_due() == 1
        assert db.session.scalar(select(Post.status).where(Post.id == pid)) == "published"


def test_village_admin_audit_only_own_village(app, logged_in):
    mine = logged_in("admin")
    other = logged_in("admin", slug=OTHER)
    _new(other, "page", title="Rahasia Soko")
    assert "Rahasia Soko" in other.get("/admin/audit").get_data(as_text=True)
    assert "Rahasia Soko" not in mine.get("/admin/audit").get_data(as_text=True)


def test_every_admin_url_with_other_village_ids_is_404(app, logged_in):
    """Walk every /admin rule with ids (found in the URL map, objects made for what each
    view declares) using the OTHER village's ids: all 404, trashed ones too."""
    from admin_objects import action_of, admin_rules, make_target, methods
    from app.permissions import ACTIONS, ROLES, SUPERADMIN, allowed

    # each action is tried by a village role the table grants it to (an admin, or the
    # PPID officer for the requester's personal data): the refusal must be the 404 of
    # a foreign id, not the 403 of a missing right
    clients = {role: logged_in(role) for role in ROLES if role != SUPERADMIN}
    checked, walked = 0, set()
    with app.app_context():
        other = village(OTHER)
        rules = [(rule, declared) for rule, declared in admin_rules()
                 if any(a in rule.arguments for a in ("ident", "photo_id", "rev_id"))]
        for rule, declared in rules:
            for method in methods(rule):
                action = action_of(declared, method)
                kinds = ([declared.kind] if declared.kind else
                         list(ACTIONS[action]) if "kind_name" in rule.arguments else [None])
                for kind in kinds:
                    for trashed in (False, True):
                        path = make_target(other.id, other.code, rule, declared, method,
                                           kind=kind, owner_id=None, published=True)
                        if trashed and kind is not None:
                            with tenant_context(other.id):
                                model = KINDS[kind].model
                                if not hasattr(model, "deleted_at"):
                                    continue
                                db.session.execute(update(model).values(deleted_at=utcnow())
                                                   .execution_options(include_trashed=True))
                                db.session.commit()
                        role = next(r for r in clients if allowed(r, action, kind))
                        r = getattr(clients[role], method.lower())(path)
                        assert r.status_code == 404, (method, path, r.status_code)
                        checked += 1
                walked.add(rule.endpoint)
        assert walked == {rule.endpoint for rule, _ in rules} and len(walked) >= 12
    assert checked > 100
    with app.app_context():
        assert db.session.get(Tenant, village(OTHER).id).status == "active"
        with tenant_context(village(OTHER).id):
            assert db.session.query(Post).execution_options(include_trashed=True).count() > 0


def test_pages_render_for_every_kind_and_album(app, logged_in):
    import io

    from cms_testing import image_bytes

    vc = logged_in("admin")
    created = {
        "page": _new(vc, "page", title="P"), "post": _new(vc, "post", title="P"),
        "announcement": _new(vc, "announcement", title="A"),
        "event": _new(vc, "event", title="E", starts_on="2030-01-01"),
        "official": _new(vc, "official", name="O", position="X"),
        "document": _new(vc, "document", title="D"), "album": _new(vc, "album", title="Al"),
        "category": _new(vc, "category", name="C"),
        "budget": _new(vc, "budget", year="2026", section="belanja", name="B"),
        "stat": _new(vc, "stat", year="2026", category="umur", label="L"),
    }
    for kind, ident in created.items():
        assert vc.get(f"/admin/c/{kind}/{ident}").status_code == 200, kind
    aid = created["album"]
    r = vc.post(f"/admin/albums/{aid}/photos", data={"file": (io.BytesIO(image_bytes()), "a.png"),
                                                     "caption": "Lomba"},
                content_type="multipart/form-data")
    assert r.status_code == 302
    assert "Lomba" in vc.get(f"/admin/albums/{aid}/photos").get_data(as_text=True)
    r = vc.post(f"/admin/albums/{aid}/photos", data={"file": (io.BytesIO(b"%PDF-1.4 x %%EOF"), "a.png")},
                content_type="multipart/form-data")
    assert r.status_code == 400
    assert vc.get("/admin/").status_code == 200
    assert vc.get("/admin/account/password").status_code == 200


def test_purge_trash(app, logged_in, runner):
    from datetime import timedelta

    from sqlalchemy import update

    from app.models.base import utcnow
    from tenants.scoping import system_scope

    vc = logged_in("admin")
    old = _new(vc, "post", title="Lama")
    new = _new(vc, "post", title="Baru")
    vc.post(f"/admin/c/post/{old}/delete")
    vc.post(f"/admin/c/post/{new}/delete")
    with app.app_context(), system_scope():
        db.session.execute(update(Post).where(Post.id == old)
                           .values(deleted_at=utcnow() - timedelta(days=31))
                           .execution_options(include_trashed=True))
        db.session.commit()
    result = runner.invoke(args=["content", "purge-trash"])
    assert "1 item" in result.output, result.output
    assert vc.post(f"/admin/trash/post/{new}/restore").status_code == 302
    assert vc.post(f"/admin/trash/post/{old}/restore").status_code == 404


def test_own_password_change_and_shared_user_reset_refused(app, logged_in, make_user):
    from cms_testing import PASSWORD, login
    from desa_testing import VillageClient
    from tenants.scoping import tenant_context

    vc = logged_in("admin")
    r = vc.post("/admin/account/password", data={"current": PASSWORD, "password": "Baru-Lagi-2026",
                                                 "password2": "Baru-Lagi-2026"})
    assert r.status_code == 302
    assert vc.get("/admin/").status_code == 200  # this session survives
    assert login(VillageClient(app.test_client(), "jlodro"), "admin@jlodro.desa",
                 "Baru-Lagi-2026").status_code == 302
    # a user who is also a member of another village cannot be reset by this village
    uid = make_user("shared@x.id", "kontributor")
    with app.app_context():
        from app.models import Membership

        with tenant_context(village(OTHER).id):
            db.session.add(Membership(user_id=uid, role="admin"))
            db.session.commit()
        with tenant_context(village("jlodro").id):
            mid = db.session.scalar(select(Membership.id).where(Membership.user_id == uid))
    assert vc.post(f"/admin/users/{mid}/reset").status_code == 403


def test_menu_editor_adds_safe_links_to_the_public_menu(logged_in):
    vc = logged_in("admin")
    assert vc.post("/admin/c/menu/new", data={"label": "BUMDes", "url": "/halaman/bumdes",
                                              "position": "1"}).status_code == 302
    assert vc.post("/admin/c/menu/new", data={"label": "Kabupaten",
                                              "url": "https://tubankab.go.id/"}).status_code == 302
    for bad in ("javascript:alert(1)", "//evil.example/", "data:text/html,x", "evil"):
        response = vc.post("/admin/c/menu/new", data={"label": "x", "url": bad})
        assert response.status_code == 400, bad
    home = vc.get("/").get_data(as_text=True)
    assert '<a href="/halaman/bumdes">BUMDes</a>' in home
    assert '<a href="https://tubankab.go.id/">Kabupaten</a>' in home
    assert "javascript:" not in home


def test_settings_coordinates_images_and_social_links(app, logged_in):
    import io as _io

    from app.models import SiteSettings
    from cms_testing import image_bytes

    vc = logged_in("admin")
    upload = vc.post("/admin/media/upload", data={"file": (_io.BytesIO(image_bytes()), "logo.png")},
                     content_type="multipart/form-data", headers={"Host": vc.host,
                                                                  "Accept": "application/json"})
    logo = upload.json["id"]
    base = {"theme": "default", "tagline": "x"}
    ok = vc.post("/admin/settings", data={**base, "latitude": "-6,8971", "longitude": "112.05",
                                          "logo_id": str(logo), "header_id": str(logo),
                                          "social_facebook": "https://facebook.com/desajlodro"})
    assert ok.status_code == 302, ok.get_data(as_text=True)[:400]
    with app.app_context(), tenant_context(village("jlodro").id):
        row = db.session.scalar(select(SiteSettings))
        assert float(row.latitude) == -6.8971 and row.logo_id == logo and row.header_id == logo
        assert row.social == {"facebook": "https://facebook.com/desajlodro"}
        version = row.version_id
    page = vc.get("/admin/settings").get_data(as_text=True)
    assert "pratinjau_tema=modern" in page
    for bad in ({"latitude": "91"}, {"longitude": "abc"}, {"logo_id": "999999"},
                {"social_instagram": "javascript:alert(1)"}):
        response = vc.post("/admin/settings", data={**base, "version_id": str(version), **bad})
        assert response.status_code == 400, bad
    assert "-6.8971" in vc.get("/kontak").get_data(as_text=True)


def test_deleting_a_photo_file_removes_it_from_its_album(app, logged_in):
    """ON DELETE CASCADE holds on SQLite too (foreign keys are switched on)."""
    import io as _io

    from app.models import Album, MediaFile, Photo
    from cms_testing import image_bytes

    vc = logged_in("admin")
    aid = _new(vc, "album", title="Lomba 17an", status="published")
    vc.post(f"/admin/albums/{aid}/photos", data={"file": (_io.BytesIO(image_bytes()), "a.png"),
                                                 "caption": "Balap karung"},
            content_type="multipart/form-data")
    with app.app_context(), tenant_context(village("jlodro").id):
        media_id = db.session.scalar(select(Photo.media_id))
        slug = db.session.scalar(select(Album.slug))
    assert "Balap karung" in vc.get(f"/galeri/{slug}").get_data(as_text=True)
    assert vc.post(f"/admin/media/{media_id}/delete").status_code == 302
    with app.app_context(), tenant_context(village("jlodro").id):
        assert db.session.get(MediaFile, media_id) is None
        assert db.session.scalars(select(Photo)).all() == []
    page = vc.get(f"/galeri/{slug}")
    assert page.status_code == 200
    assert "Balap karung" not in page.get_data(as_text=True)
