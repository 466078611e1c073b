"""``flask ppid ...``: the PPID desk's scheduled work (cron-friendly)."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from app.extensions import db
from tenants.scoping import system_scope

from . import service

ppid_cli = AppGroup("ppid", help="Layanan informasi publik desa.")


@ppid_cli.command("erase-expired")
def erase_expired_command() -> None:
    """Hapus data pribadi pemohon dan pelapor yang masa simpannya sudah lewat."""
    years = current_app.config["PPID_RETENTION_YEARS"]
    with system_scope():
        count = service.erase_expired(service.today_in_jakarta(), years)
        db.session.commit()
    click.echo(f"Data pribadi {count} permohonan/pengaduan dihapus (masa simpan {years} tahun "
               "setelah selesai).")


@ppid_cli.command("remind")
def remind_command() -> None:
    """Kirim pengingat ke petugas PPID: permohonan yang jatuh tempo dua hari kerja lagi
    (jalankan sekali sehari)."""
    from . import notify

    if not current_app.config.get("SMTP_HOST"):
        click.echo("SMTP belum diatur (SMTP_HOST): pengingat hanya tampil di beranda admin.")
        return
    sent = notify.remind(service.today_in_jakarta())
    click.echo(f"{sent} pengingat dikirim.")
