"""The in-process store behind the page cache and rate limits (no Redis)."""
from __future__ import annotations

import time

from app.cache import MemoryStore


def test_memory_budget_evicts_least_recently_used_first():
    store = MemoryStore(max_bytes=10_000)
    for n in range(5):
        store.set(f"k{n}", b"x" * 1500)
    assert store.get("k0") == b"x" * 1500  # k0 is now the most recently used
    for n in range(5, 9):
        store.set(f"k{n}", b"y" * 1500)
    assert store.used <= 10_000
    assert store.get("k0") is not None
    assert store.get("k1") is None and store.get("k2") is None  # the oldest went first
    assert store.get("k8") == b"y" * 1500


def test_value_larger_than_the_budget_is_not_stored_and_evicts_nothing():
    store = MemoryStore(max_bytes=5_000)
    store.set("small", b"a")
    store.set("huge", b"z" * 10_000)
    assert store.get("huge") is None and store.get("small") == b"a"


def test_replacing_a_key_does_not_leak_budget():
    store = MemoryStore(max_bytes=100_000)
    for _ in range(100):
        store.set("same", b"q" * 2_000)
    store.set("other", b"w" * 10)
    assert 2_000 < store.used < 3_000
    store.delete("same")
    assert store.used < 1_000 and store.get("same") is None


def test_expiry_and_counters():
    store = MemoryStore()
    store.set("soon", "v", ttl=0.05)
    assert store.get("soon") == "v"
    time.sleep(0.08)
    assert store.get("soon") is None
    assert [store.incr("hits", ttl=60) for _ in range(3)] == [1, 2, 3]


def test_cached_pages_report_their_size():
    from app.pagecache import CachedPage

    page = CachedPage(200, (("Content-Type", "text/html"),), b"x" * 4000, (), b"z" * 1000)
    assert 5000 < page.nbytes < 6000
    store = MemoryStore(max_bytes=20_000)
    for n in range(10):
        store.set(f"page{n}", page)
    assert store.used <= 20_000 and store.get("page9") is page and store.get("page0") is None
