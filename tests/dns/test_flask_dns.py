"""``flask dns check``: the villages from the database checked against a real Knot
server, and the run stored in the history."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

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


def _config(knot, port_map, **extra):
    from dns_tools import CheckConfig

    return CheckConfig(domain="tubankab.go.id", expect_addresses=frozenset({PLATFORM_V4, PLATFORM_V6}),
                       nameservers=(knot.addr,), port_map=port_map, timeout=0.3, retries=1, **extra)


def test_check_villages_is_a_library_call_with_a_config_and_a_sink(app, knot, port_map):
    """The Flask side hands dns_tools a CheckConfig and result sinks: no CSV file, no argv."""
    from app.compliance.models import ComplianceResult
    from app.compliance.service import check_villages, expected_names
    from app.extensions import db

    class Sink:
        def __init__(self):
            self.results, self.summary = [], None

        def write(self, result):
            self.results.append(result)

        def close(self, summary):
            self.summary = summary

    with app.app_context():
        names = [n for n in expected_names() if n.slug in ("jlodro", "kebonsari")]
        sink = Sink()
        run, summary = check_villages(_config(knot, port_map), [sink], names=names)
        assert sink.summary is summary and summary.total == 2
        assert {r.slug: r.verdict for r in sink.results} == {"jlodro": "ok", "kebonsari": "missing"}
        assert run.state == "finished" and (run.total, run.ok, run.exit_code) == (2, 1, 1)
        stored = db.session.scalars(select(ComplianceResult.verdict)
                                    .where(ComplianceResult.run_id == run.id)).all()
        assert sorted(stored) == ["missing", "ok"]


def test_expected_names_are_every_primary_host_once(app, monkeypatch):
    from app.compliance import service

    monkeypatch.setattr(service, "BATCH", 7)  # many pages: the keyset paging neither skips nor repeats
    with app.app_context():
        names = [n.name for n in service.expected_names()]
        assert len(names) == len(set(names)) == service.count_expected_names() > 7
        assert "jlodro.tubankab.go.id" in names


def test_bad_configuration_opens_no_run(app):
    from dns_tools import CheckConfig, ConfigError

    from app.compliance.models import ComplianceRun
    from app.compliance.service import check_villages
    from app.extensions import db

    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(ComplianceRun))
        with pytest.raises(ConfigError):
            check_villages(CheckConfig(domain="tubankab.go.id"))  # no expected target
        assert db.session.scalar(select(func.count()).select_from(ComplianceRun)) == before


def test_a_run_that_breaks_is_stored_as_failed(app, knot, port_map):
    from dns_tools import AxfrSource, RegistryError

    from app.compliance.models import ComplianceRun
    from app.compliance.service import check_villages
    from app.extensions import db

    silent = AxfrSource("127.0.0.1:9", "tubankab.go.id", timeout=0.5)  # nothing listens there
    with app.app_context():
        with pytest.raises(RegistryError):
            check_villages(_config(knot, port_map, checks=frozenset({"registry", "dns"}), registry=silent))
        run = db.session.scalar(select(ComplianceRun).order_by(ComplianceRun.id.desc()))
        assert run.state == "failed" and run.exit_code == 2 and run.finished_at is not None


def test_command_line_options_go_over_the_platform_configuration():
    from dns_tools.cli import build_parser, config_from_args

    from app.compliance.service import base_config

    base = base_config({"BASE_DOMAIN": "tubankab.go.id"},
                       {"DNS_EXPECT_ADDRESSES": "203.0.113.10, 2001:db8::10", "DNS_NAMESERVERS": "192.0.2.53"})
    assert base.confirm_failures and base.domain == "tubankab.go.id"
    parse = build_parser(names_file=False).parse_args
    kept = config_from_args(parse(["check"]), base)
    assert kept.expect_addresses == {"203.0.113.10", "2001:db8::10"} and kept.nameservers == ("192.0.2.53",)
    over = config_from_args(parse(["check", "--expect-address", "198.51.100.1", "--timeout", "0.5",
                                   "--checks", "dns,http"]), base)
    assert over.expect_addresses == {"198.51.100.1"} and over.timeout == 0.5
    assert over.checks == {"dns", "http"} and over.nameservers == ("192.0.2.53",)
    assert base.timeout == 2.0  # the base configuration is not changed
