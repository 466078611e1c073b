"""Small shared-state primitives: Redis when ``REDIS_URL`` is set, local otherwise.

* ``Generation``: a counter every worker and node can read cheaply, bumped to
  say "what you cached is stale". With Redis it is a key; without Redis it is
  a file in the instance folder, so gunicorn workers on one machine agree.
* ``Store``: a key/value store with expiry (page cache, rate limits).

Every key a tenant-aware caller uses must start with the tenant id; callers
build keys through ``tenant_key``.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

_redis_clients: dict[str, Any] = {}


def redis_client(url: str | None):
    """A shared Redis client for ``url`` or None when Redis is not configured."""
    if not url:
        return None
    client = _redis_clients.get(url)
    if client is None:
        import redis

        client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        _redis_clients[url] = client
    return client


def tenant_key(tenant_id: int | None, *parts: object) -> str:
    """A cache key that always starts with the village (``t0`` for the portal)."""
    return ":".join([f"t{tenant_id or 0}", *(str(p) for p in parts)])


def _channel(client, key: str) -> str:
    """Pub/sub channels are shared by every database of a Redis server: name the
    database in the channel, or a bump in one would reach watchers of another."""
    return f"{client.connection_pool.connection_kwargs.get('db', 0)}:{key}"


class Generation:
    """A cross-process counter. Reading it is one Redis GET or one ``stat``, or, for a
    watched generation (``watch=True``), nothing at all while its ``GenerationWatcher``
    listens: every bump is published, and the watcher keeps the value in memory.

    One is made for each page-cache version read (``PageCache.version``), so it is
    slotted and keeps its file name as a plain string: cheap to build.
    """

    __slots__ = ("name", "_redis", "_path", "_watcher")

    def __init__(self, name: str, redis_url: str | None, folder: str | os.PathLike,
                 watch: bool = False):
        self.name = name
        self._redis = redis_client(redis_url)
        self._path = os.path.join(folder, f".{name}.generation")
        self._watcher = GenerationWatcher.of(redis_url, f"gen:{name}") \
            if watch and self._redis is not None else None

    def value(self) -> int:
        if self._redis is not None:
            if self._watcher is not None:
                known = self._watcher.current()
                if known is not None:
                    return known
            try:
                return int(self._redis.get(f"gen:{self.name}") or 0)
            except Exception:  # Redis down: treat as changed, callers go to the DB
                log.warning("redis unavailable for generation %s", self.name, exc_info=True)
                return -int(time.monotonic() * 1000)
        try:
            return os.stat(self._path).st_mtime_ns
        except FileNotFoundError:
            return 0

    @staticmethod
    def values(generations: list[Generation]) -> list[int]:
        """Several generations at once: one Redis MGET instead of one GET each (the
        watched ones a watcher knows need no read)."""
        redis = generations[0]._redis if generations else None
        if redis is None or any(g._redis is not redis for g in generations):
            return [g.value() for g in generations]
        known = [g._watcher.current() if g._watcher is not None else None
                 for g in generations]
        unknown = [g for g, value in zip(generations, known) if value is None]
        if not unknown:
            return known
        try:
            raw = iter(redis.mget([f"gen:{g.name}" for g in unknown]))
        except Exception:
            log.warning("redis unavailable for generations", exc_info=True)
            return [-int(time.monotonic() * 1000)] * len(generations)
        return [int(next(raw) or 0) if value is None else value for value in known]

    def bump(self) -> None:
        if self._redis is not None:
            key = f"gen:{self.name}"
            try:
                # one transaction: the new value and the message that announces it
                # exist together or not at all
                pipe = self._redis.pipeline(transaction=True)
                pipe.incr(key)
                pipe.publish(_channel(self._redis, key), "bumped")
                pipe.execute()
                return
            except Exception:
                log.warning("redis unavailable to bump %s", self.name, exc_info=True)
        os.makedirs(os.path.dirname(self._path), exist_ok=True)
        # Write a fresh value and force the mtime forward even within one clock tick.
        now = time.time_ns()
        try:
            old = os.stat(self._path).st_mtime_ns
        except FileNotFoundError:
            old = 0
        Path(self._path).write_text(str(now))
        stamp = max(now, old + 1)
        os.utime(self._path, ns=(stamp, stamp))


class GenerationWatcher:
    """Keeps one Redis generation's value in this process's memory, from Redis pub/sub.

    A generation read on every request (the village registry's) costs a round trip to
    Redis each time (about 0.15 ms here, as much as a database query); it changes only
    when Diskominfo provisions, renames or suspends a village. A thread of each worker
    subscribes to the generation's channel, then reads the value; ``Generation.bump``
    increments it and publishes a message in one transaction (MULTI/EXEC), and on each
    message the thread reads the value again, so ``current()`` answers from memory.
    Until the thread listens, and whenever it is not sure it still does (its
    connection failed, or it has heard nothing, not even the answer to its own ping,
    for ``STALE_AFTER`` seconds), ``current()`` is None and callers read Redis as
    before: a missed message can never leave a worker on an old registry.

    A bump made on another node reaches this worker as fast as Redis delivers a message
    and the thread gets the interpreter (a millisecond or so; at most Python's switch
    interval, 5 ms, behind a busy request). The thread starts at the first read in each
    process: a gunicorn worker forked from a master that built the app has no thread
    of its parent's.
    """

    PING_EVERY = 2.0
    STALE_AFTER = 6.0
    _all: dict[tuple[str, str], GenerationWatcher] = {}
    _all_lock = threading.Lock()

    @classmethod
    def of(cls, redis_url: str, key: str) -> GenerationWatcher:
        """One watcher per Redis database and key in a process."""
        with cls._all_lock:
            watcher = cls._all.get((redis_url, key))
            if watcher is None:
                watcher = cls._all[(redis_url, key)] = cls(redis_url, key)
            return watcher

    def __init__(self, redis_url: str, key: str) -> None:
        self.redis_url, self.key = redis_url, key
        self._pid: int | None = None  # the process whose thread listens
        self._value: int | None = None
        self._heard = 0.0  # monotonic time of the last sign of life of the subscription
        self._lock = threading.Lock()

    def current(self) -> int | None:
        """The generation's value, or None when this watcher cannot vouch for it."""
        if self._pid != os.getpid():
            self._start()
            return None
        value = self._value
        if value is None or time.monotonic() - self._heard > self.STALE_AFTER:
            return None
        return value

    def _start(self) -> None:
        with self._lock:
            if self._pid == os.getpid():
                return
            self._pid, self._value = os.getpid(), None
            threading.Thread(target=self._listen_forever, name=f"watch {self.key}",
                             daemon=True).start()

    def _listen_forever(self) -> None:
        import redis

        # A connection of its own: blocking reads, no 0.5 s socket timeout.
        client = redis.Redis.from_url(self.redis_url, socket_connect_timeout=2,
                                      socket_keepalive=True)
        channel = _channel(client, self.key)
        pause, failures = 0.1, 0
        while True:
            pubsub = client.pubsub()
            since = time.monotonic()
            try:
                pubsub.subscribe(channel)
                self._listen(client, pubsub)
            except Exception:
                failures = 1 if time.monotonic() - since > 30 else failures + 1
                # the first failure of a streak is worth a warning, the retries are not
                (log.warning if failures == 1 else log.debug)(
                    "generation watcher %s lost redis; reading it per request", self.key,
                    exc_info=True)
            finally:
                self._value = None
                try:
                    pubsub.close()
                except Exception:
                    pass
            # retry soon after a long subscription broke, ever later while Redis is away
            pause = 0.1 if time.monotonic() - since > 30 else min(pause * 2, 5.0)
            time.sleep(pause)

    def _listen(self, client, pubsub) -> None:
        last_ping = time.monotonic()
        while True:
            message = pubsub.get_message(timeout=self.PING_EVERY / 2)
            now = time.monotonic()
            if message is not None:
                if message["type"] in ("subscribe", "message"):
                    # subscribed, then read: any bump after this read is a message,
                    # and each message is answered with a fresh read
                    self._value = int(client.get(self.key) or 0)
                self._heard = now
            if now - last_ping >= self.PING_EVERY:
                pubsub.ping()  # answered as a "pong" message: the subscription lives
                last_ping = now


class MemoryStore:
    """In-process LRU store with expiry and a memory budget; thread safe.

    For the embedded single-node default. The budget counts the bytes of what is
    stored (a value may report its own size through ``nbytes``), so a crawler
    walking every page of every village cannot grow a worker without bound: the
    least recently used entries go first.
    """

    def __init__(self, max_bytes: int = 64 * 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self.used = 0
        self._data: OrderedDict[str, tuple[float, Any, int]] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def _size(key: str, value: Any) -> int:
        size = getattr(value, "nbytes", None)
        if not isinstance(size, int):
            size = len(value) if isinstance(value, (bytes, str)) else 64
        # plus the bookkeeping of one entry: the key object, the OrderedDict entry and
        # its link, the (expiry, value, size) tuple (about 250 bytes in CPython 3.11)
        return size + len(key) + 250

    def get(self, key: str) -> Any:
        with self._lock:
            item = self._data.get(key)
            if item is None:
                return None
            if item[0] and item[0] < time.monotonic():
                self._drop(key)
                return None
            self._data.move_to_end(key)
            return item[1]

    def set(self, key: str, value: Any, ttl: float = 0) -> None:
        size = self._size(key, value)
        if size > self.max_bytes:
            return
        with self._lock:
            self._drop(key)
            self._data[key] = (time.monotonic() + ttl if ttl else 0, value, size)
            self.used += size
            while self.used > self.max_bytes:
                self._drop(next(iter(self._data)))

    def _drop(self, key: str) -> None:
        item = self._data.pop(key, None)
        if item is not None:
            self.used -= item[2]

    def delete(self, key: str) -> None:
        with self._lock:
            self._drop(key)

    def incr(self, key: str, ttl: float = 0) -> int:
        with self._lock:
            item = self._data.get(key)
            if item is None or (item[0] and item[0] < time.monotonic()):
                item = (time.monotonic() + ttl if ttl else 0, 0, 0)
            value = int(item[1]) + 1
            self._drop(key)
            size = self._size(key, value)
            self._data[key] = (item[0], value, size)
            self.used += size
            return value


class RedisStore:
    """Redis-backed store; values are pickled. Errors degrade to cache misses."""

    def __init__(self, url: str) -> None:
        self._redis = redis_client(url)

    def get(self, key: str) -> Any:
        import pickle

        try:
            raw = self._redis.get(key)
        except Exception:
            log.warning("redis get failed", exc_info=True)
            return None
        return None if raw is None else pickle.loads(raw)

    def set(self, key: str, value: Any, ttl: float = 0) -> None:
        import pickle

        try:
            self._redis.set(key, pickle.dumps(value), ex=int(ttl) if ttl else None)
        except Exception:
            log.warning("redis set failed", exc_info=True)

    def delete(self, key: str) -> None:
        try:
            self._redis.delete(key)
        except Exception:
            log.warning("redis delete failed", exc_info=True)

    def incr(self, key: str, ttl: float = 0) -> int:
        pipe = self._redis.pipeline()
        pipe.incr(key)
        if ttl:
            pipe.expire(key, int(ttl), nx=True)
        return int(pipe.execute()[0])


def make_store(redis_url: str | None, max_bytes: int = 64 * 1024 * 1024):
    """Redis when configured; otherwise an in-process store of at most ``max_bytes``."""
    return RedisStore(redis_url) if redis_url else MemoryStore(max_bytes)
