"""The superadmin's compliance export neutralises text a spreadsheet would run."""
from __future__ import annotations

import csv
import io

import pyotp

from app.compliance.models import ComplianceResult, ComplianceRun
from app.extensions import db
from cms_testing import login, totp_now
from desa_testing import VillageClient, village


def test_the_compliance_export_csv(app, make_user):
    with app.app_context():
        run = ComplianceRun(state="finished", total=1, ok=0, by_verdict={"wrong_target": 1})
        db.session.add(run)
        db.session.flush()
        db.session.add(ComplianceResult(
            run_id=run.id, tenant_id=village("jlodro").id, name="jlodro.tubankab.go.id",
            kecamatan="Kenduruan", verdict="wrong_target", confirmed=True,
            detail='=HYPERLINK("http://evil.example","x")', data={"addresses": ["@1.2.3.4"]}))
        db.session.commit()
    secret = pyotp.random_base32()
    make_user("root@kab.id", superadmin=True, totp=secret)
    portal = VillageClient(app.test_client(), "x")
    portal.host = "tubankab.go.id"
    login(portal, "root@kab.id")
    portal.post("/admin/login/totp", data={"code": totp_now(secret)})
    response = portal.get("/admin/kepatuhan/ekspor.csv")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[1][4] == "'=HYPERLINK(\"http://evil.example\",\"x\")"
    assert rows[1][5] == "'@1.2.3.4"
