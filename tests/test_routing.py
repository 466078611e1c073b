"""Host routing: every village on its own host, the portal on the base domain,
unknown hosts refused politely, aliases redirected, suspended villages closed."""
from __future__ import annotations

import re

import pytest

from sqlalchemy import select

from app.extensions import db
from tenants.models import Domain, Tenant
from tenants.scoping import system_scope

from desa_testing import BASE, host, village


def test_every_tuban_village_is_served_on_its_own_host(app, client):
    with app.app_context(), system_scope():
        tenants = db.session.execute(select(Tenant.code, Tenant.slug)).all()
    assert len(tenants) == 328
    for code, slug in tenants:
        response = client.get("/.well-known/desa.json", headers={"Host": host(slug)})
        assert response.status_code == 200, slug
        assert response.json["kode"] == code
        assert response.json["slug"] == slug


def test_home_carries_the_village_code(client):
    response = client.get("/", headers={"Host": "jlodro.tubankab.go.id"})
    assert response.status_code == 200
    assert '<meta name="kode-wilayah" content="35.23.01.2001">' in response.text
    assert "Desa Jlodro" in response.text


def test_host_spellings_reach_the_same_village(client):
    for spelling in ["JLODRO.TUBANKAB.GO.ID", "jlodro.tubankab.go.id.", "jlodro.tubankab.go.id:8080",
                     "jlodro.localhost:8000", "Jlodro.LocalHost"]:
        response = client.get("/.well-known/desa.json", headers={"Host": spelling})
        assert response.status_code == 200, spelling
        assert response.json["kode"] == "35.23.01.2001"


def test_unknown_village_gets_polite_404_revealing_nothing(client):
    response = client.get("/", headers={"Host": "tidakada.tubankab.go.id"})
    assert response.status_code == 404
    assert "Desa tidak ditemukan" in response.text
    assert "kode-wilayah" not in response.text
    assert "Jlodro" not in response.text
    for path in ("/berita", "/.well-known/desa.json", "/media/35.23.01.2001/x.png"):
        assert client.get(path, headers={"Host": "tidakada.tubankab.go.id"}).status_code == 404


def test_unknown_foreign_host_never_falls_back(client):
    for other in ("example.com", "jlodro.example.com", "jlodro.tubankab.go.id.evil.com"):
        response = client.get("/", headers={"Host": other})
        assert response.status_code == 404, other


def test_malformed_hosts_get_400_not_500(client):
    for bad in ("bad_host", "a" * 300, "user@jlodro.tubankab.go.id", "jlodro.tubankab.go.id:xx",
                "-x.tubankab.go.id"):
        response = client.get("/", headers={"Host": bad})
        assert response.status_code == 400, bad
        assert "Traceback" not in response.text
        assert "tidak valid" in response.text.lower() or "Permintaan" in response.text


def test_base_domain_and_www_serve_the_directory(client):
    for portal in (BASE, f"www.{BASE}", "localhost:8000"):
        response = client.get("/", headers={"Host": portal})
        assert response.status_code == 200, portal
        assert "Direktori" in response.text
        assert "kode-wilayah" not in response.text
    text = client.get("/", headers={"Host": BASE}).text
    assert len(re.findall(r'<section class="kecamatan">', text)) == 20
    assert text.count('class="status status-') == 328
    assert "https://jlodro.tubankab.go.id/" in text or "http://jlodro.tubankab.go.id/" in text


def test_directory_search(client):
    text = client.get("/?q=sumurgung", headers={"Host": BASE}).text
    assert text.count('class="status status-') == 3
    assert "Sumurgung" in text
    assert "Desa Jlodro" not in text
    empty = client.get("/?q=zzzzzz", headers={"Host": BASE})
    assert empty.status_code == 200 and "Tidak ada desa yang cocok" in empty.text


def test_directory_on_dev_domain_links_to_dev_hosts(client):
    text = client.get("/", headers={"Host": "localhost:8000"}).text
    assert "http://jlodro.localhost:8000/" in text


def test_portal_paths_do_not_leak_village_routes(client):
    assert client.get("/.well-known/desa.json", headers={"Host": BASE}).status_code == 404
    assert client.get("/berita/x", headers={"Host": BASE}).status_code == 404


def test_alias_redirects_to_primary_with_301(app, client, runner):
    result = runner.invoke(args=["tenants", "add-domain", "jlodro", "desajlodro.id"])
    assert result.exit_code == 0, result.output
    response = client.get("/berita?halaman=2", headers={"Host": "desajlodro.id"})
    assert response.status_code == 301
    assert response.headers["Location"] == "http://jlodro.tubankab.go.id/berita?halaman=2"
    www = client.get("/profil", headers={"Host": "www.jlodro.tubankab.go.id"})
    assert www.status_code == 301
    assert www.headers["Location"] == "http://jlodro.tubankab.go.id/profil"


def test_slug_rename_keeps_old_host_as_redirect(app, client, runner):
    result = runner.invoke(args=["tenants", "rename", "jlodro", "jlodro-baru"])
    assert result.exit_code == 0, result.output
    moved = client.get("/", headers={"Host": "jlodro.tubankab.go.id"})
    assert moved.status_code == 301
    assert moved.headers["Location"] == "http://jlodro-baru.tubankab.go.id/"
    new = client.get("/.well-known/desa.json", headers={"Host": "jlodro-baru.tubankab.go.id"})
    assert new.status_code == 200 and new.json["slug"] == "jlodro-baru"
    # the cache was invalidated: no stale answer for the renamed village
    assert new.json["url"] == "https://jlodro-baru.tubankab.go.id/"


