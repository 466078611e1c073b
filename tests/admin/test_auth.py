"""Login, roles, rate limiting, CSRF, TOTP, session binding, password reset, CLI."""
from __future__ import annotations

import re

import pyotp
from sqlalchemy import select

from app.auth.passwords import password_problem
from app.extensions import db
from app.models import AuditLog, User
from cms_testing import OTHER, PASSWORD, login, totp_now
from desa_testing import VillageClient, village


def test_password_policy():
    assert password_problem("short1") is not None
    assert password_problem("abcdefghijkl") is not None  # one class
    assert password_problem("Password123") is not None  # common
    assert password_problem("Kopi-Tuban-2026") is None


def test_login_logout_and_dashboard(app, make_user):
    make_user("a@x.id", "admin")
    vc = VillageClient(app.test_client(), "jlodro")
    assert vc.get("/admin/").status_code == 302
    r = login(vc, "a@x.id")
    assert r.status_code == 302 and r.headers["Location"].endswith("/admin/")
    assert vc.get("/admin/").status_code == 200
    assert vc.post("/admin/logout").status_code == 302
    assert vc.get("/admin/").status_code == 302
    with app.app_context():
        actions = db.session.scalars(select(AuditLog.action)).all()
    assert "login" in actions and "logout" in actions


def test_wrong_password_and_non_member(app, make_user):
    make_user("a@x.id", "admin", slug=OTHER)
    vc = VillageClient(app.test_client(), "jlodro")
    assert login(vc, "a@x.id", "wrong-Password-1").status_code == 401
    # member of another village only: same refusal on jlodro
    r = login(vc, "a@x.id")
    assert r.status_code == 401
    assert "Email atau kata sandi salah" in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(AuditLog).where(AuditLog.action == "login_failed"))


def test_rate_limit_per_account(app, make_user):
    make_user("a@x.id", "admin")
    vc = VillageClient(app.test_client(), "jlodro")
    for _ in range(5):
        assert login(vc, "a@x.id", "nope-Nope-123").status_code == 401
    r = login(vc, "a@x.id")  # even the right password is refused now
    assert r.status_code == 429
    assert "Terlalu banyak percobaan" in r.get_data(as_text=True)


def test_rate_limit_per_ip(app, make_user, monkeypatch):
    # A ceiling per address remains, generous by default (see test_login_limits.py).
    monkeypatch.setitem(app.config, "LOGIN_LIMITS_ADDRESS", "8 per hour")
    vc = VillageClient(app.test_client(), "jlodro")
    for n in range(8):
        login(vc, f"u{n}@x.id", "nope-Nope-123")
    make_user("fresh@x.id", "admin")
    assert login(vc, "fresh@x.id").status_code == 429


def test_csrf_enforced(app, make_user, monkeypatch):
    make_user("a@x.id", "admin")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    vc = VillageClient(app.test_client(), "jlodro")
    assert login(vc, "a@x.id").status_code == 400  # no token
    page = vc.get("/admin/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = vc.post("/admin/login", data={"email": "a@x.id", "password": PASSWORD,
                                      "csrf_token": token})
    assert r.status_code == 302
    assert vc.post("/admin/c/page/new", data={"title": "X"}).status_code == 400


def test_next_redirect_only_relative(app, make_user):
    make_user("a@x.id", "admin")
    for bad in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        vc = VillageClient(app.test_client(), "jlodro")
        r = vc.post(f"/admin/login?next={bad}", data={"email": "a@x.id", "password": PASSWORD})
        assert r.headers["Location"].endswith("/admin/"), bad
    vc = VillageClient(app.test_client(), "jlodro")
    r = vc.post("/admin/login?next=/admin/media", data={"email": "a@x.id", "password": PASSWORD})
    assert r.headers["Location"].endswith("/admin/media")


