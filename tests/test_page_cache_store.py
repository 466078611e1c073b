"""The page store itself (app.pagecache.PageCache): what a worker may serve while Redis
is unreachable, and one rebuild per changed page across workers (the claim in Redis,
database 2 of the Redis on 127.0.0.1:6379)."""
from __future__ import annotations

import socket
import uuid

import pytest
from flask import Flask

from app.pagecache import CachedPage, PageCache, PageKey


def _cache(tmp_path, redis_url: str | None = None) -> PageCache:
    app = Flask(__name__, instance_path=str(tmp_path))
    app.config.update(PAGE_CACHE_MEMORY_MB=4, REDIS_URL=redis_url)
    return PageCache(app)


def _page(text: str) -> CachedPage:
    return CachedPage(200, (("Content-Type", "text/html"),), text.encode())


def test_while_versions_are_unknown_only_a_recent_copy_is_served(tmp_path, monkeypatch):
    cache = _cache(tmp_path)
    path = f"t1:page:id:False:/{uuid.uuid4().hex}"
    cache.set(PageKey(path, (1, 0, 0)), _page("lama"))
    unknown = PageKey(path, None)
    assert cache.get(unknown).body == b"lama"  # known current a moment ago

    clock = [cache.local.get(path).confirmed]
    monkeypatch.setattr("app.pagecache.time.monotonic", lambda: clock[0])
    clock[0] += PageCache.OUTAGE_MAX_AGE + 1
    assert cache.get(unknown) is None  # too old to vouch for: rendered again
    cache.set(unknown, _page("baru"))
    assert cache.get(unknown).body == b"baru"
    clock[0] += PageCache.OUTAGE_MAX_AGE - 1
    assert cache.get(unknown).body == b"baru"
    # back to known versions: a copy rendered while they were unknown is not trusted
    assert cache.get(PageKey(path, (1, 0, 0))) is None


def test_hits_keep_a_copy_vouched_for(tmp_path, monkeypatch):
    cache = _cache(tmp_path)
    path = "t1:page:id:False:/berita"
    clock = [1000.0]
    monkeypatch.setattr("app.pagecache.time.monotonic", lambda: clock[0])
    cache.set(PageKey(path, (3, 0, 0)), _page("isi"))
    clock[0] += 600
    assert cache.get(PageKey(path, (3, 0, 0))) is not None  # versions read: current now
    clock[0] += 10
    assert cache.get(PageKey(path, None)).body == b"isi"


@pytest.fixture()
def redis_url():
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    return "redis://127.0.0.1:6379/2"


def test_one_worker_rebuilds_a_changed_page_the_others_serve_their_copy(tmp_path, redis_url):
    first, second = _cache(tmp_path / "a", redis_url), _cache(tmp_path / "b", redis_url)
    first._link.observe(None)  # this Redis's lifetime token, which shared keys carry
    path = f"t1:page:id:False:/{uuid.uuid4().hex}"
    old, new = PageKey(path, (1, 0, 0)), PageKey(path, (2, 0, 0))
    for worker in (first, second):
        worker.set(old, _page("lama"))

    assert first.get(new) is None  # the first to ask rebuilds it
    assert second.get(new).body == b"lama"  # meanwhile: the previous copy
    assert second.get(new).body == b"lama"
    first.set(new, _page("baru"))
    assert second.get(new).body == b"baru"  # shared at once, claim released
    assert first.get(new).body == b"baru"
