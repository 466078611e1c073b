"""``flask hari-libur ...``: the regency's days off."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from app.extensions import db

from .service import CalendarError, days_off, parse_csv, store

calendar_cli = AppGroup("hari-libur", help="Kalender hari libur nasional dan cuti bersama.")


@calendar_cli.command("list")
@click.option("--tahun", type=click.IntRange(1900, 2200), default=None)
def list_command(tahun: int | None) -> None:
    """Tampilkan hari libur (semua tahun, atau satu tahun)."""
    for row in days_off(tahun):
        click.echo(f"{row.day.isoformat()}\t{row.kind}\t{row.name}")


@calendar_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--tahun", type=click.IntRange(1900, 2200), required=True,
              help="Tahun yang diganti seluruhnya oleh isi berkas.")
@click.option("--sumber", default="", help="Dasar hukum, mis. nomor SKB.")
def import_command(path: Path, tahun: int, sumber: str) -> None:
    """Ganti hari libur satu tahun dengan berkas CSV (tanggal,nama,jenis)."""
    if path.stat().st_size > 256 * 1024:
        raise click.ClickException("Berkas terlalu besar untuk daftar hari libur.")
    try:
        written, removed = store(parse_csv(path.read_bytes()), sumber.strip()[:300], tahun)
    except CalendarError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"{tahun}: {written} hari ditulis, {removed} dihapus.")
