"""Sessions end on the server (issue 15, M5): a copied cookie dies with its session."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select, update

from app.extensions import db
from app.models import Membership, User, UserSession
from app.models.base import utcnow
from cms_testing import OTHER, PASSWORD, login
from desa_testing import VillageClient, village
from tenants.scoping import tenant_context


def _copy(vc, app):
    """Another browser holding a copy of ``vc``'s session cookie."""
    cookie = vc.client.get_cookie("session", domain=vc.host)
    assert cookie is not None
    thief = VillageClient(app.test_client(), vc.slug)
    thief.client.set_cookie("session", cookie.value, domain=vc.host)
    return thief


def _signed_in(vc) -> bool:
    r = vc.get("/admin/")
    assert r.status_code in (200, 302)
    return r.status_code == 200


def test_a_cookie_copied_before_logout_is_dead_after_it(app, logged_in):
    admin = logged_in("admin")
    thief = _copy(admin, app)
    assert thief.get("/admin/settings").status_code == 200
    assert admin.post("/admin/logout").status_code == 302
    r = thief.get("/admin/settings")
    assert r.status_code == 302 and "/admin/login" in r.headers["Location"]


def test_password_change_ends_the_other_sessions_not_this_one(app, logged_in):
    admin = logged_in("admin")
    other_device = VillageClient(app.test_client(), "jlodro")
    assert login(other_device, "admin@jlodro.desa").status_code == 302
    thief = _copy(admin, app)
    r = admin.post("/admin/account/password", data={
        "current": PASSWORD, "password": "Sandi-Baru-Sekali-9", "password2": "Sandi-Baru-Sekali-9"})
    assert r.status_code == 302
    assert _signed_in(admin)
    assert not _signed_in(other_device) and not _signed_in(thief)


def test_role_change_and_removal_end_the_members_sessions(app, logged_in):
    admin = logged_in("admin")
    kontributor = logged_in("kontributor")
    redaksi = logged_in("redaksi")
    with app.app_context(), tenant_context(village(OTHER).id):
        db.session.add(Membership(user_id=_user_id("kontributor@jlodro.desa"), role="admin"))
        db.session.commit()
    elsewhere = VillageClient(app.test_client(), OTHER)
    assert login(elsewhere, "kontributor@jlodro.desa").status_code == 302
    page = admin.get("/admin/users").get_data(as_text=True)
    ids = dict(re.findall(r"<td>([^<]+@jlodro\.desa)</td>\s*<td><form method=\"post\" "
                          r"action=\"/admin/users/(\d+)/role\"", page))
    assert admin.post(f"/admin/users/{ids['kontributor@jlodro.desa']}/role",
                      data={"role": "redaksi"}).status_code == 302
    assert not _signed_in(kontributor)  # must sign in again to get the new role
    assert _signed_in(elsewhere)  # the same account in another village is not touched
    assert admin.post(f"/admin/users/{ids['redaksi@jlodro.desa']}/remove").status_code == 302
    assert not _signed_in(redaksi)
    assert _signed_in(admin)


def test_log_out_everywhere(app, logged_in):
    admin = logged_in("admin")
    with app.app_context(), tenant_context(village(OTHER).id):
        db.session.add(Membership(user_id=_user_id("admin@jlodro.desa"), role="redaksi"))
        db.session.commit()
    other_village = VillageClient(app.test_client(), OTHER)
    assert login(other_village, "admin@jlodro.desa").status_code == 302
    laptop = VillageClient(app.test_client(), "jlodro")
    assert login(laptop, "admin@jlodro.desa").status_code == 302
    assert "Keluar dari semua perangkat" in admin.get("/admin/account/password").get_data(
        as_text=True)
    r = admin.post("/admin/logout/everywhere")
    assert r.status_code == 302 and "/admin/login" in r.headers["Location"]
    assert not any(_signed_in(vc) for vc in (admin, laptop, other_village))
    with app.app_context():
        assert db.session.scalar(select(UserSession)) is None


def _user_id(email: str) -> int:
    return db.session.scalar(select(User.id).where(User.email == email))


def test_idle_timeout_and_absolute_lifetime(app, logged_in, monkeypatch):
    monkeypatch.setitem(app.config, "SESSION_IDLE_MINUTES", 30)
    monkeypatch.setitem(app.config, "SESSION_LIFETIME_HOURS", 12)
    idle = logged_in("admin")
    with app.app_context():
        db.session.execute(update(UserSession).values(last_seen_at=utcnow() - timedelta(minutes=31)))
        db.session.commit()
    assert not _signed_in(idle)

    busy = logged_in("redaksi")
    with app.app_context():
        db.session.execute(update(UserSession).values(
            created_at=utcnow() - timedelta(hours=11, minutes=50), last_seen_at=utcnow()))
        db.session.commit()
    assert _signed_in(busy)
    with app.app_context():
        db.session.execute(update(UserSession).values(
            created_at=utcnow() - timedelta(hours=12, minutes=1), last_seen_at=utcnow()))
        db.session.commit()
    assert not _signed_in(busy)  # used a moment ago, but signed in too long ago


def test_public_pages_stay_cookie_free(app, logged_in):
    anonymous = VillageClient(app.test_client(), "jlodro")
    for path in ("/", "/berita"):
        r = anonymous.get(path)
        assert r.status_code == 200 and "Set-Cookie" not in r.headers, path
