"""Page cache, invalidation on change, ETag/304, Cache-Control, gzip, query budget."""
from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from app.extensions import db
from app.models import Post
from app.models.base import utcnow


@contextmanager
def count_queries(app):
    seen: list[str] = []

    def before(_conn, _cursor, statement, *_args):
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)


@pytest.fixture()
def seeded(app):
    from app.demo import seed_village
    from desa_testing import village

    with app.app_context():
        seed_village(village("jlodro"))
        db.session.remove()


def test_second_view_is_served_from_cache_without_queries(app, seeded, jlodro):
    first = jlodro.get("/berita")
    assert first.status_code == 200 and first.headers["X-Cache"] == "MISS"
    with count_queries(app) as queries:
        second = jlodro.get("/berita")
    assert second.headers["X-Cache"] == "HIT"
    assert second.get_data() == first.get_data()
    assert queries == []


def test_uncached_home_page_query_budget(app, seeded, jlodro):
    jlodro.get("/")  # warm the host resolver
    app.extensions["desa_pagecache"].enabled = False
    try:
        with count_queries(app) as queries:
            assert jlodro.get("/").status_code == 200
    finally:
        app.extensions["desa_pagecache"].enabled = True
    assert len(queries) <= 5, queries


def test_publishing_invalidates_the_cached_page_at_once(app, seeded, jlodro, as_village):
    assert "Berita kilat" not in jlodro.get("/berita").text
    assert jlodro.get("/berita").headers["X-Cache"] == "HIT"
    with as_village("jlodro"):
        db.session.add(Post(slug="kilat", title="Berita kilat", body_md="x", status="published",
                            published_at=utcnow()))
        db.session.commit()
    fresh = jlodro.get("/berita")
    assert fresh.headers["X-Cache"] == "MISS"
    assert "Berita kilat" in fresh.text


def test_change_in_one_village_keeps_other_villages_cached(app, seeded, client, as_village):
    other = {"Host": "kebonsari.tubankab.go.id"}
    client.get("/", headers=other)
    assert client.get("/", headers=other).headers["X-Cache"] == "HIT"
    with as_village("jlodro"):
        db.session.add(Post(slug="lain", title="Lain", body_md="x", status="published",
                            published_at=utcnow()))
        db.session.commit()
    assert client.get("/", headers=other).headers["X-Cache"] == "HIT"


def test_cache_keys_are_per_village(seeded, client):
    a = client.get("/", headers={"Host": "jlodro.tubankab.go.id"})
    b = client.get("/", headers={"Host": "kebonsari.tubankab.go.id"})
    assert "Desa Jlodro" in a.text and "Jlodro" not in b.text.replace("jlodro", "")
    assert "Kebonsari" in b.text


def test_etag_and_304(seeded, jlodro):
    first = jlodro.get("/profil")
    etag = first.headers["ETag"]
    again = jlodro.get("/profil", headers={"Host": jlodro.host, "If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""


def test_cache_control(seeded, jlodro, client):
    public = jlodro.get("/")
    assert public.headers["Cache-Control"] == "public, max-age=60"
    client.set_cookie("session", "abc", domain=jlodro.host)
    with_session = jlodro.get("/")
    assert "public" not in with_session.headers["Cache-Control"]
    assert with_session.headers.get("X-Cache") is None
    assert client.get("/healthz", headers={"Host": jlodro.host}).headers["Cache-Control"] == "no-store"


def test_gzip_when_accepted(seeded, jlodro):
    import gzip

    plain = jlodro.get("/")
    zipped = jlodro.get("/", headers={"Host": jlodro.host, "Accept-Encoding": "gzip, br"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.get_data()) == plain.get_data()
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert "Content-Encoding" not in plain.headers


def test_errors_are_not_cached(client):
    host = {"Host": "tidakada.tubankab.go.id"}
    assert client.get("/", headers=host).status_code == 404
    assert client.get("/", headers=host).headers.get("X-Cache") is None


def test_unknown_query_parameters_are_answered_but_not_cached(seeded, jlodro):
    """Random query strings must not fill the page cache."""
    first = jlodro.get("/berita?utm_source=wa&x=1")
    assert first.status_code == 200 and first.headers.get("X-Cache") is None
    assert jlodro.get("/berita?utm_source=wa&x=1").headers.get("X-Cache") is None
    jlodro.get("/berita?halaman=1")
    assert jlodro.get("/berita?halaman=1").headers["X-Cache"] == "HIT"
