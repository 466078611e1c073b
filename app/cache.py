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
    """A cross-process counter. Reading it is one Redis GET or one ``stat``."""

    def __init__(self, name: str, redis_url: str | None, folder: str | os.PathLike):
        self.name = name
        self._redis = redis_client(redis_url)
        self._path = Path(folder) / f".{name}.generation"

    def value(self) -> int:
        if self._redis is not None:
            try:
                return int(self._redis.get(f"gen:{self.name}") or 0)
            except Exception:  # Redis down: treat as changed, callers go to the DB
                log.warning("redis unavailable for generation %s", self.name, exc_info=True)
                return -int(time.monotonic() * 1000)
        try:
            return self._path.stat().st_mtime_ns
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
        self._path.parent.mkdir(parents=True, exist_ok=True)
        # Write a fresh value and force the mtime forward even within one clock tick.
        now = time.time_ns()
        try:
            old = self._path.stat().st_mtime_ns
        except FileNotFoundError:
            old = 0
        self._path.write_text(str(now))
        stamp = max(now, old + 1)
        os.utime(self._path, ns=(stamp, stamp))


class MemoryStore:
    """In-process store with expiry; thread safe. For the embedded single-node default."""

    def __init__(self) -> None:
        self._data: dict[str, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> Any:
        with self._lock:
            item = self._data.get(key)
            if item is None:
                return None
            if item[0] and item[0] < time.monotonic():
                del self._data[key]
                return None
            return item[1]

    def set(self, key: str, value: Any, ttl: float = 0) -> None:
        with self._lock:
            if len(self._data) > 50_000:  # bounded: drop the oldest half
                for old in list(self._data)[:25_000]:
                    del self._data[old]
            self._data[key] = (time.monotonic() + ttl if ttl else 0, value)

    def delete(self, key: str) -> None:
        with self._lock:
            self._data.pop(key, None)

    def incr(self, key: str, ttl: float = 0) -> int:
        with self._lock:
            item = self._data.get(key)
            if item is None or (item[0] and item[0] < time.monotonic()):
                item = (time.monotonic() + ttl if ttl else 0, 0)
            value = int(item[1]) + 1
            self._data[key] = (item[0], value)
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


def make_store(redis_url: str | None):
    return RedisStore(redis_url) if redis_url else MemoryStore()