def test_session_replay_on_other_village_rejected(app, logged_in):
    vc = logged_in("admin")
    cookie = vc.client.get_cookie("session", domain="jlodro.tubankab.go.id")
    assert cookie is not None
    other = VillageClient(app.test_client(), OTHER)
    other.client.set_cookie("session", cookie.value, domain=other.host)
    r = other.get("/admin/")
    assert r.status_code == 302 and "/admin/login" in r.headers["Location"]
    # and the portal does not accept a village session either
    portal = app.test_client()
    portal.set_cookie("session", cookie.value, domain="tubankab.go.id")
    assert portal.get("/admin/", headers={"Host": "tubankab.go.id"}).status_code == 302


def test_roles(app, logged_in):
    kontributor = logged_in("kontributor")
    r = kontributor.post("/admin/c/post/new", data={"title": "Berita", "status": "published",
                                                     "body_md": "x"})
    assert r.status_code == 400 and "Kontributor" in r.get_data(as_text=True)
    r = kontributor.post("/admin/c/post/new", data={"title": "Berita", "status": "draft"})
    assert r.status_code == 302
    assert kontributor.get("/admin/settings").status_code == 403
    assert kontributor.get("/admin/users").status_code == 403
    assert kontributor.get("/admin/audit").status_code == 403

    redaksi = logged_in("redaksi")
    r = redaksi.post("/admin/c/post/new", data={"title": "Terbit", "status": "published"})
    assert r.status_code == 302
    assert redaksi.get("/admin/settings").status_code == 403

    admin = logged_in("admin")
    assert admin.get("/admin/settings").status_code == 200
    assert admin.get("/admin/users").status_code == 200
    with app.app_context():
        assert db.session.scalar(select(AuditLog).where(AuditLog.action == "publish"))


def test_superadmin_requires_totp_enrolment_then_console(app, make_user):
    make_user("root@kab.id", superadmin=True)
    portal = VillageClient(app.test_client(), "x")
    portal.host = "tubankab.go.id"
    r = login(portal, "root@kab.id")
    assert r.status_code == 302 and r.headers["Location"].endswith("/admin/totp/setup")
    assert portal.get("/admin/").status_code == 302  # not logged in yet
    page = portal.get("/admin/totp/setup").get_data(as_text=True)
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page).group(1)
    r = portal.post("/admin/totp/setup", data={"code": "000000"})
    assert "tidak valid" in r.get_data(as_text=True)
    r = portal.post("/admin/totp/setup", data={"code": totp_now(secret)})
    codes = re.findall(r"<li><code>([0-9a-f]{10})</code></li>", r.get_data(as_text=True))
    assert len(codes) == 10
    assert portal.get("/admin/").status_code == 200
    # village list, suspend and activate
    with app.app_context():
        tid = village(OTHER).id
    assert portal.post(f"/admin/villages/{tid}/status", data={"status": "suspended"}).status_code == 302
    assert app.test_client().get("/", headers={"Host": f"{OTHER}.tubankab.go.id"}).status_code == 503
    portal.post(f"/admin/villages/{tid}/status", data={"status": "active"})
    # create a village user from the console
    r = portal.post("/admin/users", data={"email": "op@soko.id", "password": PASSWORD,
                                           "role": "admin", "village": OTHER})
    assert r.status_code == 302
    assert login(VillageClient(app.test_client(), OTHER), "op@soko.id").status_code == 302
    assert portal.get("/admin/audit").status_code == 200

    # second login: TOTP asked, recovery code works once
    portal2 = VillageClient(app.test_client(), "x")
    portal2.host = "tubankab.go.id"
    r = login(portal2, "root@kab.id")
    assert r.headers["Location"].endswith("/admin/login/totp")
    assert portal2.post("/admin/login/totp", data={"code": codes[0]}).status_code == 302
    portal3 = VillageClient(app.test_client(), "x")
    portal3.host = "tubankab.go.id"
    login(portal3, "root@kab.id")
    assert portal3.post("/admin/login/totp", data={"code": codes[0]}).status_code == 200  # used


