"""Run ``dns_tools`` over the villages in the database and store the results."""
from __future__ import annotations

import csv
import os
import shlex
import tempfile
from datetime import datetime, timezone
from typing import Sequence

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from tenants.models import Domain, Tenant
from tenants.scoping import system_scope

from .models import ComplianceResult, ComplianceRun

OK_VERDICTS = {"ok"}
BATCH = 500


def write_expected_names(path: str) -> int:
    """The expected names: each village's primary hostname with its code."""
    with system_scope(), open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["name", "slug", "kode", "kecamatan"])
        count = 0
        for hostname, slug, code, kecamatan in db.session.execute(
            select(Domain.hostname, Tenant.slug, Tenant.code, Tenant.kecamatan_name)
            .join(Tenant, Tenant.id == Domain.tenant_id).where(Domain.is_primary)
            .order_by(Tenant.code)
        ):
            writer.writerow([hostname, slug, code, kecamatan])
            count += 1
    return count


def default_arguments(args: Sequence[str]) -> list[str]:
    """Options from configuration, unless given on the command line."""
    config = current_app.config
    extra = ["--domain", config["BASE_DOMAIN"]] if "--domain" not in args else []
    for env, flag in (("DNS_EXPECT_ADDRESSES", "--expect-address"),
                      ("DNS_NAMESERVERS", "--nameserver")):
        if flag not in args:
            for value in filter(None, (os.environ.get(env) or "").split(",")):
                extra += [flag, value.strip()]
    if "--expect-cname" not in args and os.environ.get("DNS_EXPECT_CNAME"):
        extra += ["--expect-cname", os.environ["DNS_EXPECT_CNAME"]]
    return extra


class Recorder:
    """Stores results as they stream in, in batches: memory stays flat in N."""

    def __init__(self, run: ComplianceRun) -> None:
        self.run = run
        with system_scope():
            self.tenants = dict(db.session.execute(select(Tenant.code, Tenant.id)).all())
        self.pending: list[dict] = []
        self.by_verdict: dict[str, int] = {}

    def __call__(self, result) -> None:
        self.by_verdict[result.verdict] = self.by_verdict.get(result.verdict, 0) + 1
        data = result.to_dict()
        checked = datetime.fromisoformat(data["checked_at"]) if data.get("checked_at") else None
        self.pending.append(dict(
            run_id=self.run.id, tenant_id=self.tenants.get(result.kode), name=result.name,
            kecamatan=result.kecamatan or "", verdict=result.verdict,
            detail=data.get("detail") or "", confirmed=bool(data.get("confirmed")),
            checked_at=checked or datetime.now(timezone.utc),
            data={k: data.get(k) for k in ("addresses", "chain", "records", "timings",
                                          "http_status", "tls_days_left", "explanation")},
        ))
        if len(self.pending) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            db.session.execute(db.insert(ComplianceResult), self.pending)
            db.session.commit()
            self.pending = []


def run_cli(command: str, args: Sequence[str], store: bool = True) -> int:
    """``flask dns check|fix ARGS``: the standalone CLI fed with the villages."""
    from dns_tools.cli import main as dns_main

    args = list(args)
    with tempfile.TemporaryDirectory(prefix="desa-dns-") as tmp:
        names = os.path.join(tmp, "names.csv")
        write_expected_names(names)
        argv = [command, "--names", names, *default_arguments(args), *args]
        if command == "check" and "--confirm" not in args:
            argv.append("--confirm")  # flag a village only after a re-check confirms it
        if not store:
            return dns_main(argv, prog="flask dns")
        run = ComplianceRun(command=" ".join(shlex.quote(a) for a in [command, *args]))
        db.session.add(run)
        db.session.commit()
        recorder = Recorder(run)
        code = dns_main(argv, on_result=recorder, prog="flask dns")
        recorder.flush()
        run.by_verdict = recorder.by_verdict
        run.total = sum(recorder.by_verdict.values())
        run.ok = sum(n for v, n in recorder.by_verdict.items() if v in OK_VERDICTS)
        run.exit_code = code
        run.state = "finished" if code in (0, 1) else "failed"
        run.finished_at = datetime.now(timezone.utc)
        db.session.commit()
        return code
