"""An operator, in a real browser: logs in, uploads a photo, writes a post in Markdown
with that image from the media library, previews it, publishes, and finds it on the
village's public site — at phone size and at desktop size, with CSRF switched on."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from app.extensions import db
from app.models import Membership, User
from desa_testing import village
from tenants.scoping import tenant_context

PASSWORD = "Operator-Browser-2026"


@pytest.fixture()
def operator(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    with app.app_context():
        user = User(email="op@jlodro.id", name="Operator Jlodro")
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
        with tenant_context(village("jlodro").id):
            db.session.add(Membership(user_id=user.id, role="admin"))
            db.session.commit()
    return "op@jlodro.id"


@pytest.mark.parametrize("size", [(360, 800), (1280, 800)], ids=["phone", "desktop"])
def test_operator_writes_and_publishes_a_post_with_an_image(
        browser, live_server, operator, tmp_path, shots_dir, size):
    port = live_server.split(":")[1]
    base = f"http://jlodro.localhost:{port}"
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    page.goto(f"{base}/admin/login")
    page.fill("input[name=email]", operator)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit], form button")
    page.wait_for_url(f"{base}/admin/**")

    photo = tmp_path / "balai-desa.png"
    Image.new("RGB", (900, 600), (30, 120, 70)).save(photo)
    page.goto(f"{base}/admin/media")
    page.set_input_files("input[name=file]", str(photo))
    page.fill("input[name=alt]", "Balai desa")
    page.click("form[enctype] button")
    page.wait_for_load_state()
    assert "Berkas diunggah" in page.content()

    page.goto(f"{base}/admin/c/post/new")
    title = f"Peresmian balai desa {size[0]}"
    page.fill("input[name=title]", title)
    textarea = page.locator("textarea[name=body_md]")
    textarea.fill("Warga **bergotong royong** meresmikan balai desa.\n\n")
    textarea.press("End")
    page.click("button[data-md=media]")
    page.locator(".media-picker button").first.click()
    assert "![Balai desa](/media/" in textarea.input_value()
    page.click("button[data-md=preview]")
    preview = page.locator(".preview")
    preview.locator("strong").wait_for()
    assert preview.locator("strong").inner_text() == "bergotong royong"
    assert preview.locator("img").count() == 1
    # no horizontal scrolling on the editor either
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.screenshot(path=str(shots_dir / f"operator-editor-{size[0]}.png"), full_page=True)
    page.select_option("select[name=status]", "published")
    page.click("button.primary")
    page.wait_for_load_state()
    assert "tersimpan" in page.content()

    public = context.new_page()
    public.goto(f"{base}/berita")
    public.click(f"text={title}")
    public.wait_for_load_state()
    assert public.locator("h1").first.inner_text() == title
    image = public.locator("article img[alt='Balai desa']").first
    image.scroll_into_view_if_needed()
    assert public.evaluate("(img) => img.complete && img.naturalWidth > 0", image.element_handle())
    public.screenshot(path=str(shots_dir / f"operator-published-{size[0]}.png"), full_page=True)
    assert errors == []
    context.close()