def test_village_user_with_totp(app, make_user):
    secret = pyotp.random_base32()
    make_user("t@x.id", "admin", totp=secret)
    vc = VillageClient(app.test_client(), "jlodro")
    assert login(vc, "t@x.id").headers["Location"].endswith("/admin/login/totp")
    assert vc.get("/admin/").status_code == 302
    assert vc.post("/admin/login/totp", data={"code": "123456" if totp_now(secret) != "123456"
                                              else "654321"}).status_code == 200
    # with only the password, enrolling a new TOTP secret is not possible
    assert vc.get("/admin/totp/setup").headers["Location"].endswith("/admin/login/totp")
    assert vc.post("/admin/totp/setup", data={"code": "123456"}).status_code == 302
    assert vc.post("/admin/login/totp", data={"code": totp_now(secret)}).status_code == 302
    assert vc.get("/admin/").status_code == 200


def test_non_superadmin_cannot_use_portal_console(app, make_user):
    make_user("a@x.id", "admin")
    portal = VillageClient(app.test_client(), "x")
    portal.host = "tubankab.go.id"
    assert login(portal, "a@x.id").status_code == 401


def test_password_reset_link_single_use(app, logged_in, make_user):
    admin = logged_in("admin")
    make_user("k@x.id", "kontributor")
    users = admin.get("/admin/users").get_data(as_text=True)
    mid = re.findall(r'/admin/users/(\d+)/reset', users)[-1]
    page = admin.post(f"/admin/users/{mid}/reset").get_data(as_text=True)
    link = re.search(r"<code>(http[^<]+)</code>", page).group(1)
    assert link.startswith("http://jlodro.tubankab.go.id/admin/reset/")
    path = link.split("tubankab.go.id", 1)[1]
    vc = VillageClient(app.test_client(), "jlodro")
    # another village cannot use it
    assert VillageClient(app.test_client(), OTHER).get(path).status_code == 404
    assert vc.post(path, data={"password": "short", "password2": "short"}).status_code == 400
    r = vc.post(path, data={"password": "Baru-Sekali-2026", "password2": "Baru-Sekali-2026"})
    assert r.status_code == 302
    assert vc.get(path).status_code == 404  # used up
    assert login(vc, "k@x.id", "Baru-Sekali-2026").status_code == 302


def test_cli_create_and_demo_login(app, runner):
    r = runner.invoke(args=["users", "create", "--role", "superadmin", "boss@kab.id",
                            "--password-stdin"], input="Kuat-Sekali-2026\n")
    assert r.exit_code == 0, r.output
    assert "Kuat-Sekali-2026" not in r.output
    r = runner.invoke(args=["users", "create", "--role", "admin", "--village", "jlodro",
                            "op@jl.id", "--password-stdin"], input="weak\n")
    assert r.exit_code != 0
    r = runner.invoke(args=["users", "create", "--role", "admin", "--village", "jlodro",
                            "op@jl.id", "--password-stdin"], input="Kuat-Sekali-2026\n")
    assert r.exit_code == 0, r.output
    r = runner.invoke(args=["users", "demo-login"])
    assert r.exit_code == 0, r.output
    assert "http://jlodro.localhost:8000/admin/login" in r.output
    assert "operator@jlodro.desa" in r.output
    from app.demo import DEMO_OPERATOR_PASSWORD as DEMO_PASSWORD

    vc = VillageClient(app.test_client(), "jlodro")
    assert login(vc, "operator@jlodro.desa", DEMO_PASSWORD).status_code == 302
    assert login(VillageClient(app.test_client(), "jlodro"), "op@jl.id",
                 "Kuat-Sekali-2026").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "boss@kab.id")).is_superadmin


def test_theme_preview_sees_logged_in_operator(app, logged_in):
    vc = logged_in("redaksi")
    html = vc.get("/?pratinjau_tema=kontras").get_data(as_text=True)
    assert 'class="theme-kontras"' in html
    anon = VillageClient(app.test_client(), "jlodro")
    assert 'class="theme-default"' in anon.get("/?pratinjau_tema=kontras").get_data(as_text=True)
