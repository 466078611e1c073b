"""E-mail of the PPID desk through a real local SMTP server: the citizen's confirmation
with the private link, the officer's notice, status changes, the reminder."""
from __future__ import annotations

import re
import socket
from datetime import date

import pytest

from app.extensions import db
from app.models import Membership, User
from app.models.ppid import InformationRequest
from app.ppid import notify, service
from desa_testing import host, village
from tenants.scoping import tenant_context

from test_citizen_desk import _form, _request_fields


@pytest.fixture(autouse=True)
def _no_reading_time(app, monkeypatch):
    monkeypatch.setitem(app.config, "CITIZEN_FORM_MIN_SECONDS", 0)


@pytest.fixture()
def officer(app):
    with app.app_context():
        user = User(email="sekdes@jlodro.desa", name="Sekdes")
        user.set_password("Rahasia-Desa-2026")
        db.session.add(user)
        db.session.commit()
        with tenant_context(village("jlodro").id):
            db.session.add(Membership(user_id=user.id, role="ppid"))
            db.session.commit()
    return "sekdes@jlodro.desa"


def _body(message) -> str:
    return message.get_payload(decode=True).decode()


def test_filing_mails_the_citizen_the_private_link_and_the_officer_a_notice(client, inbox,
                                                                         officer):
    fields = {**_form(client, "jlodro", "/ppid/permohonan"), **_request_fields()}
    answer = client.post("/ppid/permohonan", data=fields, headers={"Host": host("jlodro")})
    track = answer.headers["Location"].split("?")[0]
    to_citizen = [m for m in inbox if m["To"] == "siti.aminah@example.id"]
    to_officer = [m for m in inbox if m["To"] == officer]
    assert len(to_citizen) == 1 and len(to_officer) == 1
    # the link is on the village's stored host, whatever Host the request came with
    assert f"http://jlodro.tubankab.go.id{track}" in _body(to_citizen[0])
    assert re.search(r"001/PPID/35\.23\.\d\d\.\d{4}/20\d\d", to_officer[0]["Subject"])
    assert "/ppid/lacak/" not in _body(to_officer[0])  # the citizen's secret stays theirs
    assert "Siti" not in _body(to_officer[0])


def test_each_status_change_is_mailed_to_the_citizen(app, inbox):
    with app.app_context(), tenant_context(village("jlodro").id):
        from flask import g

        item = service.submit_request("35.23.01.2001", date(2026, 12, 14), information="x",
                                      purpose="y", obtain="salinan", copy_form="softcopy",
                                      delivery="email", name="Siti", address="a",
                                      email="siti@example.id", phone="").item
        db.session.commit()
        with app.test_request_context(headers={"Host": host("jlodro")}):
            from tenants.resolver import get_resolver

            g.tenant = get_resolver().resolve(host("jlodro"))
            service.extend(item, date(2026, 12, 15), None, "Arsip")
            notify.status_changed(item)
    assert inbox[-1]["To"] == "siti@example.id"
    assert "Sedang diproses" in _body(inbox[-1])


def test_the_reminder_reaches_the_officer_two_working_days_before(app, runner, inbox, officer,
                                                                  monkeypatch):
    with app.app_context(), tenant_context(village("jlodro").id):
        item = service.submit_request("35.23.01.2001", date(2026, 12, 14), information="x",
                                      purpose="y", obtain="salinan", copy_form="softcopy",
                                      delivery="email", name="Siti", address="a", email="",
                                      phone="0812").item
        db.session.commit()
        assert item.due_on == date(2026, 12, 30)
    # two working days before 30 December is 28 December (Monday)
    monkeypatch.setattr(service, "today_in_jakarta", lambda now=None: date(2026, 12, 28))
    result = runner.invoke(args=["ppid", "remind"])
    assert result.exit_code == 0 and "1 pengingat" in result.output, result.output
    assert inbox[-1]["To"] == officer and "30-12-2026" in inbox[-1]["Subject"]
    monkeypatch.setattr(service, "today_in_jakarta", lambda now=None: date(2026, 12, 23))
    assert "0 pengingat" in runner.invoke(args=["ppid", "remind"]).output


def test_without_smtp_nothing_is_sent_and_the_filing_still_works(client, app):
    fields = {**_form(client, "jlodro", "/ppid/permohonan"), **_request_fields()}
    answer = client.post("/ppid/permohonan", data=fields, headers={"Host": host("jlodro")})
    assert answer.status_code == 303
    with app.app_context(), tenant_context(village("jlodro").id):
        assert db.session.query(InformationRequest).count() == 1


def test_a_mail_server_that_is_away_never_loses_the_filing(client, app, monkeypatch, caplog):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    for key, value in {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": closed, "SMTP_SECURITY": "none",
                       "MAIL_FROM": "desa@tubankab.go.id"}.items():
        monkeypatch.setitem(app.config, key, value)
    outcomes = []
    send = notify._send
    monkeypatch.setattr(notify, "_send", lambda *args: outcomes.append(send(*args)))
    fields = {**_form(client, "jlodro", "/ppid/permohonan"), **_request_fields()}
    answer = client.post("/ppid/permohonan", data=fields, headers={"Host": host("jlodro")})
    assert answer.status_code == 303
    assert outcomes == [False]  # tried, refused by the closed port, logged
    assert "PPID mail could not be sent (ConnectionRefusedError)" in caplog.text
    assert "siti.aminah@example.id" not in caplog.text  # no address in the log
    with app.app_context(), tenant_context(village("jlodro").id):
        assert db.session.query(InformationRequest).count() == 1
