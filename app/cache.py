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


class Generation:
    """A cross-process counter. Reading it is one Redis GET or one ``stat``.

    One is made for each page-cache version read (``PageCache.version``), so it is
    slotted and keeps its file name as a plain string: cheap to build.
    """

    __slots__ = ("name", "_redis", "_path")

    def __init__(self, name: str, redis_url: str | None, folder: str | os.PathLike):
        self.name = name
        self._redis = redis_client(redis_url)
        self._path = os.path.join(folder, f".{name}.generation")

    def value(self) -> int:
        if self._redis is not None:
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
        """Several generations at once: one Redis MGET instead of one GET each."""
        redis = generations[0]._redis if generations else None
        if redis is None or any(g._redis is not redis for g in generations):
            return [g.value() for g in generations]
        try:
            raw = redis.mget([f"gen:{g.name}" for g in generations])
        except Exception:
            log.warning("redis unavailable for generations", exc_info=True)
            return [-int(time.monotonic() * 1000)] * len(generations)
        return [int(v or 0) for v in raw]

    def bump(self) -> None:
        if self._redis is not None:
            try:
                self._redis.incr(f"gen:{self.name}")
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
