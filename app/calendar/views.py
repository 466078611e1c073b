"""The regency calendar published on the portal: JSON for programs, iCalendar for people.

``/api/v1/hari-libur?tahun=2026`` lists ``{"tanggal", "nama", "jenis"}``;
``/api/v1/hari-libur.ics?tahun=2026`` is the same as an iCalendar file that a phone's
calendar can subscribe to. Without ``tahun`` every year in the table is listed.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from flask import Blueprint, abort, current_app, jsonify, request

from .service import days_off

bp = Blueprint("calendar_api", __name__, url_prefix="/api/v1")


def _year() -> int | None:
    raw = request.args.get("tahun")
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or not 1900 <= int(raw) <= 2200:
        return -1
    return int(raw)


def _bad_year():
    # the API's one error shape (docs/openapi.yaml, Error), from app.errors
    abort(400, description="Parameter tahun tidak valid: tahun empat angka (1900-2200).")


@bp.route("/hari-libur")
def holidays_json():
    year = _year()
    if year == -1:
        return _bad_year()
    response = jsonify([{"tanggal": d.day.isoformat(), "nama": d.name, "jenis": d.kind}
                        for d in days_off(year)])
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _escape(text: str) -> str:
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r", "").replace("\n", "\\n"))


def _fold(line: str) -> str:
    """RFC 5545 3.1: lines longer than 75 octets continue on the next with a space."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line
    parts, current = [], b""
    for char in line:
        encoded = char.encode("utf-8")
        if len(current) + len(encoded) > (75 if not parts else 74):
            parts.append(current.decode("utf-8"))
            current = b""
        current += encoded
    parts.append(current.decode("utf-8"))
    return "\r\n ".join(parts)


@bp.route("/hari-libur.ics")
def holidays_ical():
    year = _year()
    if year == -1:
        return _bad_year()
    base = current_app.config["BASE_DOMAIN"]
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:-//{base}//Kalender Hari Libur//ID",
             "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
             "X-WR-CALNAME:Hari libur nasional dan cuti bersama", "X-WR-TIMEZONE:Asia/Jakarta"]
    for d in days_off(year):
        kind = "Libur nasional" if d.kind == "libur_nasional" else "Cuti bersama"
        lines += ["BEGIN:VEVENT", f"UID:{d.day.isoformat()}-{d.kind}@{base}",
                  f"DTSTAMP:{stamp}", f"DTSTART;VALUE=DATE:{d.day:%Y%m%d}",
                  f"DTEND;VALUE=DATE:{d.day + timedelta(days=1):%Y%m%d}",
                  f"SUMMARY:{_escape(d.name)}", f"CATEGORIES:{kind}",
                  "TRANSP:TRANSPARENT", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    body = "\r\n".join(_fold(line) for line in lines) + "\r\n"
    response = current_app.response_class(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = "inline; filename=hari-libur.ics"
    return response
