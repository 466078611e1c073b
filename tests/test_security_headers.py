"""Security headers on every kind of response, and templates the policy can allow."""
from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from app.extensions import db
from desa_testing import page_cache_off

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_DIRS = [ROOT / "themes", ROOT / "app"]


def directives(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.partition(" ")[2] for part in policy.split("; ")}


@pytest.mark.parametrize("host,path", [
    ("jlodro.tubankab.go.id", "/"),
    ("jlodro.tubankab.go.id", "/berita"),
    ("jlodro.tubankab.go.id", "/tidak-ada"),          # an error page
    ("jlodro.tubankab.go.id", "/api/v1/posts"),
    ("jlodro.tubankab.go.id", "/sitemap.xml"),
    ("jlodro.tubankab.go.id", "/_tema/default/css/site.css"),
    ("tubankab.go.id", "/"),
    ("tubankab.go.id", "/api/v1/desa"),
    ("nowhere.tubankab.go.id", "/"),                  # an unknown village
])
def test_every_response_carries_the_headers(client, host, path):
    response = client.get(path, headers={"Host": host})
    csp = directives(response)
    assert csp["default-src"] == "'self'"
    assert csp["script-src"] == "'self'"                     # no inline script, no eval
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert csp["object-src"] == "'none'" and csp["base-uri"] == "'self'"
    assert csp["frame-ancestors"] == "'self'"
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert "geolocation=()" in response.headers["Permissions-Policy"]
    assert "Strict-Transport-Security" not in response.headers  # development


@pytest.mark.parametrize("host,path", [
    ("jlodro.tubankab.go.id", "/admin/login"),
    ("jlodro.tubankab.go.id", "/admin/"),
    ("jlodro.tubankab.go.id", "/admin/no-such-page"),
    ("tubankab.go.id", "/admin/login"),
])
def test_the_admin_can_never_be_framed(client, host, path):
    response = client.get(path, headers={"Host": host})
    assert directives(response)["frame-ancestors"] == "'none'"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_cached_page_keeps_its_headers(client):
    first = client.get("/", headers={"Host": "jlodro.tubankab.go.id"})
    again = client.get("/", headers={"Host": "jlodro.tubankab.go.id"})
    assert again.headers.get("X-Cache") == "HIT"
    for name in ("Content-Security-Policy", "X-Frame-Options", "Referrer-Policy",
                 "Permissions-Policy", "X-Content-Type-Options"):
        assert again.headers[name] == first.headers[name]


def test_hsts_in_production(app, client):
    app.config["DESA_ENV"] = "production"
    try:
        response = client.get("/api/v1/desa", headers={"Host": "jlodro.tubankab.go.id"})
    finally:
        app.config["DESA_ENV"] = "development"
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_the_village_colour_is_allowed_by_its_hash_only(app, client, as_village):
    from app.models import SiteSettings

    with as_village("jlodro"):
        db.session.add(SiteSettings(primary_color="#12ab34"))
        db.session.commit()
    with page_cache_off(app):
        response = client.get("/", headers={"Host": "jlodro.tubankab.go.id"})
    styles = re.findall(r"<style>(.*?)</style>", response.get_data(as_text=True), re.S)
    assert styles == [":root{--primary:#12ab34}"]
    digest = base64.b64encode(hashlib.sha256(styles[0].encode()).digest()).decode()
    assert directives(response)["style-src"] == f"'self' 'sha256-{digest}'"
    with as_village("jlodro"):
        assert db.session.scalar(select(SiteSettings.primary_color)) == "#12ab34"


def test_the_map_tile_server_is_the_only_other_picture_origin(app, client):
    app.config["MAP_TILE_URL"] = "https://{s}.tile.example.org/{z}/{x}/{y}.png"
    try:
        response = client.get("/api/v1/desa", headers={"Host": "jlodro.tubankab.go.id"})
    finally:
        app.config["MAP_TILE_URL"] = ""
    assert directives(response)["img-src"] == "'self' data: https://*.tile.example.org"


def _templates():
    for folder in TEMPLATE_DIRS:
        yield from (p for p in folder.rglob("*.html") if "node_modules" not in p.parts)


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I)
SCRIPT_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.I)


def test_no_template_has_inline_script_or_event_handlers():
    found = []
    for path in _templates():
        text = path.read_text()
        for pattern in (INLINE_SCRIPT, EVENT_HANDLER, SCRIPT_URL):
            found += [f"{path.relative_to(ROOT)}: {m.group(0)[:80]}"
                      for m in pattern.finditer(text)]
    assert not found, "\n".join(found)
