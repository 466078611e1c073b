"""The citizens' side of the PPID desk over HTTP: request, tracking, objection,
complaints, the report; the form guard; no personal data on any public answer."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models.ppid import Complaint, InformationRequest
from app.ppid import service
from desa_testing import host

PERSONAL = ("Siti Aminah Rahayu", "Dusun Krajan RT 01", "siti.aminah@example.id", "081234567890")


@pytest.fixture(autouse=True)
def _no_reading_time(app):
    app.config["CITIZEN_FORM_MIN_SECONDS"] = 0
    yield
    app.config.pop("CITIZEN_FORM_MIN_SECONDS", None)


def _form(client, slug: str, path: str) -> dict:
    page = client.get(path, headers={"Host": host(slug)})
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    token = re.search(r'name="formulir_token" value="([^"]+)"', page.text).group(1)
    cookie = page.headers["Set-Cookie"]
    assert "Path=/" + path.split("/")[1] in cookie and "HttpOnly" in cookie
    return {"formulir_token": token}


def _request_fields(**extra) -> dict:
    return {"name": PERSONAL[0], "address": PERSONAL[1], "email": PERSONAL[2],
            "phone": PERSONAL[3], "information": "Salinan APBDes 2026 beserta lampirannya",
            "purpose": "Bahan diskusi warga", "obtain": "salinan", "copy_form": "softcopy",
            "delivery": "email", "consent": "y", **extra}


def _submit_request(client, slug: str = "jlodro"):
    fields = {**_form(client, slug, "/ppid/permohonan"), **_request_fields()}
    return client.post("/ppid/permohonan", data=fields, headers={"Host": host(slug)})


def test_a_citizen_files_a_request_and_tracks_it(client, app):
    answer = _submit_request(client)
    assert answer.status_code == 303
    track = answer.headers["Location"]
    assert track.startswith("/ppid/lacak/")
    page = client.get(track, headers={"Host": host("jlodro")})
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["X-Robots-Tag"] == "noindex, nofollow"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert re.search(r"001/PPID/35\.23\.\d\d\.\d{4}/20\d\d", page.text)
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\d">', page.text)
    assert "Permohonan Anda sudah diterima" in page.text
    for value in PERSONAL:  # the tracking page shows the request, not the person
        assert value not in page.text


def test_the_request_is_answered_and_the_citizen_sees_the_answer(client, app):
    track = _submit_request(client).headers["Location"]
    token = track.rsplit("/", 1)[1].split("?")[0]
    with app.app_context():
        from tenants.scoping import tenant_context
        from desa_testing import village

        with tenant_context(village("jlodro").id):
            item = db.session.scalar(select(InformationRequest))
            service.decide(item, item.received_on, None, "dipenuhi",
                           answer="APBDes terlampir.", link="https://jlodro.tubankab.go.id/dokumen")
            db.session.commit()
    page = client.get(f"/ppid/lacak/{token}", headers={"Host": host("jlodro")})
    assert "APBDes terlampir." in page.text and "Dipenuhi" in page.text
    assert "Ajukan keberatan" in page.text  # within 30 working days of the answer
    assert "code=" not in page.text  # the code travels in a hidden field, never in a link
    objection = client.post("/ppid/keberatan", data={
        "formulir_token": _token_in(page), "number": re.search(
            r"001/PPID/[\d.]+/\d{4}", page.text).group(0), "code": token, "grounds": ["d"],
        "reason": "Yang diberikan bukan APBDes 2026."}, headers={"Host": host("jlodro")})
    assert objection.status_code == 303
    tracked = client.get(f"/ppid/lacak/{token}", headers={"Host": host("jlodro")}).text
    assert "/KEBERATAN/" in tracked and "Ajukan keberatan" not in tracked


def test_bad_input_is_refused_politely_and_nothing_is_stored(client, app):
    fields = {**_form(client, "jlodro", "/ppid/permohonan"),
              **_request_fields(name="", email="bukan-surel", phone="", information="x" * 5000)}
    page = client.post("/ppid/permohonan", data=fields, headers={"Host": host("jlodro")})
    assert page.status_code == 400
    assert "Nama wajib diisi." in page.text and "Alamat surel tidak valid." in page.text
    assert 'aria-invalid="true"' in page.text
    with app.app_context(), _system():
        assert db.session.scalars(select(InformationRequest)).all() == []


def test_the_form_guard_refuses_forgeries_robots_and_replays_on_other_villages(client, app):
    h = {"Host": host("jlodro")}
    no_token = client.post("/ppid/permohonan", data=_request_fields(), headers=h)
    assert no_token.status_code == 400 and "Muat ulang" in no_token.text
    fields = {**_form(client, "jlodro", "/ppid/permohonan"), **_request_fields()}
    robot = client.post("/ppid/permohonan", data={**fields, "situs_web": "http://spam"},
                        headers=h)
    assert robot.status_code == 400
    # a token issued by one village is worthless on another
    other = _form(client, "kebonsari", "/ppid/permohonan")
    client.set_cookie("desa_formulir", other["formulir_token"], domain=host("jlodro"),
                      path="/ppid")
    replay = client.post("/ppid/permohonan", data={**_request_fields(), **other}, headers=h)
    assert replay.status_code == 400
    app.config["CITIZEN_FORM_MIN_SECONDS"] = 60
    fields = {**_form(client, "jlodro", "/ppid/permohonan"), **_request_fields()}
    too_fast = client.post("/ppid/permohonan", data=fields, headers=h)
    assert too_fast.status_code == 400 and "terlalu cepat" in too_fast.text
    with app.app_context(), _system():
        assert db.session.scalars(select(InformationRequest)).all() == []


def test_the_form_cookie_never_reaches_other_pages_so_they_stay_cached(client):
    _form(client, "jlodro", "/ppid/permohonan")
    h = {"Host": host("jlodro")}
    cookie = client.get_cookie("desa_formulir", domain=host("jlodro"), path="/ppid")
    assert cookie is not None and cookie.path == "/ppid"
    client.get("/berita", headers=h)
    answer = client.get("/berita", headers=h)
    assert answer.headers.get("X-Cache") == "HIT"
    assert "desa_formulir" not in (answer.request.headers.get("Cookie") or "")
    assert client.get_cookie("session", domain=host("jlodro")) is None


def test_a_tracking_link_of_one_village_is_a_404_on_another(client):
    track = _submit_request(client).headers["Location"]
    assert client.get(track, headers={"Host": host("kebonsari")}).status_code == 404
    assert client.get("/ppid/lacak/" + "x" * 32, headers={"Host": host("jlodro")}).status_code == 404


def test_an_objection_needs_the_number_and_the_code_and_a_ground(client, app):
    track = _submit_request(client).headers["Location"]
    token = track.rsplit("/", 1)[1].split("?")[0]
    with app.app_context(), _system():
        number = db.session.scalar(select(InformationRequest.number))
    h = {"Host": host("jlodro")}
    fields = {**_form(client, "jlodro", "/ppid/keberatan"), "number": number, "code": "salah" * 5,
              "grounds": ["c"]}
    wrong = client.post("/ppid/keberatan", data=fields, headers=h)
    assert wrong.status_code == 400 and "tidak cocok" in wrong.text
    # each answer carries a fresh token (cookie and field) for the next attempt
    fields.update(code=token, formulir_token=_token_in(wrong))
    early = client.post("/ppid/keberatan", data=fields, headers=h)
    assert early.status_code == 400 and "batas waktunya" in early.text
    # from another village the same number and code are unknown
    other = {**_form(client, "kebonsari", "/ppid/keberatan"), "number": number, "code": token,
             "grounds": ["c"]}
    assert client.post("/ppid/keberatan", data=other,
                       headers={"Host": host("kebonsari")}).status_code == 400


def test_complaints_are_tracked_and_only_published_ones_are_listed_without_names(client, app):
    h = {"Host": host("jlodro")}
    fields = {**_form(client, "jlodro", "/pengaduan/kirim"), "category": "infrastruktur",
              "text": "Lampu penerangan jalan di Dusun Krajan mati sejak seminggu.",
              "may_publish": "y", "name": PERSONAL[0], "contact": PERSONAL[3], "consent": "y",
              "latitude": "-6.9", "longitude": "112.05"}
    answer = client.post("/pengaduan/kirim", data=fields, headers=h)
    assert answer.status_code == 303 and answer.headers["Location"].startswith("/pengaduan/lacak/")
    page = client.get(answer.headers["Location"], headers=h)
    assert "001/ADUAN/" in page.text and PERSONAL[0] not in page.text
    assert "Lampu penerangan" not in client.get("/pengaduan", headers=h).text
    with app.app_context(), _system():
        complaint = db.session.scalar(select(Complaint))
        complaint.published, complaint.reply = True, "Sudah diperbaiki."
        db.session.commit()
    listed = client.get("/pengaduan", headers=h).text
    assert "Lampu penerangan" in listed and "Sudah diperbaiki." in listed
    for value in PERSONAL:
        assert value not in listed
    bad = {**_form(client, "jlodro", "/pengaduan/kirim"), "category": "infrastruktur",
           "text": "x", "latitude": "inf", "longitude": "1e999"}
    assert client.post("/pengaduan/kirim", data=bad, headers=h).status_code == 400


def test_the_desk_page_and_the_report_show_no_personal_data(client):
    _submit_request(client)
    h = {"Host": host("jlodro")}
    desk = client.get("/ppid", headers=h)
    assert desk.status_code == 200 and "10 hari kerja" in desk.text
    assert 'href="/ppid/permohonan"' in desk.text
    report = client.get("/ppid/laporan", headers=h)
    assert report.status_code == 200
    assert re.search(r"Permohonan diterima</th><td class=\"num\">1<", report.text)
    for value in PERSONAL:
        assert value not in report.text
    assert client.get("/ppid/laporan?tahun=99999", headers=h).status_code == 404


def _token_in(page) -> str:
    return re.search(r'name="formulir_token" value="([^"]+)"', page.text).group(1)


def _system():
    from tenants.scoping import system_scope

    return system_scope()


def test_personal_data_reaches_no_search_feed_api_or_sitemap(client):
    _submit_request(client)
    h = {"Host": host("jlodro")}
    for path in ("/cari?q=Aminah", "/cari?q=Krajan", "/feed.xml", "/sitemap.xml", "/api/v1/posts",
                 "/api/v1/announcements", "/api/v1/documents", "/"):
        answer = client.get(path, headers=h)
        assert answer.status_code == 200, path
        for value in PERSONAL:
            assert value not in answer.text, (path, value)
    assert "/ppid/lacak/" not in client.get("/sitemap.xml", headers=h).text


def test_the_desk_speaks_english(client):
    h = {"Host": host("jlodro")}
    page = client.get("/ppid/permohonan?lang=en", headers=h)
    assert "Public information request" in page.text and "Full name" in page.text
    assert "Collected in person" in page.text  # select options are translated too
    desk = client.get("/ppid?lang=en", headers=h)
    assert "Public information service" in desk.text and "10 working days" in desk.text


def test_the_regency_report_sums_the_villages_without_personal_data(client, app):
    _submit_request(client, "jlodro")
    _submit_request(client, "jlodro")
    _submit_request(client, "kebonsari")
    page = client.get("/ppid/laporan", headers={"Host": "tubankab.go.id"})
    assert page.status_code == 200
    assert re.search(r"Permohonan diterima</dt><dd>3<", page.text)
    assert re.search(r"Desa yang menerima permohonan</dt><dd>2 / 328<", page.text)
    for value in PERSONAL:
        assert value not in page.text
    # the Kenduruan row (Jlodro's kecamatan) counts Jlodro's two
    assert re.search(r"<th scope=\"row\">Kenduruan</th><td class=\"num\">2<", page.text)


def test_filings_are_limited_per_address_and_per_village(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "CITIZEN_FORM_LIMITS_ADDRESS", "2 per hour")
    monkeypatch.setitem(app.config, "CITIZEN_FORM_LIMITS_VILLAGE", "3 per hour")
    h = {"Host": host("jlodro")}
    assert [_submit_request(client).status_code for _ in range(2)] == [303, 303]
    third = {**_form(client, "jlodro", "/ppid/permohonan"), **_request_fields()}
    refused = client.post("/ppid/permohonan", data=third, headers=h)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "Terlalu banyak pengajuan" in refused.text
    # another address may still file, until the village's own ceiling
    other = {**_form(client, "jlodro", "/ppid/permohonan"), **_request_fields()}
    elsewhere = client.post("/ppid/permohonan", data=other, headers=h,
                            environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert elsewhere.status_code == 303
    flood = {**_form(client, "jlodro", "/ppid/permohonan"), **_request_fields()}
    assert client.post("/ppid/permohonan", data=flood, headers=h,
                       environ_base={"REMOTE_ADDR": "10.9.9.9"}).status_code == 429
    # another village is counted on its own
    assert _submit_request(client, "kebonsari").status_code == 303
    with app.app_context(), _system():
        assert db.session.query(InformationRequest).count() == 4


def test_a_used_form_token_is_forgotten(client):
    answer = _submit_request(client)
    assert answer.status_code == 303
    assert "desa_formulir=;" in answer.headers["Set-Cookie"]
