"""``flask dns check|fix|history``: the compliance checker over the villages table."""
from __future__ import annotations

import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.extensions import db

from .models import ComplianceResult, ComplianceRun
from .service import run_cli

dns_cli = AppGroup("dns", help="Kepatuhan subdomain desa: cek, perbaiki, riwayat.")
PASSTHROUGH = dict(ignore_unknown_options=True, allow_extra_args=True, help_option_names=[])


@dns_cli.command("check", context_settings=PASSTHROUGH)
@click.option("--no-store", is_flag=True, help="Jangan simpan hasil ke riwayat.")
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def check_command(no_store: bool, args: tuple[str, ...]) -> None:
    """Cek semua subdomain desa (opsi sama dengan `python -m dns_tools check`, tanpa --names).

    Exit 0 bila semua ok, 1 bila ada yang tidak, 2 bila opsi/konfigurasi salah."""
    sys.exit(run_cli("check", args, store=not no_store))


@dns_cli.command("fix", context_settings=PASSTHROUGH)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def fix_command(args: tuple[str, ...]) -> None:
    """Rencanakan dan (dengan --yes) terapkan perbaikan DNS: --provider route53|rfc2136."""
    sys.exit(run_cli("fix", args, store=False))


@dns_cli.command("history")
@click.argument("name", required=False)
@click.option("--limit", default=10, show_default=True)
def history_command(name: str | None, limit: int) -> None:
    """Riwayat run terakhir, atau riwayat satu nama host desa."""
    if name:
        rows = db.session.execute(
            select(ComplianceRun.started_at, ComplianceResult.verdict, ComplianceResult.confirmed)
            .join(ComplianceResult.run).where(ComplianceResult.name == name)
            .order_by(ComplianceRun.id.desc()).limit(limit)
        ).all()
        for started, verdict, confirmed in rows:
            click.echo(f"{started:%Y-%m-%d %H:%M}  {verdict}{'' if verdict == 'ok' or confirmed else ' (belum dikonfirmasi)'}")
        return
    for run in db.session.scalars(select(ComplianceRun).order_by(ComplianceRun.id.desc()).limit(limit)):
        click.echo(f"#{run.id} {run.started_at:%Y-%m-%d %H:%M} {run.state} {run.ok}/{run.total} ok "
                   f"({run.percent_ok}%) {run.by_verdict}")


def init_app(app) -> None:
    from . import models  # noqa: F401
    from .views import bp

    app.cli.add_command(dns_cli)
    app.register_portal_blueprint(bp)
