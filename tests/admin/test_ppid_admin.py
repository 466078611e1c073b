"""The PPID desk in the admin: registers, the steps of a request, objections, complaints,
personal data behind an audited look, the regency console and its calendar, e-mail."""
from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditLog
from app.models.ppid import Complaint, InformationRequest
from app.ppid import service
from desa_testing import VillageClient, village
from tenants.scoping import system_scope, tenant_context

from cms_testing import login

CODE = "35.23.01.2001"
NAME, EMAIL = "Siti Aminah Rahayu", "siti.aminah@example.id"


def _request(app, slug="jlodro", received=None, **extra):
    with app.app_context(), tenant_context(village(slug).id):
        received = received or service.today_in_jakarta()
        item = service.submit_request(CODE, received, information="Salinan APBDes",
                                      purpose="Diskusi warga", obtain="salinan",
                                      copy_form="softcopy", delivery="email", name=NAME,
                                      address="Dusun Krajan", email=EMAIL, phone="0812",
                                      **extra).item
        db.session.commit()
        return item.id, item.number


def _audits(app, action):
    with app.app_context():
        return db.session.scalars(select(AuditLog.target).where(AuditLog.action == action)).all()


def test_the_ppid_officer_works_a_request_through_its_steps(app, logged_in):
    ident, number = _request(app)
    ppid = logged_in("ppid")
    register = ppid.get("/admin/ppid").get_data(as_text=True)
    assert number in register and NAME not in register
    page = ppid.get(f"/admin/ppid/{ident}")
    assert page.headers["Cache-Control"] == "no-store"
    assert NAME not in page.get_data(as_text=True)

    shown = ppid.post(f"/admin/ppid/{ident}/data-pemohon").get_data(as_text=True)
    assert NAME in shown and EMAIL in shown
    assert _audits(app, "ppid.personal_data.view") == [number]

    assert ppid.post(f"/admin/ppid/{ident}/proses", data={"note": "Dicari di arsip"}
                     ).status_code == 302
    extended = ppid.post(f"/admin/ppid/{ident}/perpanjang",
                         data={"reason": "Arsip di kantor kecamatan", "days": "7"},
                         follow_redirects=True).get_data(as_text=True)
    assert "Batas waktu diperpanjang." in extended
    again = ppid.post(f"/admin/ppid/{ident}/perpanjang", data={"reason": "Lagi", "days": "3"},
                      follow_redirects=True).get_data(as_text=True)
    assert "hanya dapat diberikan satu kali" in again
    too_long = ppid.post(f"/admin/ppid/{ident}/perpanjang", data={"reason": "x", "days": "8"})
    assert too_long.status_code == 400

    refused = ppid.post(f"/admin/ppid/{ident}/putuskan",
                        data={"outcome": "ditolak", "answer": "Tidak boleh", "exemption": ""},
                        follow_redirects=True).get_data(as_text=True)
    assert "Pasal 17" in refused
    foreign_doc = ppid.post(f"/admin/ppid/{ident}/putuskan",
                            data={"outcome": "dipenuhi", "document_id": "999999"})
    assert foreign_doc.status_code == 400
    ppid.post(f"/admin/ppid/{ident}/putuskan",
              data={"outcome": "dipenuhi", "answer": "APBDes terlampir.", "exemption": ""})
    with app.app_context(), tenant_context(village("jlodro").id):
        item = db.session.get(InformationRequest, ident)
        assert item.status == "dipenuhi" and item.extended_on is not None
        assert [e.kind for e in item.events] == ["diterima", "diproses", "diperpanjang",
                                                 "dipenuhi"]
    assert set(_audits(app, "ppid.decide")) == {number}


def test_personal_data_is_for_the_ppid_officer_only(app, logged_in):
    ident, _ = _request(app)
    for role in ("admin", "redaksi", "kontributor"):
        vc = logged_in(role)
        assert vc.post(f"/admin/ppid/{ident}/data-pemohon").status_code == 403, role
    admin = logged_in("admin", email="admin2@jlodro.desa")
    assert admin.get(f"/admin/ppid/{ident}").status_code == 200  # the register, no names
    assert logged_in("redaksi", email="r2@jlodro.desa").get("/admin/ppid").status_code == 403
    csv_admin = admin.get("/admin/ppid/register.csv").get_data(as_text=True)
    assert "Nama pemohon" not in csv_admin and NAME not in csv_admin


