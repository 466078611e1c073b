"""The compliance run of the villages: names from the database, ``dns_tools`` as a
library, verdicts stored as a run with its results.

The path, end to end: :func:`expected_names` (villages table) ->
:func:`check_villages` -> ``dns_tools.run_check`` (one verdict per name, streamed)
-> :class:`RunRecorder` (a result sink) -> ``ComplianceRun``/``ComplianceResult``
(``models.py``). The CLI (``cli.py``) and the dashboard (``views.py``) only
choose the configuration and the other sinks (report, progress bar).
"""
from __future__ import annotations

import os
from datetime import datetime, timezone
from typing import Iterable, Iterator, Mapping, Sequence

from sqlalchemy import func, select

from app.extensions import db
from dns_tools import CheckConfig, ExpectedName, Result, ResultSink, Summary, run_check
from tenants.models import Domain, Tenant
from tenants.scoping import system_scope

from .models import ComplianceResult, ComplianceRun

OK_VERDICTS = {"ok"}
#: Rows per INSERT: results are stored as they stream in, memory stays flat in N.
BATCH = 500


def _primary_hosts():
    return (select(Domain.id, Domain.hostname, Tenant.slug, Tenant.code, Tenant.kecamatan_name)
            .join(Tenant, Tenant.id == Domain.tenant_id).where(Domain.is_primary))


def expected_names() -> Iterator[ExpectedName]:
    """Each village's primary hostname with its code and kecamatan.

    Read a page at a time (keyset on the domain id) rather than through one open
    cursor: the recorder commits on the same session while the names are read."""
    after = 0
    while True:
        with system_scope():
            rows = db.session.execute(_primary_hosts().where(Domain.id > after)
                                      .order_by(Domain.id).limit(BATCH)).all()
        if not rows:
            return
        for _, hostname, slug, code, kecamatan in rows:
            yield ExpectedName(hostname, slug, code, kecamatan or "")
        after = rows[-1].id


def count_expected_names() -> int:
    with system_scope():
        return db.session.scalar(select(func.count()).select_from(_primary_hosts().subquery()))


def _listed(value: str | None) -> frozenset[str]:
    return frozenset(v.strip() for v in (value or "").split(",") if v.strip())


def base_config(app_config: Mapping, environ: Mapping[str, str] = os.environ) -> CheckConfig:
    """The platform's check configuration: its base domain, where it should point
    (``DNS_EXPECT_ADDRESSES``, ``DNS_EXPECT_CNAME``), whom to ask
    (``DNS_NAMESERVERS``), the checks of ``DNS_DASHBOARD_CHECKS``. A failure is
    re-checked once before it is stored, so one lost packet never flags a village."""
    return CheckConfig(
        domain=app_config["BASE_DOMAIN"],
        expect_addresses=_listed(environ.get("DNS_EXPECT_ADDRESSES")),
        expect_cname=environ.get("DNS_EXPECT_CNAME") or None,
        nameservers=tuple(sorted(_listed(environ.get("DNS_NAMESERVERS")))),
        checks=_listed(app_config.get("DNS_DASHBOARD_CHECKS", "dns")) or frozenset({"dns"}),
        confirm_failures=True,
    )


class RunRecorder:
    """A ``dns_tools`` result sink: stores the results of one run in batches as they
    stream in, and closes the run with its counts."""

    def __init__(self, run: ComplianceRun) -> None:
        self.run = run
        with system_scope():
            self.tenant_ids = dict(db.session.execute(select(Tenant.code, Tenant.id)).all())
        self.pending: list[dict] = []
        self.by_verdict: dict[str, int] = {}

    def write(self, result: Result) -> None:
        self.by_verdict[result.verdict] = self.by_verdict.get(result.verdict, 0) + 1
        data = result.to_dict()
        self.pending.append(dict(
            run_id=self.run.id, tenant_id=self.tenant_ids.get(result.kode), name=result.name,
            kecamatan=result.kecamatan or "", verdict=result.verdict, detail=result.detail or "",
            confirmed=bool(result.confirmed),
            checked_at=(datetime.fromisoformat(result.checked_at) if result.checked_at
                        else datetime.now(timezone.utc)),
            data={k: data.get(k) for k in ("addresses", "chain", "records", "timings",
                                          "http_status", "tls_days_left", "explanation")},
        ))
        if len(self.pending) >= BATCH:
            self._flush()

    def _flush(self) -> None:
        if self.pending:
            db.session.execute(db.insert(ComplianceResult), self.pending)
            db.session.commit()
            self.pending = []

    def close(self, summary: Summary) -> None:
        self._finish("finished", 0 if summary.all_ok() else 1)

    def fail(self) -> None:
        """Keep what was stored so far and mark the run failed."""
        db.session.rollback()
        self._finish("failed", 2)

    def _finish(self, state: str, exit_code: int) -> None:
        self._flush()
        run = self.run
        run.by_verdict = dict(self.by_verdict)
        run.total = sum(self.by_verdict.values())
        run.ok = sum(n for v, n in self.by_verdict.items() if v in OK_VERDICTS)
        run.state, run.exit_code = state, exit_code
        run.finished_at = datetime.now(timezone.utc)
        db.session.commit()


def check_villages(config: CheckConfig, sinks: Sequence[ResultSink] = (), *,
                   names: Iterable[ExpectedName] | None = None, command: str = "check",
                   processes: int = 1) -> tuple[ComplianceRun, Summary]:
    """Check every village's name (or ``names``) and store the run; return it with the summary.

    A bad configuration raises ConfigError before a run is opened. A run that
    breaks half-way (unreadable registry, a crash) is kept as ``failed`` with the
    results stored so far, and the error is raised again for the caller.
    """
    config.validate()
    if names is None:
        names = expected_names()
    if processes != 1:
        names = list(names)  # the worker processes are fed from a thread without the app context
    run = ComplianceRun(command=command)
    db.session.add(run)
    db.session.commit()
    recorder = RunRecorder(run)
    try:
        summary = run_check(names, config, [recorder, *sinks], processes)
    except BaseException:
        recorder.fail()
        raise
    return run, summary