def test_rename_refuses_taken_or_invalid_slug(runner):
    assert runner.invoke(args=["tenants", "rename", "jlodro", "kebonsari"]).exit_code != 0
    assert runner.invoke(args=["tenants", "rename", "jlodro", "-bad-"]).exit_code != 0
    assert runner.invoke(args=["tenants", "rename", "jlodro", "x" * 64]).exit_code != 0


def test_suspended_village_shows_maintenance_503(client, runner):
    assert runner.invoke(args=["tenants", "status", "jlodro", "suspended"]).exit_code == 0
    response = client.get("/", headers={"Host": "jlodro.tubankab.go.id"})
    assert response.status_code == 503
    assert "pemeliharaan" in response.text
    assert client.get("/berita", headers={"Host": "jlodro.tubankab.go.id"}).status_code == 503
    assert runner.invoke(args=["tenants", "status", "jlodro", "active"]).exit_code == 0
    assert client.get("/", headers={"Host": "jlodro.tubankab.go.id"}).status_code == 200


def test_resolver_cache_is_invalidated_on_domain_change(app, client):
    assert client.get("/", headers={"Host": "desa-baru.example.id"}).status_code == 404  # cached miss
    with app.app_context(), system_scope():
        tenant = village("kebonsari")
        db.session.add(Domain(hostname="Desa-Baru.Example.ID", tenant=tenant))
        db.session.commit()
    response = client.get("/", headers={"Host": "desa-baru.example.id"})
    assert response.status_code == 301
    assert response.headers["Location"].startswith("http://kebonsari.tubankab.go.id/")


def test_healthz_on_any_host(client):
    for h in (BASE, "jlodro.tubankab.go.id", "unknown.tubankab.go.id", "example.org"):
        response = client.get("/healthz", headers={"Host": h})
        assert response.status_code == 200, h
        assert response.json == {"status": "ok"}  # nothing more: anyone may ask
        assert "Set-Cookie" not in response.headers


def test_healthz_reports_503_when_database_is_down(app, client, monkeypatch):
    from app.extensions import db as database

    def broken(*_a, **_k):
        raise RuntimeError("database down")

    with app.app_context():
        monkeypatch.setattr(database.session, "execute", broken)
        response = client.get("/healthz", headers={"Host": BASE})
    assert response.status_code == 503
    assert response.json == {"status": "error"}  # the cause goes to the log, not the caller


def test_proxy_headers_ignored_unless_configured(client):
    response = client.get("/", headers={"Host": "tidakada.tubankab.go.id",
                                        "X-Forwarded-Host": "jlodro.tubankab.go.id"})
    assert response.status_code == 404


def test_resolving_a_new_host_costs_one_query(app, runner):
    from desa_testing import count_queries

    from tenants.resolver import AliasRedirect, HostResolver

    assert runner.invoke(args=["tenants", "add-domain", "jlodro", "desajlodro.id"]).exit_code == 0
    with app.test_request_context("/"):
        fresh = HostResolver(app)
        fresh.resolve("kebonsari.tubankab.go.id")  # reads the registry generation once
        for name in ("jlodro.tubankab.go.id", "desajlodro.id", "tidak-ada.tubankab.go.id"):
            with count_queries(app) as queries:
                found = fresh.resolve(name)
            assert len(queries) == 1, (name, queries)
            with count_queries(app) as queries:
                assert fresh.resolve(name) == found
            assert queries == []
        assert fresh.resolve("jlodro.tubankab.go.id").code == "35.23.01.2001"
        assert fresh.resolve("desajlodro.id") == AliasRedirect("jlodro.tubankab.go.id")
        assert fresh.resolve("tidak-ada.tubankab.go.id") is None


def test_resolver_keeps_the_hosts_used_most_recently(app, monkeypatch):
    """A worker keeps ``TENANT_CACHE_SIZE`` hosts resolved (memory stays bounded when it
    serves every village of Indonesia); the least recently used one goes first, and a
    host that went is resolved again with one query, still to the right village."""
    from desa_testing import count_queries

    from tenants.resolver import HostResolver, NotResolvedHere

    monkeypatch.setitem(app.config, "TENANT_CACHE_SIZE", 3)
    names = [f"{slug}.tubankab.go.id" for slug in ("jlodro", "kebonsari", "sumurgung-montong",
                                                   "tidak-ada")]
    with app.test_request_context("/"):
        resolver = HostResolver(app)
        for name in names[:3]:
            resolver.resolve(name)
        assert resolver.resolve(names[0]).slug == "jlodro"  # used again: now the newest
        resolver.resolve(names[3])  # a fourth host: the least recently used one goes
        with pytest.raises(NotResolvedHere):
            resolver.known(names[1])
        assert resolver.known(names[0]).slug == "jlodro"
        assert resolver.known(names[2]).slug == "sumurgung-montong"
        with count_queries(app) as queries:
            assert resolver.resolve(names[1]).slug == "kebonsari"
        assert len(queries) == 1
        # the entry for a village's primary host shares its key with the stored field
        key = next(k for k in resolver._local if k == names[0])
        assert key is resolver.known(names[0]).primary_host
