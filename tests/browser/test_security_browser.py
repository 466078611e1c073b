"""The Content-Security-Policy in a real browser: the public pages and the admin work
under it with no violation, it blocks injected inline script, and the map shows the
village's name as text."""
from __future__ import annotations

import pytest
from sqlalchemy import update

from app.extensions import db
from app.models import Membership, User
from desa_testing import village
from tenants.models import Tenant
from tenants.resolver import get_resolver
from tenants.scoping import system_scope, tenant_context

PASSWORD = "Operator-Csp-2026"
# Collects what the policy blocked, from before the page's first script runs.
WATCH_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__violations.push(e.violatedDirective + " " + e.blockedURI));
"""
PUBLIC_PAGES = ["/", "/berita", "/peta", "/transparansi", "/galeri", "/cari?q=desa"]
ADMIN_PAGES = ["/admin/", "/admin/c/post/new", "/admin/media", "/admin/settings",
               "/admin/users"]


@pytest.fixture()
def seeded_jlodro(app):
    from app.demo import seed_village

    with app.app_context():
        seed_village(village("jlodro"))


@pytest.fixture()
def operator(app, monkeypatch, seeded_jlodro):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    with app.app_context():
        user = User(email="csp@jlodro.id", name="Operator CSP")
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
        with tenant_context(village("jlodro").id):
            db.session.add(Membership(user_id=user.id, role="admin"))
            db.session.commit()
    return "csp@jlodro.id"


def _watched_page(context):
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda m: console.append(f"{m.text} {m.location.get('url', '')}")
            if m.type == "error" else None)
    page.on("pageerror", lambda e: console.append(str(e)))
    page.add_init_script(WATCH_VIOLATIONS)
    return page, console


def _problems(page, console, label) -> list[str]:
    # the admin has no icon: Chromium's request for /favicon.ico is no page's error
    found = [f"{label}: console {text}" for text in console if "/favicon.ico" not in text]
    found += [f"{label}: blocked {v}" for v in page.evaluate("window.__violations")]
    return found


def test_public_and_admin_pages_work_under_the_policy(browser, live_server, operator):
    port = live_server.split(":")[1]
    base = f"http://jlodro.localhost:{port}"
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    problems: list[str] = []
    try:
        page, console = _watched_page(context)
        for path in PUBLIC_PAGES:
            console.clear()
            response = page.goto(base + path, wait_until="load")
            assert "script-src 'self'" in response.headers["content-security-policy"]
            problems += _problems(page, console, path)
        page.goto(base + "/")
        assert page.evaluate("document.querySelector('details.nav-toggle').open")  # nav.js ran
        page.goto(base + "/peta")
        page.locator(".leaflet-container path.leaflet-interactive").wait_for()  # Leaflet ran

        console.clear()
        page.goto(f"{base}/admin/login")
        page.fill("input[name=email]", operator)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit], form button")
        page.wait_for_url(f"{base}/admin/**")
        problems += _problems(page, console, "login")
        for path in ADMIN_PAGES:
            console.clear()
            response = page.goto(base + path, wait_until="load")
            assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
            problems += _problems(page, console, path)
        # admin.js works: the editor's toolbar writes Markdown
        page.goto(f"{base}/admin/c/post/new")
        page.click("button[data-md=bold]")
        assert "**" in page.locator("textarea[name=body_md]").input_value()
        problems += _problems(page, console, "editor")
    finally:
        context.close()
    assert not problems, "\n".join(problems)


def test_the_policy_blocks_injected_inline_script(browser, live_server, seeded_jlodro):
    context = browser.new_context()
    try:
        page, _console = _watched_page(context)
        page.goto(f"http://jlodro.{live_server}/", wait_until="load")
        page.evaluate("""() => {
            document.body.insertAdjacentHTML("beforeend",
              '<img src="/tidak-ada.png" onerror="window.__fired = 1">');
            const s = document.createElement("script");
            s.textContent = "window.__ran = 1";
            document.body.appendChild(s);
        }""")
        page.wait_for_function("window.__violations.length >= 2")
        assert page.evaluate("window.__fired === undefined && window.__ran === undefined")
    finally:
        context.close()


def test_the_map_popup_shows_the_village_name_as_text(app, browser, live_server,
                                                      seeded_jlodro):
    name = 'Jlodro <img src=x onerror="window.__xss = 1">'
    with app.app_context(), system_scope():
        db.session.execute(update(Tenant).where(Tenant.slug == "jlodro").values(name=name))
        db.session.commit()
        get_resolver(app).invalidate()
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        page.goto(f"http://jlodro.{live_server}/peta", wait_until="load")
        page.locator(".leaflet-container path.leaflet-interactive").click()
        popup = page.locator(".leaflet-popup-content")
        popup.wait_for()
        assert name in popup.inner_text()
        assert popup.locator("img").count() == 0
        assert page.evaluate("window.__xss") is None
    finally:
        context.close()
