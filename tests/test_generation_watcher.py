"""Generations watched through Redis pub/sub (app.cache.GenerationWatcher): a worker
learns every bump from a message instead of a GET per request, and whenever it cannot
be sure it heard everything it reads Redis again. Talks to the real Redis on
127.0.0.1:6379 (databases 12 and 13)."""
from __future__ import annotations

import socket
import time
import uuid

import pytest

from app.cache import Generation, GenerationWatcher

URL, OTHER_DB = "redis://127.0.0.1:6379/13", "redis://127.0.0.1:6379/12"


@pytest.fixture()
def redis_server():
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    import redis

    return redis.Redis.from_url(URL)


def _until(predicate, seconds: float = 5.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.01)
    return predicate()


def _listening(generation: Generation) -> bool:
    generation.value()  # the first read starts the watcher's thread in this process
    return _until(lambda: generation._watcher.current() is not None)


def test_bumps_reach_a_watching_worker_without_a_read(redis_server, tmp_path, monkeypatch):
    name = f"watch-{uuid.uuid4().hex}"
    watched = Generation(name, URL, tmp_path, watch=True)
    assert _listening(watched)
    start = watched.value()

    # another process or node bumps it (a Generation of its own, not watching)
    Generation(name, URL, tmp_path / "elsewhere").bump()

    def no_reads(*_args, **_kwargs):
        raise AssertionError("a watched generation must not be read from Redis")

    monkeypatch.setattr(watched._redis, "get", no_reads)
    monkeypatch.setattr(watched._redis, "mget", no_reads)
    assert _until(lambda: watched.value() == start + 1)
    assert Generation.values([watched]) == [start + 1]

    # the same name in another Redis database is another counter: not heard here
    Generation(name, URL, tmp_path / "elsewhere").bump()
    assert _until(lambda: watched.value() == start + 2)
    other_db = Generation(name, OTHER_DB, tmp_path / "other-db")
    for _ in range(5):
        other_db.bump()
    time.sleep(0.2)
    assert watched.value() == start + 2
    monkeypatch.undo()
    assert int(redis_server.get(f"gen:{name}")) == start + 2


def test_mixed_reads_take_unwatched_generations_from_redis(redis_server, tmp_path):
    name = f"watch-{uuid.uuid4().hex}"
    watched, plain = (Generation(name, URL, tmp_path, watch=True),
                      Generation(f"{name}-plain", URL, tmp_path))
    assert _listening(watched)
    plain.bump()
    plain.bump()
    Generation(name, URL, tmp_path).bump()
    assert _until(lambda: Generation.values([plain, watched]) == [2, 1])


def test_a_missed_message_never_sticks(redis_server, tmp_path):
    """The subscription breaks and a bump happens that publishes nothing: the worker
    must read Redis (per request, or once resubscribed), not keep the old value."""
    name = f"watch-{uuid.uuid4().hex}"
    watched = Generation(name, URL, tmp_path, watch=True)
    assert _listening(watched)
    redis_server.client_kill_filter(_type="pubsub")
    redis_server.incr(f"gen:{name}")  # changed behind the watcher's back
    assert _until(lambda: watched.value() == 1)
    assert _until(lambda: watched._watcher.current() == 1)  # listening again, re-read


def test_a_silent_subscription_is_not_trusted(redis_server, tmp_path):
    """No message and no answer to its pings for a while: the watcher may be deaf
    (a half-open connection), so readers go to Redis."""
    name = f"watch-{uuid.uuid4().hex}"
    watched = Generation(name, URL, tmp_path, watch=True)
    watcher = watched._watcher
    watcher.PING_EVERY, watcher.STALE_AFTER = 3600.0, 0.3
    assert _listening(watched)
    redis_server.incr(f"gen:{name}")  # not published: only a read can see it
    assert _until(lambda: watcher.current() is None)
    assert watched.value() == 1


def test_a_forked_worker_does_not_trust_its_parents_watcher(redis_server, tmp_path):
    name = f"watch-{uuid.uuid4().hex}"
    watched = Generation(name, URL, tmp_path, watch=True)
    assert _listening(watched)
    watcher = watched._watcher
    watcher._pid = -1  # as in a child forked after the parent's thread started
    assert watcher.current() is None  # the thread is the parent's, not this process's
    assert _until(lambda: watcher.current() == 0)  # its own thread now listens


def test_one_watcher_per_database_and_key(tmp_path):
    first = Generation("shared", URL, tmp_path, watch=True)
    assert Generation("shared", URL, tmp_path / "x", watch=True)._watcher is first._watcher
    assert Generation("shared", OTHER_DB, tmp_path, watch=True)._watcher is not first._watcher
    assert Generation("shared", None, tmp_path, watch=True)._watcher is None
    assert GenerationWatcher.of(URL, "gen:shared") is first._watcher
