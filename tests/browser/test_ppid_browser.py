"""The PPID desk in a real browser: a citizen files a request on a phone, gets the
number and the private link; the village's PPID officer answers in the admin; the
citizen opens the link again and reads the answer. CSRF and the form guard are on."""
from __future__ import annotations

import re

import pytest

from app.extensions import db
from app.models import Membership, User
from desa_testing import village
from tenants.scoping import tenant_context

from .conftest import AXE

PASSWORD = "Petugas-PPID-2026"


@pytest.fixture()
def officer(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    monkeypatch.setitem(app.config, "CITIZEN_FORM_MIN_SECONDS", 0)
    with app.app_context():
        user = User(email="sekdes@jlodro.id", name="Sekretaris Desa")
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
        with tenant_context(village("jlodro").id):
            db.session.add(Membership(user_id=user.id, role="ppid"))
            db.session.commit()
    return "sekdes@jlodro.id"


def _serious_axe(page) -> list[str]:
    page.evaluate(AXE.read_text())
    return page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".filter(v => ['serious', 'critical'].includes(v.impact)).map(v => v.id)")


def test_a_citizen_files_the_officer_answers_the_citizen_reads(browser, live_server, officer,
                                                              shots_dir):
    port = live_server.split(":")[1]
    base = f"http://jlodro.localhost:{port}"
    citizen = browser.new_context(viewport={"width": 360, "height": 800})
    page = citizen.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{base}/ppid")
    page.click("a[href='/ppid/permohonan']")
    page.fill("#name", "Siti Aminah")
    page.fill("#address", "Dusun Krajan RT 01 RW 02")
    page.fill("#email", "siti@example.id")
    page.fill("#information", "Salinan APBDes 2026 dan laporan realisasinya")
    page.fill("#purpose", "Bahan musyawarah warga")
    page.check("#consent")
    page.click("form.citizen-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/ppid/lacak/.+"))
    text = page.content()
    number = re.search(r"\d{3}/PPID/[\d.]+/\d{4}", text).group(0)
    assert "Permohonan Anda sudah diterima" in text
    assert page.locator("time[datetime]").count() >= 2
    assert not _serious_axe(page)
    page.screenshot(path=str(shots_dir / "ppid-phone-tracking.png"), full_page=True)
    tracking = page.url.split("?")[0]

    desk = browser.new_context(viewport={"width": 1280, "height": 800})
    admin = desk.new_page()
    admin.goto(f"{base}/admin/login")
    admin.fill("input[name=email]", officer)
    admin.fill("input[name=password]", PASSWORD)
    admin.click("button[type=submit], form button")
    admin.wait_for_url(f"{base}/admin/**")
    assert number in admin.content()  # the admin home opens with the open request
    admin.click(f"text={number}")
    admin.select_option("select[name=outcome]", "dipenuhi")
    admin.fill("textarea[name=answer]", "APBDes 2026 terlampir di menu Dokumen.")
    admin.click("form[action$='/putuskan'] button")
    admin.wait_for_load_state()
    assert "Keputusan disimpan" in admin.content()
    admin.screenshot(path=str(shots_dir / "ppid-admin-request.png"), full_page=True)

    page.goto(tracking)
    answer = page.content()
    assert "APBDes 2026 terlampir di menu Dokumen." in answer and "Dipenuhi" in answer
    assert "Siti Aminah" not in answer
    page.screenshot(path=str(shots_dir / "ppid-phone-answered.png"), full_page=True)
    assert not errors
    citizen.close()
    desk.close()
