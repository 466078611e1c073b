"""Login throttling (issue 15, L2), TOTP codes used once (L3), the demo operator in
production (issue 15, "Also")."""
from __future__ import annotations

import logging
import socket
import uuid

import pyotp
import pytest
from sqlalchemy import select

from app.auth.ratelimit import LoginThrottle, address_key
from app.extensions import db
from app.models import User
from cms_testing import PASSWORD, login, totp_now
from desa_testing import VillageClient

WRONG = "Bukan-Sandinya-99"


def _from(app, address: str) -> VillageClient:
    """A browser on jlodro whose requests come from ``address``."""
    vc = VillageClient(app.test_client(), "jlodro")
    vc.client.environ_base["REMOTE_ADDR"] = address
    return vc


def test_the_owner_is_not_locked_out_by_a_guesser_elsewhere(app, make_user):
    make_user("bu.kades@x.id", "admin")
    attacker = _from(app, "203.0.113.7")
    for _ in range(5):
        assert login(attacker, "bu.kades@x.id", WRONG).status_code == 401
    refused = login(attacker, "bu.kades@x.id", WRONG)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "coba lagi dalam" in refused.get_data(as_text=True)
    assert login(attacker, "bu.kades@x.id").status_code == 429  # that address waits
    owner = _from(app, "198.51.100.20")
    assert login(owner, "bu.kades@x.id").status_code == 302


def test_one_office_address_is_not_locked_out_by_many_typos(app, make_user):
    """Staff behind one NAT address: tens of failures do not lock everyone out."""
    office = "192.0.2.10"
    for n in range(25):
        assert login(_from(app, office), f"staf{n}@x.id", WRONG).status_code == 401
    make_user("sekdes@x.id", "admin")
    assert login(_from(app, office), "sekdes@x.id").status_code == 302


def test_ipv6_counts_per_64(app, make_user):
    assert address_key("2001:db8:1:2:aaaa::1") == address_key("2001:db8:1:2:bbbb::9")
    assert address_key("2001:db8:1:3::1") != address_key("2001:db8:1:2::1")
    assert address_key("::ffff:192.0.2.1") == "192.0.2.1"
    make_user("v6@x.id", "admin")
    for n in range(5):
        login(_from(app, f"2001:db8:1:2::{n + 1}"), "v6@x.id", WRONG)
    assert login(_from(app, "2001:db8:1:2::99"), "v6@x.id").status_code == 429


def test_a_wrong_totp_code_counts_as_a_failure(app, make_user):
    secret = pyotp.random_base32()
    make_user("totp@x.id", "admin", totp=secret)
    vc = _from(app, "203.0.113.9")
    wrong = "000000" if totp_now(secret) != "000000" else "111111"
    for _ in range(5):
        assert login(vc, "totp@x.id").status_code == 302
        assert vc.post("/admin/login/totp", data={"code": wrong}).status_code == 200
    assert login(vc, "totp@x.id").status_code == 429


def test_a_totp_code_works_once(app, make_user):
    secret = pyotp.random_base32()
    make_user("sekali@x.id", "admin", totp=secret)
    code = totp_now(secret)
    first = VillageClient(app.test_client(), "jlodro")
    login(first, "sekali@x.id")
    assert first.post("/admin/login/totp", data={"code": code}).status_code == 302
    replay = VillageClient(app.test_client(), "jlodro")
    login(replay, "sekali@x.id")
    r = replay.post("/admin/login/totp", data={"code": code})
    assert r.status_code == 200 and "Kode tidak valid" in r.get_data(as_text=True)
    assert replay.get("/admin/").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(User.totp_last_step).where(
            User.email == "sekali@x.id")) is not None


def test_counters_are_shared_through_redis():
    """Two workers (two throttles) with REDIS_URL see the same failures."""
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    url = "redis://127.0.0.1:6379/9"
    account = f"{uuid.uuid4().hex}@x.id"
    one, two = LoginThrottle(url), LoginThrottle(url)
    for _ in range(5):
        assert one.retry_after(account, "203.0.113.1") == 0
        two.record_failure(account, "203.0.113.1")
    assert one.retry_after(account, "203.0.113.1") > 0
    assert two.retry_after(account, "203.0.113.2") == 0
    one.record_success(account, "203.0.113.1")
    assert two.retry_after(account, "203.0.113.1") == 0


def test_demo_operator_refused_in_production(app, runner, monkeypatch, caplog):
    from app.demo import DEMO_OPERATOR_EMAIL, DEMO_OPERATOR_PASSWORD

    # The session's migrations ran Alembic's fileConfig, which disables existing loggers.
    monkeypatch.setattr(logging.getLogger("app.auth.core"), "disabled", False)
    assert runner.invoke(args=["users", "demo-login"]).exit_code == 0  # made in development
    vc = VillageClient(app.test_client(), "jlodro")
    assert login(vc, DEMO_OPERATOR_EMAIL, DEMO_OPERATOR_PASSWORD).status_code == 302
    monkeypatch.setitem(app.config, "DESA_ENV", "production")
    assert vc.get("/admin/").status_code == 302  # the open session ends too
    fresh = VillageClient(app.test_client(), "jlodro")
    r = login(fresh, DEMO_OPERATOR_EMAIL, DEMO_OPERATOR_PASSWORD)
    assert r.status_code == 401
    assert "demo operator" in caplog.text and "refused in production" in caplog.text
    r = runner.invoke(args=["users", "demo-login"])
    assert r.exit_code != 0 and "produksi" in r.output
    assert PASSWORD not in r.output