def test_the_register_csv_has_the_personal_columns_for_the_officer_and_is_audited(app,
                                                                                   logged_in):
    _request(app)
    with app.app_context(), tenant_context(village("jlodro").id):
        service.submit_request(CODE, service.today_in_jakarta(), information="=HYPERLINK(x)",
                               purpose="p", obtain="salinan", copy_form="softcopy",
                               delivery="email", name="@warga", address="a", email="", phone="")
        db.session.commit()
    answer = logged_in("ppid").get("/admin/ppid/register.csv")
    text = answer.get_data(as_text=True)
    assert answer.mimetype == "text/csv" and answer.headers["Cache-Control"] == "no-store"
    assert "Nama pemohon" in text and NAME in text
    assert "'=HYPERLINK(x)" in text and "'@warga" in text  # never a formula
    assert _audits(app, "ppid.personal_data.export")


def test_the_atasan_answers_the_objection_not_the_officer(app, logged_in):
    ident, _ = _request(app, received=date(2026, 11, 2))
    with app.app_context(), tenant_context(village("jlodro").id):
        item = db.session.get(InformationRequest, ident)
        objection = service.file_objection(item, CODE, date(2026, 11, 20), ["c"], "Tak dijawab")
        db.session.commit()
        oid = objection.id
    ppid = logged_in("ppid")
    assert ppid.post(f"/admin/ppid/keberatan/{oid}/jawab",
                     data={"outcome": "dikabulkan", "answer": "x"}).status_code == 403
    admin = logged_in("admin")
    assert admin.post(f"/admin/ppid/keberatan/{oid}/jawab",
                      data={"outcome": "dikabulkan", "answer": " "}).status_code == 400
    admin.post(f"/admin/ppid/keberatan/{oid}/jawab",
               data={"outcome": "dikabulkan", "answer": "PPID diminta memberikan informasi"})
    with app.app_context(), tenant_context(village("jlodro").id):
        item = db.session.get(InformationRequest, ident)
        assert item.objections[0].status == "dikabulkan"


def test_another_villages_requests_are_404(app, logged_in):
    ident, _ = _request(app, slug="kebonsari")
    ppid = logged_in("ppid")
    for path in (f"/admin/ppid/{ident}", ):
        assert ppid.get(path).status_code == 404
    assert ppid.post(f"/admin/ppid/{ident}/data-pemohon").status_code == 404
    assert "kebonsari" not in ppid.get("/admin/ppid/register.csv").get_data(as_text=True)


def test_the_admin_home_opens_with_open_requests_and_their_due_dates(app, logged_in):
    ident, number = _request(app)
    home = logged_in("ppid").get("/admin/").get_data(as_text=True)
    assert number in home and re.search(r'<time datetime="\d{4}-\d\d-\d\d">', home)
    assert "hari kerja lagi" in home
    assert number not in logged_in("redaksi").get("/admin/").get_data(as_text=True)


def test_complaints_are_answered_and_published_only_with_consent(app, logged_in):
    with app.app_context(), tenant_context(village("jlodro").id):
        today = service.today_in_jakarta()
        allowed = service.submit_complaint(CODE, today, category="lainnya", text="Lampu mati",
                                           may_publish=True, name=NAME, contact=EMAIL).item.id
        private = service.submit_complaint(CODE, today, category="lainnya", text="Rahasia",
                                           may_publish=False, name=NAME, contact=EMAIL).item.id
        db.session.commit()
    vc = logged_in("redaksi")
    page = vc.get(f"/admin/pengaduan/{allowed}").get_data(as_text=True)
    assert NAME not in page
    assert vc.post(f"/admin/pengaduan/{allowed}/data-pelapor").status_code == 403
    vc.post(f"/admin/pengaduan/{allowed}", data={"status": "selesai", "reply": "Sudah diganti.",
                                                 "published": "y"})
    assert vc.post(f"/admin/pengaduan/{private}", data={"status": "diproses", "reply": "",
                                                        "published": "y"}).status_code == 400
    with app.app_context(), tenant_context(village("jlodro").id):
        done = db.session.get(Complaint, allowed)
        assert (done.status, done.published, done.closed_on) == ("selesai", True, today)
        assert db.session.get(Complaint, private).published is False
    admin = logged_in("admin")
    assert NAME in admin.post(f"/admin/pengaduan/{allowed}/data-pelapor").get_data(as_text=True)
    assert _audits(app, "complaint.personal_data.view")


