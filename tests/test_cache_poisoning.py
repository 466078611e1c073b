"""Finding M4 (issue 15): the page cache could be poisoned through host aliases.

A page requested as ``<slug>.localhost:P``, ``localhost:P`` or ``127.0.0.1:P`` was
rendered with links to that host and stored under a key without the host, so the
real visitors of the village or the portal then got it from the cache. Absolute
URLs now come from the stored primary host (or the base domain), the page-cache key
carries how the page writes them, and production has no development domains.
"""
from __future__ import annotations

import pytest

from app.config import ConfigError, load_config
from app.extensions import db

PORT = "5050"
ALIASES = ("localhost", "127.0.0.1")  # the hosts that must never reach a real visitor
VILLAGE_PAGES = ("/", "/berita", "/berita/kerja-bakti-membersihkan-saluran-irigasi",
                 "/pengumuman", "/feed.xml", "/sitemap.xml", "/robots.txt", "/api/v1/posts",
                 "/api/v1/desa")
PORTAL_PAGES = ("/", "/berita", "/feed.xml", "/sitemap.xml", "/robots.txt", "/api/v1/desa")


@pytest.fixture()
def seeded(app):
    from app.demo import seed_village
    from desa_testing import village

    with app.app_context():
        seed_village(village("jlodro"))
        db.session.remove()


def _real_visitor_gets_no_alias(client, alias_host: str, real_host: str, paths) -> None:
    for path in paths:
        through_alias = client.get(path, headers={"Host": alias_host})
        assert through_alias.status_code == 200, (alias_host, path)
        for _ in range(2):  # a MISS after the alias's visit, then a HIT
            real = client.get(path, headers={"Host": real_host})
            assert real.status_code == 200, (real_host, path)
            for alias in ALIASES:
                assert alias not in real.text, (alias_host, real_host, path,
                                                real.headers.get("X-Cache"))


@pytest.mark.parametrize("alias_host", [f"jlodro.localhost:{PORT}", f"JLODRO.localhost.:{PORT}"])
def test_village_page_through_a_dev_domain_never_reaches_real_visitors(seeded, client,
                                                                       alias_host):
    _real_visitor_gets_no_alias(client, alias_host, "jlodro.tubankab.go.id", VILLAGE_PAGES)


@pytest.mark.parametrize("alias_host", [f"localhost:{PORT}", f"127.0.0.1:{PORT}", "127.0.0.1",
                                        f"www.localhost:{PORT}"])
def test_portal_page_through_a_local_host_never_reaches_real_visitors(seeded, client,
                                                                      alias_host):
    _real_visitor_gets_no_alias(client, alias_host, "tubankab.go.id", PORTAL_PAGES)


def test_portal_on_an_extra_host_links_to_the_base_domain(seeded, client):
    """``127.0.0.1`` shows the portal, but what it writes is the base domain's."""
    page = client.get("/", headers={"Host": f"127.0.0.1:{PORT}"}).text
    assert '<link rel="canonical" href="http://tubankab.go.id/">' in page
    assert "http://jlodro.tubankab.go.id/" in page


def test_canonical_and_feed_come_from_the_stored_host_not_the_request(seeded, client):
    """Any spelling of the real host writes the same, stored, primary host."""
    for spelling in ("JLODRO.TUBANKAB.GO.ID", "jlodro.tubankab.go.id.", "jlodro.tubankab.go.id:8080"):
        page = client.get("/berita", headers={"Host": spelling}).text
        assert '<link rel="canonical" href="http://jlodro.tubankab.go.id/berita">' in page
        feed = client.get("/feed.xml", headers={"Host": spelling}).text
        assert "JLODRO" not in feed and ":8080" not in feed and "go.id./" not in feed


def test_production_refuses_development_domains():
    production = {"DESA_ENV": "production", "SECRET_KEY": "x" * 40}
    assert load_config(production)["DEV_DOMAINS"] == []
    assert load_config(production)["PREFERRED_URL_SCHEME"] == "https"
    with pytest.raises(ConfigError, match="DEV_DOMAINS"):
        load_config({**production, "DEV_DOMAINS": "localhost"})
    assert load_config({})["DEV_DOMAINS"] == ["localhost"]


def test_without_development_domains_localhost_is_no_village(app, seeded, client, monkeypatch):
    """As in production: ``<slug>.localhost`` is an unknown host, not the village."""
    monkeypatch.setitem(app.config, "DEV_DOMAINS", [])
    monkeypatch.setitem(app.config, "PREFERRED_URL_SCHEME", "https")
    monkeypatch.delitem(app.extensions, "desa_host_rules", raising=False)
    try:
        assert client.get("/", headers={"Host": f"jlodro.localhost:{PORT}"}).status_code == 404
        assert client.get("/", headers={"Host": f"localhost:{PORT}"}).status_code == 404
        real = client.get("/berita", headers={"Host": "jlodro.tubankab.go.id"}).text
        assert '<link rel="canonical" href="https://jlodro.tubankab.go.id/berita">' in real
    finally:
        app.extensions.pop("desa_host_rules", None)
