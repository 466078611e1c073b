"""``flask dns check``: the villages from the database checked against a real Knot
server, and the run stored in the history."""
from __future__ import annotations

import json

from sqlalchemy import select

from dnstools_env import PLATFORM_V4, PLATFORM_V6


def _args(knot, port_map):
    args = ["--expect-address", PLATFORM_V4, "--expect-address", PLATFORM_V6,
            "--nameserver", knot.addr, "--timeout", "0.3", "--retries", "1", "--confirm"]
    for k, v in port_map.items():
        args += ["--port-map", f"{k}={v}"]
    return args


def test_flask_dns_check_stores_history(app, runner, knot, port_map, tmp_path):
    from app.compliance.models import ComplianceResult, ComplianceRun
    from app.extensions import db

    out = tmp_path / "report.json"
    result = runner.invoke(args=["dns", "check", *_args(knot, port_map), "--only", "jlodro",
                                 "kebonsari", "--format", "json", "--output", str(out)])
    # jlodro is right in the test zone; kebonsari is not there: not every name is ok
    assert result.exit_code == 1, result.output
    rows = {r["slug"]: r for r in json.loads(out.read_text())}
    assert rows["jlodro"]["verdict"] == "ok"
    assert rows["jlodro"]["kode"] == "35.23.01.2001"
    assert rows["kebonsari"]["verdict"] == "missing"
    with app.app_context():
        run = db.session.scalar(select(ComplianceRun).order_by(ComplianceRun.id.desc()))
        assert run.total == 2 and run.ok == 1 and run.exit_code == 1
        stored = {r.name: r for r in db.session.scalars(
            select(ComplianceResult).where(ComplianceResult.run_id == run.id))}
        assert stored["jlodro.tubankab.go.id"].verdict == "ok"
        assert stored["jlodro.tubankab.go.id"].tenant_id is not None
        missing = stored["kebonsari.tubankab.go.id"]
        assert missing.verdict == "missing" and missing.confirmed
    history = runner.invoke(args=["dns", "history", "kebonsari.tubankab.go.id"])
    assert "missing" in history.output


def test_flask_dns_check_bad_usage_exits_2(runner):
    result = runner.invoke(args=["dns", "check", "--nameserver", "not-an-ip", "--no-store"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