@pytest.fixture()
def console(app, make_user):
    from cms_testing import totp_now
    import pyotp

    secret = pyotp.random_base32()
    make_user("diskominfo@tubankab.go.id", superadmin=True, totp=secret)
    client = VillageClient(app.test_client(), "x")
    client.host = "tubankab.go.id"
    response = login(client, "diskominfo@tubankab.go.id")
    if response.status_code == 302 and "totp" in response.headers.get("Location", ""):
        client.post(response.headers["Location"], data={"code": totp_now(secret)})
    return client


def test_the_regency_sees_every_open_request_overdue_first(app, console):
    _request(app, slug="jlodro", received=date(2026, 1, 5))  # long overdue
    _, recent = _request(app, slug="kebonsari")
    page = console.get("/admin/ppid").get_data(as_text=True)
    assert page.index("Jlodro") < page.index("Kebonsari")
    assert "lewat" in page and NAME not in page
    with app.app_context(), system_scope():
        from tenants.models import Tenant

        kecamatan = db.session.scalar(select(Tenant.kecamatan_name)
                                      .where(Tenant.slug == "kebonsari"))
    filtered = console.get(f"/admin/ppid?kecamatan={kecamatan}").get_data(as_text=True)
    assert recent in filtered and "Jlodro" not in filtered


def test_the_superadmin_edits_the_calendar_and_deadlines_follow(app, console):
    try:
        answer = console.post("/admin/hari-libur?tahun=2027", data={
            "action": "add", "day": "2027-01-01", "name": "Tahun Baru 2027", "kind": "libur_nasional"})
        assert answer.status_code == 302
        with app.app_context():
            assert not service.working_calendar().is_working_day(date(2027, 1, 1))
        bad = console.post("/admin/hari-libur?tahun=2027", data={
            "action": "add", "day": "2026-05-01", "name": "X", "kind": "libur_nasional"})
        assert bad.status_code == 400 and "tahun 2027" in bad.get_data(as_text=True)
        console.post("/admin/hari-libur?tahun=2027", data={"action": "remove",
                                                             "day": "2027-01-01"})
        with app.app_context():
            assert service.working_calendar().is_working_day(date(2027, 1, 1))
        assert _audits(app, "calendar.add_day") == ["2027-01-01"]
        assert _audits(app, "calendar.remove_day") == ["2027-01-01"]
    finally:
        with app.app_context():
            from app.calendar.service import store

            store([], "", 2027)
            db.session.commit()


def test_village_roles_never_reach_the_regency_pages(app, logged_in):
    vc = logged_in("ppid")
    portal = VillageClient(vc.client, "x")
    portal.host = "tubankab.go.id"
    for path in ("/admin/ppid", "/admin/hari-libur"):
        assert portal.get(path).status_code in (302, 403)


def test_the_village_names_its_ppid_and_atasan_in_the_settings(app, logged_in):
    from app.models import Official

    def official(slug, name, position):
        with app.app_context(), tenant_context(village(slug).id):
            row = Official(name=name, position=position)
            db.session.add(row)
            db.session.commit()
            return row.id

    secretary = official("jlodro", "Siti Sekdes", "Sekretaris Desa")
    chosen = official("jlodro", "Budi Kasi Pelayanan", "Kasi Pelayanan")
    head = official("jlodro", "Sutrisno", "Kepala Desa")
    foreign = official("kebonsari", "Orang Lain", "Sekretaris Desa")
    vc = logged_in("admin")
    public = VillageClient(app.test_client(), "jlodro")
    page = public.get("/ppid").get_data(as_text=True)
    assert "Siti Sekdes" in page and "Sutrisno" in page  # found by position by default
    refused = vc.post("/admin/settings", data={"theme": "default",
                                               "ppid_official_id": str(foreign)})
    assert refused.status_code == 400 and "daftar perangkat desa ini" in \
        refused.get_data(as_text=True)
    saved = vc.post("/admin/settings", data={"theme": "default", "ppid_official_id": str(chosen),
                                             "ppid_superior_id": str(head)})
    assert saved.status_code == 302
    page = public.get("/ppid").get_data(as_text=True)
    assert "Budi Kasi Pelayanan" in page and "Siti Sekdes" not in page
    assert secretary
