"""The compliance dashboard on the base domain: superadmins only, latest run, filters,
history, CSV export, flap suppression shown."""
from __future__ import annotations

import pyotp
from sqlalchemy import select

from app.compliance.models import ComplianceResult, ComplianceRun
from app.extensions import db
from cms_testing import login, totp_now
from desa_testing import VillageClient, village


def _portal(app):
    portal = VillageClient(app.test_client(), "x")
    portal.host = "tubankab.go.id"
    return portal


def _superadmin(app, make_user):
    secret = pyotp.random_base32()
    make_user("root@kab.id", superadmin=True, totp=secret)
    portal = _portal(app)
    assert login(portal, "root@kab.id").headers["Location"].endswith("/admin/login/totp")
    assert portal.post("/admin/login/totp", data={"code": totp_now(secret)}).status_code == 302
    return portal


def _store_run(app):
    with app.app_context():
        run = ComplianceRun(state="finished", total=3, ok=1,
                            by_verdict={"ok": 1, "missing": 1, "timeout": 1})
        db.session.add(run)
        db.session.flush()
        jlodro = village("jlodro")
        db.session.add_all([
            ComplianceResult(run_id=run.id, tenant_id=jlodro.id, name="jlodro.tubankab.go.id",
                             kecamatan="Kenduruan", verdict="ok", confirmed=False, data={}),
            ComplianceResult(run_id=run.id, name="sokogunung.tubankab.go.id",
                             kecamatan="Kenduruan", verdict="missing", confirmed=True,
                             detail="NXDOMAIN", data={"addresses": []}),
            ComplianceResult(run_id=run.id, name="bancar.tubankab.go.id", kecamatan="Bancar",
                             verdict="timeout", confirmed=False, data={}),
        ])
        db.session.commit()


def test_dashboard_needs_a_superadmin(app, logged_in):
    assert _portal(app).get("/admin/kepatuhan/").status_code in (302, 401, 403, 404)
    village_admin = logged_in("admin")
    # on a village host the console does not exist at all
    assert village_admin.get("/admin/kepatuhan/").status_code == 404


def test_dashboard_shows_latest_run_filters_history_and_csv(app, make_user):
    _store_run(app)
    portal = _superadmin(app, make_user)
    page = portal.get("/admin/kepatuhan/").get_data(as_text=True)
    assert "33.3%" in page
    assert "Kenduruan" in page and "Bancar" in page
    assert "(belum terkonfirmasi)" in page  # the timeout is not flagged yet
    only_missing = portal.get("/admin/kepatuhan/?verdict=missing").get_data(as_text=True)
    assert "sokogunung.tubankab.go.id" in only_missing and "bancar.tubankab" not in only_missing
    assert portal.get("/admin/kepatuhan/?verdict=nonsense").status_code == 400
    history = portal.get("/admin/kepatuhan/nama/sokogunung.tubankab.go.id")
    assert history.status_code == 200 and "NXDOMAIN" in history.get_data(as_text=True)
    assert portal.get("/admin/kepatuhan/nama/tidak.ada").status_code == 404
    csv = portal.get("/admin/kepatuhan/ekspor.csv")
    assert csv.mimetype == "text/csv"
    lines = csv.get_data(as_text=True).strip().splitlines()
    assert lines[0].startswith("name,kecamatan,verdict") and len(lines) == 4


def test_start_run_refused_while_one_is_running(app, make_user):
    with app.app_context():
        db.session.add(ComplianceRun(state="running"))
        db.session.commit()
    portal = _superadmin(app, make_user)
    response = portal.post("/admin/kepatuhan/jalankan", follow_redirects=True)
    assert "masih berjalan" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(db.func.count(ComplianceRun.id))) == 1


def test_start_run_launches_the_check_in_its_own_process(app, make_user, monkeypatch):
    """The button starts ``flask dns check`` detached from the web worker; the checks come
    from the platform's configuration (DNS_DASHBOARD_CHECKS), not from a command string."""
    import subprocess

    from app.models.history import AuditLog

    launched = []
    monkeypatch.setattr(subprocess, "Popen", lambda args, **kw: launched.append((args, kw)))
    monkeypatch.setitem(app.config, "DNS_DASHBOARD_CHECKS", "dns,http")
    portal = _superadmin(app, make_user)
    response = portal.post("/admin/kepatuhan/jalankan", follow_redirects=True)
    assert "dimulai di latar belakang" in response.get_data(as_text=True)
    (args, kw), = launched
    assert args[1:] == ["-m", "flask", "dns", "check", "--no-progress"]
    assert kw["start_new_session"] and kw["env"]["FLASK_APP"] == "wsgi"
    with app.app_context():
        entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "compliance_run_started"))
        assert entry is not None and entry.target == "dns,http"
