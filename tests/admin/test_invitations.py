"""Adding people to a village: invitations by a single-use link, accepted by the owner.

Issue 15, H1: adding an existing account used to link it with a password of the
adder's choosing ignored, so whoever created it elsewhere logged into this village.
"""
from __future__ import annotations

import hashlib
import re
import socket
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select, update

from app.extensions import db
from app.models import Invitation, Membership, User
from app.models.base import utcnow
from cms_testing import OTHER, PASSWORD, login, totp_now
from desa_testing import VillageClient, village
from tenants.scoping import system_scope, tenant_context

LINK_RE = re.compile(r"http://jlodro\.tubankab\.go\.id/admin/undangan/[A-Za-z0-9_-]+")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _members(app, slug="jlodro"):
    with app.app_context(), tenant_context(village(slug).id):
        return {m.user.email: m.role for m in db.session.scalars(select(Membership))}


def _invite(vc, email, role="admin", **extra):
    return vc.post("/admin/users", data={"email": email, "role": role, **extra})


def _link_path(link: str) -> str:
    return link.split("tubankab.go.id", 1)[1]


def test_adding_an_existing_account_does_not_hand_it_over(app, logged_in, make_user):
    """The takeover of the attack round: B's admin knows the password, A adds the e-mail."""
    make_user("someone@x.id", "admin", slug=OTHER)  # created by village B's admin: PASSWORD
    admin_a = logged_in("admin")
    r = _invite(admin_a, "someone@x.id", password="Punya-Saya-Sendiri-1")
    assert "Undangan dikirim." in r.get_data(as_text=True)
    assert "someone@x.id" not in _members(app)
    # B's admin, who knows the account's password, gets nothing in A
    assert login(VillageClient(app.test_client(), "jlodro"), "someone@x.id").status_code == 401


def test_the_answer_says_nothing_about_the_account_elsewhere(app, logged_in, make_user):
    make_user("root@kab.id", superadmin=True)
    make_user("elsewhere@x.id", "redaksi", slug=OTHER)
    admin = logged_in("admin")
    for email in ("root@kab.id", "elsewhere@x.id", "nobody@x.id"):
        r = _invite(admin, email, role="kontributor")
        page = r.get_data(as_text=True)
        assert r.status_code == 200 and "Undangan dikirim." in page, email
        assert "superadmin" not in page.lower() and "desa lain" not in page
        assert LINK_RE.search(page)  # no mail server here: the link, whoever it is for
    with app.app_context(), system_scope():
        assert db.session.scalar(select(User).where(User.email == "nobody@x.id")) is None


