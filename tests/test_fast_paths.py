"""The fast paths (``app.fastpaths``, switch ``FAST_PATHS``) change how fast a page is
made, never what it says: every public page of a demo village, and of the portal, is
the same with the switch on and off, in both languages."""
from __future__ import annotations

import re
from datetime import date

import pytest

from app import create_app
from app.extensions import db
from desa_testing import page_cache_off

VILLAGE = "jlodro.tubankab.go.id"
PORTAL = "tubankab.go.id"
#: Pages no link leads to (feeds, machine-readable files, search, archive, the API).
START = {
    VILLAGE: ["/", "/feed.xml", "/sitemap.xml", "/robots.txt", "/.well-known/desa.json",
              "/cari?q=desa", "/cari?q=posyandu&jenis=pengumuman",
              f"/berita/arsip/{date.today().year}/{date.today().month}",
              f"/transparansi/apbdes-{date.today().year}.csv", "/api/v1/desa", "/api/v1/posts",
              "/api/v1/announcements", "/api/v1/agenda", "/api/v1/documents", "/api/v1/apbdes"],
    PORTAL: ["/", "/berita", "/feed.xml", "/sitemap.xml", "/robots.txt", "/?q=sumurgung",
             "/api/v1/desa"],
}
LINK = re.compile(r'href="(/[^"#]*)"')
SKIP = ("/media/", "/_tema/", "/admin", "/masuk", "/login")
#: A form's one-time token differs at every render, whatever the switch.
TOKEN = re.compile(rb'(name="[^"]*token[^"]*" value=")[^"]*"')


@pytest.fixture()
def seeded(app):
    from app.demo import seed_village
    from desa_testing import village

    with app.app_context():
        seed_village(village("jlodro"))
        db.session.remove()


@pytest.fixture()
def plain_app(app):
    """A second app on the same database with the fast paths off."""
    plain = create_app({**{k: app.config[k] for k in ("TESTING", "SQLALCHEMY_DATABASE_URI",
                                                      "MEDIA_ROOT", "WTF_CSRF_ENABLED")},
                        "FAST_PATHS": False, "PAGE_CACHE": False})
    yield plain
    with plain.app_context():
        db.session.remove()
        db.engine.dispose()


def _crawl(client, host: str, language: str) -> dict[str, bytes]:
    """Every page reachable from ``START`` by the site's own links."""
    client.set_cookie("lang", language, domain=host)
    seen: dict[str, bytes] = {}
    todo = list(START[host])
    while todo:
        path = todo.pop()
        if path in seen or path.startswith(SKIP):
            continue
        response = client.get(path, headers={"Host": host})
        assert response.status_code == 200, (host, path, response.status_code)
        seen[path] = TOKEN.sub(rb'\1"', response.get_data())
        if response.mimetype == "text/html":
            todo += [link.replace("&amp;", "&") for link in LINK.findall(response.text)]
    return seen


@pytest.mark.parametrize("host", [VILLAGE, PORTAL])
@pytest.mark.parametrize("language", ["id", "en"])
def test_every_public_page_is_the_same_with_and_without_fast_paths(app, plain_app, seeded,
                                                                   host, language):
    assert app.config["FAST_PATHS"] and not plain_app.config["FAST_PATHS"]
    with page_cache_off(app):
        fast = _crawl(app.test_client(), host, language)
    plain = _crawl(plain_app.test_client(), host, language)
    assert len(fast) >= (30 if host == VILLAGE else 7), sorted(fast)
    assert sorted(plain) == sorted(fast)
    for path, body in fast.items():
        other = plain[path]
        at = next((i for i, (a, b) in enumerate(zip(body, other)) if a != b), min(len(body),
                                                                                   len(other)))
        assert other == body, (host, language, path, body[at - 200:at + 80],
                               other[at - 200:at + 80])
