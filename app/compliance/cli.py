"""``flask dns check|fix|history``: the compliance checker over the villages table.

``check`` and ``fix`` take the options of ``python -m dns_tools`` (without
``--names``: the names are the villages' primary hostnames), put over the
platform's configuration (``service.base_config``).
"""
from __future__ import annotations

import shlex
import sys

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from app.extensions import db
from dns_tools import Summary, run_check
from dns_tools import cli as dns_cli

from .models import ComplianceResult, ComplianceRun
from .service import base_config, check_villages, count_expected_names, expected_names

dns_group = AppGroup("dns", help="Kepatuhan subdomain desa: cek, perbaiki, riwayat.")
PASSTHROUGH = dict(ignore_unknown_options=True, allow_extra_args=True, help_option_names=[])


def _parse(command: str, args: tuple[str, ...]):
    """The dns_tools options (``--help`` prints them); exit 2 on bad usage."""
    return dns_cli.build_parser(prog="flask dns", names_file=False).parse_args([command, *args])


@dns_group.command("check", context_settings=PASSTHROUGH)
@click.option("--no-store", is_flag=True, help="Jangan simpan hasil ke riwayat.")
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def check_command(no_store: bool, args: tuple[str, ...]) -> None:
    """Cek semua subdomain desa (opsi sama dengan `python -m dns_tools check`, tanpa --names).

    Exit 0 bila semua ok, 1 bila ada yang tidak, 2 bila opsi/konfigurasi salah."""
    options = _parse("check", args)

    def store(names, config, sinks, processes) -> Summary:
        return check_villages(config, sinks, names=names, processes=processes,
                              command=shlex.join(["check", *args]))[1]

    def command() -> int:
        config = dns_cli.config_from_args(options, base=base_config(current_app.config))
        total = count_expected_names() if sys.stderr.isatty() and not options.no_progress else None
        return dns_cli.cmd_check(options, config, expected_names(), total=total,
                                 run=run_check if no_store else store)

    sys.exit(dns_cli.exit_code(command))


@dns_group.command("fix", context_settings=PASSTHROUGH)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def fix_command(args: tuple[str, ...]) -> None:
    """Rencanakan dan (dengan --yes) terapkan perbaikan DNS: --provider route53|rfc2136."""
    options = _parse("fix", args)
    sys.exit(dns_cli.exit_code(lambda: dns_cli.cmd_fix(
        options, dns_cli.config_from_args(options, base=base_config(current_app.config)),
        expected_names())))


@dns_group.command("history")
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

    app.cli.add_command(dns_group)
    app.register_portal_blueprint(bp)
