"""The PPID desk's rules: numbers, deadlines in working days, one extension,
decisions, objections in time, retention of personal data, isolation."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models.ppid import InformationRequest
from app.ppid import service
from app.ppid.service import PPIDError

CODE = "35.23.01.2001"
MONDAY_14_DEC = date(2026, 12, 14)


def _request(today=MONDAY_14_DEC, **fields):
    data = dict(information="Salinan APBDes 2026", purpose="Penelitian", obtain="salinan",
                copy_form="softcopy", delivery="email", name="Siti Aminah",
                address="Dusun Krajan RT 01", email="siti@example.id", phone="")
    data.update(fields)
    return service.submit_request(CODE, today, **data)


def test_numbers_run_per_village_per_year(as_village):
    with as_village("jlodro"):
        first, second = _request(), _request()
        next_year = _request(today=date(2027, 1, 4))
        db.session.commit()
        assert first.item.number == "001/PPID/35.23.01.2001/2026"
        assert second.item.number == "002/PPID/35.23.01.2001/2026"
        assert next_year.item.number == "001/PPID/35.23.01.2001/2027"
    with as_village("kebonsari"):
        other = _request()
        db.session.commit()
        assert other.item.seq == 1  # another village counts on its own


def test_the_token_is_returned_once_and_only_its_hash_is_stored(as_village):
    with as_village("jlodro"):
        submitted = _request()
        db.session.commit()
        stored = db.session.get(InformationRequest, submitted.item.id)
        assert len(submitted.token) >= 32 and submitted.token not in stored.token_hash
        assert stored.token_hash == service.token_hash(submitted.token)


def test_due_date_is_ten_working_days_after_receipt(as_village):
    with as_village("jlodro"):
        request = _request().item
        # 24 (cuti bersama) and 25 December (Christmas) and two weekends are skipped
        assert request.due_on == date(2026, 12, 30)
        assert [e.kind for e in request.events] == ["diterima"]


def test_one_extension_of_at_most_seven_working_days_with_a_reason(as_village):
    with as_village("jlodro"):
        request = _request(today=date(2026, 5, 4)).item  # 14, 15 May are days off
        assert request.due_on == date(2026, 5, 20)
        with pytest.raises(PPIDError, match="Alasan"):
            service.extend(request, date(2026, 5, 6), None, "  ")
        with pytest.raises(PPIDError, match="paling lama 7"):
            service.extend(request, date(2026, 5, 6), None, "Arsip di kecamatan", 8)
        service.extend(request, date(2026, 5, 6), None, "Arsip di kecamatan")
        # 27 (Idul Adha), 28 May (cuti bersama) and 1 June (Pancasila) are skipped
        assert request.due_on == date(2026, 6, 3)
        with pytest.raises(PPIDError, match="satu kali"):
            service.extend(request, date(2026, 5, 7), None, "Lagi")
        assert [e.kind for e in request.events] == ["diterima", "diperpanjang"]


def test_an_extension_after_the_deadline_is_refused(as_village):
    with as_village("jlodro"):
        request = _request().item
        with pytest.raises(PPIDError, match="lewat"):
            service.extend(request, date(2026, 12, 31), None, "Terlambat")


def test_decisions_need_what_the_law_asks(as_village):
    with as_village("jlodro"):
        request = _request().item
        with pytest.raises(PPIDError, match="Lampirkan"):
            service.decide(request, MONDAY_14_DEC, None, "dipenuhi")
        with pytest.raises(PPIDError, match="Pasal 17"):
            service.decide(request, MONDAY_14_DEC, None, "ditolak", answer="Tidak boleh")
        with pytest.raises(PPIDError, match="tidak dikenal"):
            service.decide(request, MONDAY_14_DEC, None, "dibuang", answer="x")
        service.decide(request, date(2026, 12, 16), None, "ditolak", answer="Data pribadi warga",
                       exemption="h")
        assert request.status == "ditolak" and request.closed_on == date(2026, 12, 16)
        with pytest.raises(PPIDError, match="sudah selesai"):
            service.decide(request, date(2026, 12, 17), None, "dipenuhi", answer="x")


def test_overdue_and_late_answers_are_told_apart(as_village):
    with as_village("jlodro"):
        request = _request().item
        assert not service.is_overdue(request, date(2026, 12, 30))
        assert service.is_overdue(request, date(2026, 12, 31))
        service.decide(request, date(2027, 1, 4), None, "dipenuhi", answer="Terlampir")
        assert not service.is_overdue(request, date(2027, 1, 5))
        assert service.answered_late(request)


def test_objection_window_and_its_answer_deadline(as_village):
    with as_village("jlodro"):
        request = _request().item
        with pytest.raises(PPIDError, match="setelah permohonan dijawab"):
            service.file_objection(request, CODE, date(2026, 12, 15), ["c"], "")
        # unanswered past its deadline: ground (c) arises on 30 December
        objection = service.file_objection(request, CODE, date(2027, 1, 4), ["c", "g", "c"],
                                           "Tidak ada jawaban")
        db.session.commit()
        assert objection.number == "001/KEBERATAN/35.23.01.2001/2027"
        assert objection.grounds == ["c", "g"]
        assert objection.due_on == service.working_calendar().add(date(2027, 1, 4), 30)
        with pytest.raises(PPIDError, match="sedang diproses"):
            service.file_objection(request, CODE, date(2027, 1, 5), ["e"], "")
        with pytest.raises(PPIDError, match="wajib"):
            service.answer_objection(objection, date(2027, 1, 6), None, True, " ")
        service.answer_objection(objection, date(2027, 1, 6), None, True, "PPID diminta menjawab")
        assert objection.status == "dikabulkan"
        assert [e.kind for e in request.events][-2:] == ["keberatan_diajukan",
                                                          "keberatan_dijawab"]


def test_an_objection_out_of_time_is_refused(as_village):
    with as_village("jlodro"):
        request = _request(today=date(2026, 6, 1)).item
        service.decide(request, date(2026, 6, 2), None, "ditolak", answer="x", exemption="h")
        last_day = service.working_calendar().add(date(2026, 6, 2), 30)
        with pytest.raises(PPIDError, match="sudah lewat"):
            service.file_objection(request, CODE, service.working_calendar().add(last_day, 1),
                                   ["a"], "")
        with pytest.raises(PPIDError, match="alasan keberatan"):
            service.file_objection(request, CODE, last_day, ["z"], "")
        assert service.file_objection(request, CODE, last_day, ["a"], "").status == "baru"


def test_personal_data_is_erased_after_the_retention_period(as_village):
    with as_village("jlodro"):
        old = _request(today=date(2020, 3, 2)).item
        service.decide(old, date(2020, 3, 3), None, "dipenuhi", answer="Terlampir")
        recent = _request(today=date(2024, 3, 4)).item
        service.decide(recent, date(2024, 3, 5), None, "dipenuhi", answer="Terlampir")
        abandoned = _request(today=date(2020, 3, 2)).item  # never closed
        open_one = _request(today=date(2024, 6, 3)).item
        complaint = service.submit_complaint(CODE, date(2020, 1, 6), category="lainnya",
                                             text="Lampu jalan mati", may_publish=False,
                                             name="Budi", contact="0812").item
        complaint.closed_on = date(2020, 1, 7)
        db.session.commit()
        assert service.erase_expired(date(2026, 12, 6)) == 3
        db.session.commit()
        assert abandoned.requester_name == "(dihapus)"
        assert (old.requester_name, old.requester_email) == ("(dihapus)", "")
        assert old.information == "Salinan APBDes 2026"  # the register keeps the rest
        assert recent.requester_name == "Siti Aminah"
        assert open_one.requester_name == "Siti Aminah"
        assert complaint.reporter_name == "" and complaint.text == "Lampu jalan mati"
        assert service.erase_expired(date(2026, 12, 6)) == 0


def test_a_request_is_invisible_from_another_village(as_village):
    with as_village("jlodro"):
        request_id = _request().item.id
        db.session.commit()
    with as_village("kebonsari"):
        assert db.session.get(InformationRequest, request_id) is None
        assert db.session.scalars(select(InformationRequest)).all() == []


def test_the_erase_command_covers_every_village(app, runner, as_village):
    with as_village("jlodro"):
        old = _request(today=date(2015, 3, 2)).item
        service.decide(old, date(2015, 3, 3), None, "dipenuhi", answer="Terlampir")
        db.session.commit()
    with as_village("kebonsari"):
        other = _request(today=date(2015, 3, 2)).item
        service.decide(other, date(2015, 3, 3), None, "dipenuhi", answer="Terlampir")
        db.session.commit()
    result = runner.invoke(args=["ppid", "erase-expired"])
    assert result.exit_code == 0 and "Data pribadi 2 " in result.output, result.output
    from tenants.scoping import system_scope

    with app.app_context(), system_scope():
        names = db.session.scalars(select(InformationRequest.requester_name)).all()
        assert names == ["(dihapus)", "(dihapus)"]


def test_an_answer_link_must_be_safe(as_village):
    with as_village("jlodro"):
        request = _request().item
        with pytest.raises(PPIDError, match="Tautan jawaban"):
            service.decide(request, MONDAY_14_DEC, None, "dipenuhi", answer="x",
                           link="javascript:alert(1)")
        assert request.is_open


def test_a_deadline_in_a_year_without_holidays_is_kept_and_logged(as_village, caplog):
    with as_village("jlodro"):
        request = _request(today=date(2026, 12, 28)).item
        # 2027 has no days off entered: weekends only, and the gap is logged
        assert request.due_on == date(2027, 1, 11)
        assert "no days off for 2027" in caplog.text
