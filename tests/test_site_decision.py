"""One site decision (issue 16, point 1): ``tenants.routing.decide`` answers for the
page cache in front of Flask and for Flask's routing alike, so the same host gets the
same answer whether its page comes from the cache or is rendered."""
from __future__ import annotations

import pytest

from app.extensions import db
from desa_testing import page_cache_off
from tenants.resolver import NotResolvedHere, get_resolver
from tenants.routing import (
    ANY_SITE, MALFORMED, PORTAL, REDIRECT, UNAVAILABLE, UNKNOWN, VILLAGE, HostRules, decide,
)

#: (Host header, path, expected kind, expected village slug or redirect Location)
HOSTS = [
    ("jlodro.tubankab.go.id", "/", VILLAGE, "jlodro"),
    ("JLODRO.TubanKab.GO.ID", "/berita", VILLAGE, "jlodro"),              # uppercase
    ("jlodro.tubankab.go.id.", "/berita", VILLAGE, "jlodro"),             # trailing dot
    ("jlodro.tubankab.go.id:8080", "/profil", VILLAGE, "jlodro"),         # port
    ("jlodro.localhost:8000", "/", VILLAGE, "jlodro"),                    # dev domain
    ("Jlodro.LocalHost.", "/berita", VILLAGE, "jlodro"),
    ("desajlodro.id", "/berita?halaman=2", REDIRECT,                      # custom alias
     "http://jlodro.tubankab.go.id/berita?halaman=2"),
    ("www.jlodro.tubankab.go.id", "/profil", REDIRECT, "http://jlodro.tubankab.go.id/profil"),
    ("www.jlodro.localhost:8000", "/", REDIRECT, "http://jlodro.localhost:8000/"),
    ("sumurgung-montong.tubankab.go.id", "/berita", REDIRECT,             # renamed village
     "http://sumurgung-baru.tubankab.go.id/berita"),
    ("sumurgung-baru.tubankab.go.id", "/", VILLAGE, "sumurgung-baru"),
    ("kebonsari.tubankab.go.id", "/", UNAVAILABLE, "kebonsari"),          # suspended
    ("bektiharjo.tubankab.go.id", "/", UNAVAILABLE, "bektiharjo"),        # provisioned
    ("tidakada.tubankab.go.id", "/", UNKNOWN, None),
    ("jlodro.example.com", "/", UNKNOWN, None),
    ("tubankab.go.id", "/", PORTAL, None),
    ("www.tubankab.go.id", "/berita", PORTAL, None),
    ("TUBANKAB.GO.ID.:443", "/", PORTAL, None),
    ("localhost:8000", "/", PORTAL, None),
    ("127.0.0.1:8000", "/", PORTAL, None),
    ("tidakada.tubankab.go.id", "/healthz", ANY_SITE, None),
    ("bad_host", "/", MALFORMED, None),
    ("user@jlodro.tubankab.go.id", "/", MALFORMED, None),
    ("jlodro.tubankab.go.id:xx", "/", MALFORMED, None),
    ("a" * 300, "/", MALFORMED, None),
]
STATUS = {VILLAGE: 200, PORTAL: 200, ANY_SITE: 200, REDIRECT: 301, UNKNOWN: 404,
          UNAVAILABLE: 503, MALFORMED: 400}


@pytest.fixture()
def registry(app, runner):
    """An alias, a renamed village, a suspended and a provisioned one."""
    from app.demo import seed_village
    from desa_testing import village

    with app.app_context():
        seed_village(village("jlodro"))
        db.session.remove()
    for args in (["tenants", "add-domain", "jlodro", "desajlodro.id"],
                 ["tenants", "rename", "sumurgung-montong", "sumurgung-baru"],
                 ["tenants", "status", "kebonsari", "suspended"],
                 ["tenants", "status", "bektiharjo", "provisioned"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output


def _answer(client, host: str, path: str):
    response = client.get(path, headers={"Host": host})
    return response.status_code, response.headers.get("Location"), response.get_data()


def test_the_cached_and_the_uncached_path_answer_every_host_alike(app, registry, client):
    """Each host three times with the page cache on (the first visit resolves and
    renders, the next ones may be answered by the cache in front of Flask), then with
    it off: the same status, redirect target and page every time."""
    for host, path, kind, _expected in HOSTS:
        cached = [_answer(client, host, path) for _ in range(3)]
        with page_cache_off(app):
            rendered = _answer(client, host, path)
        assert rendered[0] == STATUS[kind], (host, path, rendered[0])
        for answer in cached:
            assert answer == rendered, (host, path, answer[:2], rendered[:2])


def test_the_decision_is_the_same_from_the_resolver_and_from_what_a_worker_knows(
        app, registry):
    """The page cache decides with what this worker already resolved, Flask with the
    resolver: once a host is resolved, both lookups give the same decision."""
    rules = HostRules.of(app)
    with app.test_request_context("/"):
        resolver = get_resolver(app)
        for host, path, kind, expected in HOSTS:
            target = path.split("?")[0], path.partition("?")[2]
            full = decide(host, *target, rules, resolver.resolve)
            assert full.kind == kind, (host, full)
            if kind == REDIRECT:
                assert full.location == expected, host
            elif expected is not None:
                assert full.tenant.slug == expected, host
            assert decide(host, *target, rules, resolver.known) == full, host


def test_a_host_this_worker_never_resolved_is_left_to_flask(app):
    rules = HostRules.of(app)
    resolver = get_resolver(app)
    resolver.invalidate()
    with pytest.raises(NotResolvedHere):
        decide("jlodro.tubankab.go.id", "/", "", rules, resolver.known)
    # the portal, malformed hosts and host-independent paths need no lookup
    assert decide("tubankab.go.id", "/", "", rules, resolver.known).kind == PORTAL
    assert decide("bad_host", "/", "", rules, resolver.known).kind == MALFORMED
    assert decide("x.tubankab.go.id", "/_tema/default/css/situs.css", "", rules,
                  resolver.known).kind == ANY_SITE
