"""The editor refuses Markdown beyond the renderer's limits, with a message, and
stores nothing; the preview says the same."""
from __future__ import annotations

import time

from sqlalchemy import select

from app.extensions import db
from app.models import Page
from desa_testing import village
from tenants.scoping import tenant_context


def test_preview_of_a_pathological_source_is_quick_and_explained(logged_in):
    vc = logged_in("kontributor")
    start = time.process_time()
    r = vc.post("/admin/preview", data={"text": "<div>" * 20_000})
    assert time.process_time() - start < 1.0
    assert r.status_code == 400
    assert "bersarang terlalu dalam" in r.get_json()["error"]
    assert "bersarang terlalu dalam" in r.get_json()["html"]
    start = time.process_time()
    r = vc.post("/admin/preview", data={"text": "[" * 50_000})  # accepted, and quick
    assert r.status_code == 200 and time.process_time() - start < 1.0


def test_preview_takes_json_with_a_lone_surrogate(logged_in):
    vc = logged_in("kontributor")
    r = vc.post("/admin/preview", json={"text": "a\ud800b **c**"})
    assert r.status_code == 200 and "<strong>c</strong>" in r.get_json()["html"]


def test_saving_a_source_beyond_the_limits_is_refused_and_nothing_is_stored(app, logged_in):
    vc = logged_in("admin")
    r = vc.post("/admin/c/page/new", data={"title": "Panjang", "body_md": "a" * 100_001,
                                           "section": "profil"})
    assert r.status_code == 400
    assert "Isi: terlalu panjang: paling banyak 100.000 karakter" in r.get_data(as_text=True)
    with app.app_context(), tenant_context(village("jlodro").id):
        assert db.session.scalar(select(Page).where(Page.title == "Panjang")) is None


def test_content_render_leaves_a_body_beyond_the_limits_as_stored(app):
    """A body stored before the limits (the previous renderer took any length) keeps
    its HTML: re-rendering it as plain text would spoil a published article."""
    from sqlalchemy import update

    with app.app_context(), tenant_context(village("jlodro").id):
        page = Page(slug="perdes", title="Perdes", body_md="ok", section="profil")
        db.session.add(page)
        db.session.commit()
        db.session.execute(update(Page).where(Page.id == page.id).values(
            body_md="**a** " * 20_000, body_html="<p><strong>a</strong></p>"))
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["content", "render", "--village", "jlodro"])
    assert result.exit_code == 0, result.output
    assert "1 isi melampaui batas Markdown" in result.output
    with app.app_context(), tenant_context(village("jlodro").id):
        assert db.session.scalar(select(Page.body_html).where(Page.slug == "perdes")) \
            == "<p><strong>a</strong></p>"
