"""The regency's working-day calendar: arithmetic, the shipped 2026 decree, imports."""
from __future__ import annotations

from datetime import date

import pytest

from app.calendar.service import CalendarError, days_off, parse_csv, store, working_calendar
from app.calendar.workdays import WorkingCalendar
from app.extensions import db


def test_the_2026_decree_is_loaded_by_the_migration(ctx):
    rows = days_off(2026)
    kinds = [r.kind for r in rows]
    assert kinds.count("libur_nasional") == 17 and kinds.count("cuti_bersama") == 8
    assert {r.day for r in rows} >= {date(2026, 8, 17), date(2026, 12, 24), date(2026, 12, 25)}
    assert all("1497/2025" in r.source for r in rows)


def test_ten_working_days_skip_weekends_holidays_and_cuti_bersama(ctx):
    cal = working_calendar()
    # Received Monday 14 December 2026: 24 Dec (cuti bersama) and 25 Dec (Christmas)
    # are not working days, nor are the weekends; the day of receipt is not counted.
    assert cal.add(date(2026, 12, 14), 10) == date(2026, 12, 30)
    # the same fortnight without the two days off ends two working days earlier
    assert WorkingCalendar().add(date(2026, 12, 14), 10) == date(2026, 12, 28)
    # seven working days over Ascension Day (14 May) and its cuti bersama (15 May)
    assert cal.add(date(2026, 5, 12), 7) == date(2026, 5, 25)
    # Idul Fitri 2026: cuti bersama 20, 23, 24 March and the holidays 21-22 March
    assert cal.add(date(2026, 3, 19), 1) == date(2026, 3, 25)


def test_counting_between_two_days(ctx):
    cal = working_calendar()
    assert cal.between(date(2026, 12, 14), date(2026, 12, 30)) == 10
    assert cal.between(date(2026, 12, 30), date(2026, 12, 14)) == -10
    assert cal.between(date(2026, 12, 24), date(2026, 12, 24)) == 0
    assert not cal.is_working_day(date(2026, 12, 24)) and cal.is_working_day(date(2026, 12, 23))
    with pytest.raises(ValueError):
        cal.add(date(2026, 1, 1), -1)


def test_a_later_year_is_imported_and_replaced_as_a_whole(ctx):
    text = ("tanggal,nama,jenis\n2027-01-01,Tahun Baru 2027 Masehi,libur_nasional\n"
            "2027-01-02,Contoh cuti,cuti_bersama\n")
    try:
        assert store(parse_csv(text), "SKB contoh", 2027) == (2, 0)
        db.session.commit()
        assert [r.day for r in days_off(2027)] == [date(2027, 1, 1), date(2027, 1, 2)]
        assert store(parse_csv(text.splitlines()[0] + "\n" + text.splitlines()[1]),
                     "SKB contoh", 2027) == (0, 1)
        db.session.commit()
        assert [r.day for r in days_off(2027)] == [date(2027, 1, 1)]
        assert len(days_off(2026)) == 25  # other years untouched
    finally:
        store([], "", 2027)
        db.session.commit()


@pytest.mark.parametrize("text, message", [
    (b"\xff\xfe", "UTF-8"),
    ("tanggal;nama;jenis\n", "Kolom"),
    ("tanggal,nama,jenis\n2027-02-30,X,libur_nasional\n", "Baris 2: tanggal"),
    ("tanggal,nama,jenis\n2027-01-01,,libur_nasional\n", "nama wajib"),
    ("tanggal,nama,jenis\n2027-01-01,X,libur\n", "jenis harus"),
    ("tanggal,nama,jenis\n2027-01-01,X,libur_nasional\n2027-01-01,Y,cuti_bersama\n",
     "dua kali"),
])
def test_bad_files_are_refused_whole_with_a_reason(text, message):
    with pytest.raises(CalendarError, match=message):
        parse_csv(text)


def test_a_file_for_another_year_is_refused(ctx):
    with pytest.raises(CalendarError, match="2027"):
        store(parse_csv("tanggal,nama,jenis\n2026-05-01,X,libur_nasional\n"), "", 2027)
    db.session.rollback()


def test_cli_imports_and_lists(runner, tmp_path):
    path = tmp_path / "2027.csv"
    path.write_text("tanggal,nama,jenis\n2027-08-17,Proklamasi,libur_nasional\n")
    try:
        result = runner.invoke(args=["hari-libur", "import", str(path), "--tahun", "2027",
                                     "--sumber", "SKB 2027"])
        assert result.exit_code == 0, result.output
        assert "1 hari ditulis" in result.output
        listed = runner.invoke(args=["hari-libur", "list", "--tahun", "2027"]).output
        assert listed == "2027-08-17\tlibur_nasional\tProklamasi\n"
        path.write_bytes(b"tanggal,nama,jenis\n2027-13-01,X,libur_nasional\n")
        bad = runner.invoke(args=["hari-libur", "import", str(path), "--tahun", "2027"])
        assert bad.exit_code == 1 and "Baris 2" in bad.output and "Traceback" not in bad.output
        assert runner.invoke(args=["hari-libur", "list", "--tahun", "2027"]).output.count("\n") == 1
    finally:
        runner.invoke(args=["hari-libur", "import", str(_empty(tmp_path)), "--tahun", "2027"])


def _empty(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("tanggal,nama,jenis\n")
    return path


def test_the_portal_publishes_the_calendar_as_json(client):
    answer = client.get("/api/v1/hari-libur?tahun=2026", headers={"Host": "tubankab.go.id"})
    assert answer.status_code == 200
    days = answer.get_json()
    assert len(days) == 25
    assert {"tanggal": "2026-12-24", "nama": "Cuti bersama Kelahiran Yesus Kristus",
            "jenis": "cuti_bersama"} in days
    assert {d["jenis"] for d in days} == {"libur_nasional", "cuti_bersama"}
    assert client.get("/api/v1/hari-libur?tahun=1899",
                      headers={"Host": "tubankab.go.id"}).status_code == 400
    assert client.get("/api/v1/hari-libur?tahun=abc",
                      headers={"Host": "tubankab.go.id"}).status_code == 400
    assert client.get("/api/v1/hari-libur?tahun=2030",
                      headers={"Host": "tubankab.go.id"}).get_json() == []
    # a portal service: a village host does not answer it
    assert client.get("/api/v1/hari-libur",
                      headers={"Host": "jlodro.tubankab.go.id"}).status_code == 404


def test_the_portal_publishes_the_calendar_as_icalendar(client):
    answer = client.get("/api/v1/hari-libur.ics?tahun=2026", headers={"Host": "tubankab.go.id"})
    assert answer.status_code == 200 and answer.mimetype == "text/calendar"
    text = answer.get_data(as_text=True)
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert text.count("BEGIN:VEVENT") == 25
    assert "DTSTART;VALUE=DATE:20261225\r\nDTEND;VALUE=DATE:20261226" in text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    from icalendar import Calendar  # an independent parser reads it back

    events = [c for c in Calendar.from_ical(text).walk("VEVENT")]
    assert len(events) == 25 and len({str(e["UID"]) for e in events}) == 25
