"""Compliance dashboard for superadmins on the base domain (``/admin/kepatuhan``)."""
from __future__ import annotations

import io
import os
import subprocess
import sys
from collections import OrderedDict

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select

import safe_csv
from app.auth.core import audit
from app.extensions import db
from app.permissions import enforce, permission
from dns_tools import VERDICTS, explanation

from .models import ComplianceResult, ComplianceRun
from .service import base_config

bp = Blueprint("compliance", __name__, url_prefix="/admin/kepatuhan", template_folder="templates")
bp.before_request(enforce)  # every view declares its action (app.permissions)


def _latest_run() -> ComplianceRun | None:
    return db.session.scalar(
        select(ComplianceRun).where(ComplianceRun.state == "finished")
        .order_by(ComplianceRun.id.desc())
    )


def _verdict_filter() -> str | None:
    verdict = request.args.get("verdict") or None
    if verdict is not None and verdict not in VERDICTS:
        abort(400, description="Verdict tidak dikenal.")
    return verdict


def _results(run: ComplianceRun, verdict: str | None):
    statement = (select(ComplianceResult).where(ComplianceResult.run_id == run.id)
                 .order_by(ComplianceResult.kecamatan, ComplianceResult.name))
    if verdict:
        statement = statement.where(ComplianceResult.verdict == verdict)
    return db.session.scalars(statement)


@bp.route("/")
@permission("regency.compliance")
def dashboard():
    run = _latest_run()
    verdict = _verdict_filter()
    per_kecamatan: OrderedDict[str, dict] = OrderedDict()
    results = []
    if run is not None:
        for row in _results(run, None):
            counts = per_kecamatan.setdefault(row.kecamatan or "-", {"total": 0, "ok": 0,
                                                                     "flagged": 0})
            counts["total"] += 1
            counts["ok"] += row.verdict == "ok"
            # flap suppression: only a failure confirmed by a re-check is flagged
            counts["flagged"] += row.verdict != "ok" and row.confirmed
            if verdict is None or row.verdict == verdict:
                results.append(row)
    running = db.session.scalar(select(ComplianceRun).where(ComplianceRun.state == "running")
                                .order_by(ComplianceRun.id.desc()))
    runs = db.session.scalars(select(ComplianceRun).order_by(ComplianceRun.id.desc()).limit(10)).all()
    return render_template("compliance/dashboard.html", run=run, running=running, runs=runs,
                           per_kecamatan=per_kecamatan, results=results, verdict=verdict,
                           verdicts=VERDICTS, explanation=explanation)


@bp.route("/nama/<name>")
@permission("regency.compliance")
def history(name: str):
    rows = db.session.execute(
        select(ComplianceRun.started_at, ComplianceResult)
        .join(ComplianceResult.run).where(ComplianceResult.name == name[:253])
        .order_by(ComplianceRun.id.desc()).limit(100)
    ).all()
    if not rows:
        abort(404)
    return render_template("compliance/history.html", name=name, rows=rows,
                           explanation=explanation)


@bp.route("/ekspor.csv")
@permission("regency.compliance")
def export_csv():
    run = _latest_run()
    if run is None:
        abort(404)
    out = io.StringIO()
    writer = safe_csv.writer(out)
    writer.writerow(["name", "kecamatan", "verdict", "confirmed", "detail", "addresses",
                     "checked_at"])
    for row in _results(run, _verdict_filter()):
        writer.writerow([row.name, row.kecamatan, row.verdict, row.confirmed, row.detail,
                         " ".join(row.data.get("addresses") or []), row.checked_at.isoformat()])
    return Response(out.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename=kepatuhan-run-{run.id}.csv"})


@bp.route("/jalankan", methods=["POST"])
@permission("regency.compliance.run")
def start_run():
    """Start ``flask dns check`` in its own process: a national run outlives a request
    and must not die with a recycled web worker. The checks come from
    ``DNS_DASHBOARD_CHECKS`` (``service.base_config``)."""
    if db.session.scalar(select(ComplianceRun.id).where(ComplianceRun.state == "running")):
        flash("Pemeriksaan lain masih berjalan.")
        return redirect(url_for(".dashboard"))
    subprocess.Popen(
        [sys.executable, "-m", "flask", "dns", "check", "--no-progress"],
        cwd=os.path.dirname(current_app.root_path), env=dict(os.environ, FLASK_APP="wsgi"),
        start_new_session=True,
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    audit("compliance_run_started", ",".join(sorted(base_config(current_app.config).checks)),
          tenant_id=None)
    db.session.commit()
    flash("Pemeriksaan dimulai di latar belakang. Muat ulang halaman ini beberapa saat lagi.")
    return redirect(url_for(".dashboard"))