def test_new_account_by_mailed_link(app, make_user, inbox):
    """The adder never sets the password: the invitee does, through the mailed link."""
    make_user("admin@jlodro.desa", "admin")
    admin = VillageClient(app.test_client(), "jlodro")
    admin.host = "jlodro.localhost"  # a request Host must never reach the mail
    assert login(admin, "admin@jlodro.desa").status_code == 302
    r = _invite(admin, "Baru@X.id", role="redaksi")
    assert r.status_code == 302
    assert "Undangan dikirim." in admin.get("/admin/users").get_data(as_text=True)
    (mail,) = inbox
    assert mail["To"] == "baru@x.id" and mail["From"] == "desa@tubankab.go.id"
    link = LINK_RE.search(mail.get_payload(decode=True).decode()).group(0)
    assert "/admin/undangan/" not in admin.get("/admin/users").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "baru@x.id")) is None
        token = link.rsplit("/", 1)[1]
        with tenant_context(village("jlodro").id):
            stored = db.session.scalar(select(Invitation))
        assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()

    path = _link_path(link)
    # bound to its village: another village's host does not know it
    assert VillageClient(app.test_client(), OTHER).get(path).status_code == 404
    invitee = VillageClient(app.test_client(), "jlodro")
    page = invitee.get(path).get_data(as_text=True)
    assert "baru@x.id" in page and 'name="password2"' in page
    assert invitee.post(path, data={"password": "short", "password2": "short"}).status_code == 400
    r = invitee.post(path, data={"name": "Bu Baru", "password": "Sandi-Pilihan-Saya-1",
                                 "password2": "Sandi-Pilihan-Saya-1"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/admin/")
    assert invitee.get("/admin/").status_code == 200
    assert _members(app)["baru@x.id"] == "redaksi"
    # single use
    assert VillageClient(app.test_client(), "jlodro").get(path).status_code == 404
    assert login(VillageClient(app.test_client(), "jlodro"), "baru@x.id",
                 "Sandi-Pilihan-Saya-1").status_code == 302


def test_existing_account_accepts_with_its_own_password_and_totp(app, logged_in, make_user,
                                                                 inbox):
    secret = pyotp.random_base32()
    make_user("dua@x.id", "admin", slug=OTHER, totp=secret)
    admin = logged_in("admin")
    _invite(admin, "dua@x.id", role="kontributor")
    path = _link_path(LINK_RE.search(inbox[0].get_payload(decode=True).decode()).group(0))
    vc = VillageClient(app.test_client(), "jlodro")
    page = vc.get(path).get_data(as_text=True)
    assert 'name="password2"' not in page  # no new password for an existing account
    assert vc.post(path, data={"password": "Salah-Sandi-2026", "code": totp_now(secret)}
                   ).status_code == 400
    assert vc.post(path, data={"password": PASSWORD}).status_code == 400  # TOTP missing
    assert "dua@x.id" not in _members(app)
    r = vc.post(path, data={"password": PASSWORD, "code": totp_now(secret)})
    assert r.status_code == 302
    assert _members(app)["dua@x.id"] == "kontributor"
    assert _members(app, OTHER)["dua@x.id"] == "admin"


def test_without_smtp_the_link_is_shown_once(app, logged_in):
    admin = logged_in("admin")
    r = _invite(admin, "tiga@x.id")
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert "Undangan dikirim." in page and LINK_RE.search(page)
    again = admin.get("/admin/users").get_data(as_text=True)
    assert not LINK_RE.search(again) and "tiga@x.id" in again  # listed, link not shown


def test_invitations_expire_are_replaced_and_revoked(app, logged_in):
    admin = logged_in("admin")
    first = LINK_RE.search(_invite(admin, "empat@x.id").get_data(as_text=True)).group(0)
    second = LINK_RE.search(_invite(admin, "empat@x.id").get_data(as_text=True)).group(0)
    vc = VillageClient(app.test_client(), "jlodro")
    assert vc.get(_link_path(first)).status_code == 404  # replaced by the second
    assert vc.get(_link_path(second)).status_code == 200
    with app.app_context(), tenant_context(village("jlodro").id):
        db.session.execute(update(Invitation).values(expires_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()
    assert vc.get(_link_path(second)).status_code == 404
    assert "kedaluwarsa" in admin.get("/admin/users").get_data(as_text=True)

    third = LINK_RE.search(_invite(admin, "lima@x.id").get_data(as_text=True)).group(0)
    ids = re.findall(r"/admin/users/invitations/(\d+)/revoke",
                     admin.get("/admin/users").get_data(as_text=True))
    # another village's admin cannot revoke it
    other_admin = logged_in("admin", slug=OTHER)
    for ident in ids:
        assert other_admin.post(f"/admin/users/invitations/{ident}/revoke").status_code == 404
    for ident in ids:
        assert admin.post(f"/admin/users/invitations/{ident}/revoke").status_code == 302
    assert vc.get(_link_path(third)).status_code == 404


def test_bad_input_and_members(app, logged_in, make_user):
    admin = logged_in("admin")
    for email, role in (("not-an-email", "admin"), ("a@x.id", "superadmin"),
                        ("a@x.id\r\nBcc: b@x.id", "admin"), ("x" * 250 + "@x.id", "admin")):
        r = _invite(admin, email, role=role)
        assert r.status_code == 400 and "tidak valid" in r.get_data(as_text=True)
    make_user("ada@x.id", "redaksi")
    r = _invite(admin, "ada@x.id")
    assert r.status_code == 400 and "sudah menjadi anggota" in r.get_data(as_text=True)
    assert _invite(logged_in("kontributor"), "c@x.id").status_code == 403


def test_mail_server_down_stores_nothing(app, logged_in, monkeypatch):
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", _free_port())  # nobody listens
    monkeypatch.setitem(app.config, "SMTP_SECURITY", "none")
    admin = logged_in("admin")
    r = _invite(admin, "enam@x.id")
    assert r.status_code == 400 and "gagal dikirim" in r.get_data(as_text=True)
    with app.app_context(), tenant_context(village("jlodro").id):
        assert db.session.scalar(select(Invitation)) is None
