"""Reading and replacing the calendar (CSV files of ``tanggal,nama,jenis``, the shape of
the shipped decree files loaded by the migration), and the ``WorkingCalendar`` that
deadlines are computed with."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from sqlalchemy import extract, select

from app.extensions import db

from .models import KINDS, Holiday
from .workdays import WorkingCalendar

MAX_ROWS = 200


class CalendarError(ValueError):
    """A calendar file that cannot be loaded; the message says why, in Indonesian."""


@dataclass(frozen=True)
class DayOff:
    day: date
    name: str
    kind: str


def parse_csv(data: bytes | str) -> list[DayOff]:
    """Rows ``tanggal,nama,jenis`` (the shipped format), validated as a whole: a file
    with one bad row loads nothing."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise CalendarError("Berkas harus berupa teks UTF-8.") from None
    reader = csv.DictReader(io.StringIO(data))
    if not reader.fieldnames or {"tanggal", "nama", "jenis"} - set(reader.fieldnames):
        raise CalendarError("Kolom yang diperlukan: tanggal, nama, jenis.")
    days: dict[date, DayOff] = {}
    for number, row in enumerate(reader, start=2):
        if number - 1 > MAX_ROWS:
            raise CalendarError(f"Terlalu banyak baris (paling banyak {MAX_ROWS}).")
        try:
            day = date.fromisoformat((row["tanggal"] or "").strip())
        except ValueError:
            raise CalendarError(f"Baris {number}: tanggal harus berbentuk YYYY-MM-DD.") from None
        name = (row["nama"] or "").strip()
        kind = (row["jenis"] or "").strip()
        if not name or len(name) > 200:
            raise CalendarError(f"Baris {number}: nama wajib diisi (paling panjang 200 huruf).")
        if kind not in KINDS:
            raise CalendarError(f"Baris {number}: jenis harus {' atau '.join(KINDS)}.")
        if day in days:
            raise CalendarError(f"Baris {number}: tanggal {day.isoformat()} tercantum dua kali.")
        days[day] = DayOff(day, name, kind)
    return sorted(days.values(), key=lambda d: d.day)


def store(days: list[DayOff], source: str, year: int | None = None) -> tuple[int, int]:
    """Make the table hold ``days`` for their year(s): added and changed rows are written,
    days of those years that the file no longer lists are removed. Returns
    (written, removed); the caller commits."""
    years = {year} if year is not None else {d.day.year for d in days}
    if year is not None and any(d.day.year != year for d in days):
        raise CalendarError(f"Semua tanggal harus di tahun {year}.")
    existing = {h.day: h for h in db.session.scalars(
        select(Holiday).where(extract("year", Holiday.day).in_(years)))}
    written = 0
    for d in days:
        row = existing.pop(d.day, None)
        if row is None:
            db.session.add(Holiday(day=d.day, name=d.name, kind=d.kind, source=source))
            written += 1
        elif (row.name, row.kind, row.source) != (d.name, d.kind, source):
            row.name, row.kind, row.source = d.name, d.kind, source
            written += 1
    for row in existing.values():
        db.session.delete(row)
    return written, len(existing)


def days_off(year: int | None = None) -> list[Holiday]:
    query = select(Holiday).order_by(Holiday.day)
    if year is not None:
        query = query.where(extract("year", Holiday.day) == year)
    return list(db.session.scalars(query))


def working_calendar() -> WorkingCalendar:
    """The calendar as it stands now (a few dozen rows a year)."""
    return WorkingCalendar.of(db.session.scalars(select(Holiday.day)))
