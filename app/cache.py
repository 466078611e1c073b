"""Small shared-state primitives: Redis when ``REDIS_URL`` is set, local otherwise.

* ``RedisLink``: one Redis database as this process sees it: short timeouts, a
  circuit breaker (one warning when Redis goes away, a background probe, no
  waiting while it is away), the lifetime token of its data, and the bumps made
  while it was away, replayed when it answers again.
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
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

#: Seconds a Redis command may take before Redis counts as unreachable: a hung Redis
#: costs one request this much once, then the breaker answers without waiting.
REDIS_TIMEOUT = 0.25
#: Key of the lifetime token (see ``RedisLink``).
LIFETIME_KEY = "desa:lifetime"
#: Sets the token unless it already names this Redis process (run_id prefix): every
#: worker that notices a restart may call it, only the first one changes the token.
_RENEW_LIFETIME = """
local current = redis.call('GET', KEYS[1])
if current and string.sub(current, 1, string.len(ARGV[1])) == ARGV[1] then
  return current
end
redis.call('SET', KEYS[1], ARGV[2])
return ARGV[2]
"""


class RedisUnavailable(Exception):
    """Redis did not answer, or the breaker is open: use the local fallback."""


class RedisLink:
    """One Redis database as this process sees it.

    Circuit breaker: a command that fails (connection refused, timeout, a loading or
    read-only server) opens the breaker; while it is open every call raises
    ``RedisUnavailable`` at once, so a dead or hung Redis costs a request nothing but
    the fallback. One warning is logged when it opens and one when it closes; a
    thread of this process pings Redis every ``PROBE_EVERY`` seconds meanwhile and
    closes the breaker once Redis answers and ``reconcile`` has run.

    Lifetime token: counters restart at 0 when Redis comes back empty, and go back in
    time when it reloads an old snapshot or fails over to a replica, so version numbers
    could repeat and name pages that are no longer current. The token, a key holding
    the Redis ``run_id`` prefix plus random bits, changes whenever the Redis process
    or its data changes: it is missing after a flush or an empty restart (the first
    reader sets a new one) and names the wrong process after any restart (the first
    ``reconcile`` replaces it). Every reader checks it (``observe``); when it changes,
    the callbacks registered with ``on_new_lifetime`` drop this worker's local copies
    (pages, hosts), and shared page keys include it.

    Deferred bumps: a ``Generation.bump`` that cannot reach Redis leaves a marker file
    in its folder (so it survives this worker); ``reconcile`` replays the markers once
    Redis answers, so a change made during an outage reaches every node after it.
    """

    PROBE_EVERY = 1.0
    _all: dict[str, RedisLink] = {}
    _all_lock = threading.Lock()

    @classmethod
    def of(cls, url: str | None) -> RedisLink | None:
        """One link per Redis URL in a process; None when Redis is not configured."""
        if not url:
            return None
        link = cls._all.get(url)
        if link is None:
            with cls._all_lock:
                link = cls._all.setdefault(url, cls(url))
        return link

    def __init__(self, url: str) -> None:
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        self.url = url
        # no retries: a failed command opens the breaker instead of waiting again
        self.client = redis.Redis.from_url(url, socket_timeout=REDIS_TIMEOUT,
                                           socket_connect_timeout=REDIS_TIMEOUT,
                                           retry=Retry(NoBackoff(), 0))
        self.lifetime: str | None = None
        self.down_since: float | None = None  # monotonic time the breaker opened
        self._prober: int | None = None  # the process whose thread probes
        self.folders: set[str] = set()  # where deferred bumps are left
        self._callbacks: list[Callable[[], None]] = []
        self._lock = threading.Lock()

    # -- the breaker -------------------------------------------------------------
    @property
    def up(self) -> bool:
        return self.down_since is None

    def run(self, command: Callable[[Any], Any]) -> Any:
        """``command(client)``, or ``RedisUnavailable`` without waiting while Redis is away."""
        import redis

        if self.down_since is not None:
            if self._prober != os.getpid():  # opened before this process was forked
                self._start_probe()
            raise RedisUnavailable(self.url)
        try:
            return command(self.client)
        except (redis.RedisError, OSError) as exc:
            self._open(exc)
            raise RedisUnavailable(self.url) from exc

    def _open(self, exc: BaseException) -> None:
        with self._lock:
            if self.down_since is not None:
                return
            self.down_since = time.monotonic()
        log.warning("redis %s unreachable (%s: %s); serving local copies until it answers",
                    self._where(), type(exc).__name__, exc)
        self._start_probe()

    def _start_probe(self) -> None:
        with self._lock:
            if self._prober == os.getpid():
                return
            self._prober = os.getpid()
        threading.Thread(target=self._probe, name="redis probe", daemon=True).start()

    def _probe(self) -> None:
        while True:
            time.sleep(self.PROBE_EVERY)
            try:
                self.client.ping()
                self.reconcile(self.client)
            except Exception:
                continue
            down_for = time.monotonic() - (self.down_since or time.monotonic())
            self.down_since, self._prober = None, None
            log.warning("redis %s answers again after %.1f s", self._where(), down_for)
            return

    def _where(self) -> str:
        kwargs = self.client.connection_pool.connection_kwargs
        return f"{kwargs.get('host', '?')}:{kwargs.get('port', '?')}/{kwargs.get('db', 0)}"

    # -- lifetime and deferred bumps ---------------------------------------------
    def on_new_lifetime(self, callback: Callable[[], None]) -> None:
        """``callback()`` runs in this process whenever the lifetime token changes."""
        self._callbacks.append(callback)

    def observe(self, token: bytes | str | None, client=None) -> str:
        """Take note of the token as just read (None: missing, so set a new one)."""
        if token is None:
            token = self._renew(client or self.client)
        if isinstance(token, bytes):
            token = token.decode()
        if token != self.lifetime:
            known, self.lifetime = self.lifetime, token
            if known is not None:
                log.warning("redis %s has new data (lifetime %s, was %s): local copies dropped",
                            self._where(), token, known)
                for callback in self._callbacks:
                    callback()
        return token

    def _renew(self, client) -> str:
        run_id = client.info("server")["run_id"][:12]
        return client.eval(_RENEW_LIFETIME, 1, LIFETIME_KEY, run_id,
                           f"{run_id}{secrets.token_hex(4)}")

    def reconcile(self, client) -> None:
        """After (re)connecting: make sure the token names this Redis process, then
        replay the bumps deferred while Redis was away. Raises if Redis fails."""
        self.observe(self._renew(client), client)
        for folder in list(self.folders):
            for marker in Path(folder).glob(".*.pending"):
                # taken by renaming, so a bump deferred meanwhile leaves a new marker
                taken = marker.with_name(f"{marker.name}.{os.getpid()}")
                try:
                    os.replace(marker, taken)
                except FileNotFoundError:
                    continue
                try:
                    _publish_bump(client, marker.name[1:-len(".pending")])
                except Exception:
                    os.replace(taken, marker)
                    raise
                taken.unlink(missing_ok=True)

    def defer_bump(self, folder: str, name: str) -> None:
        os.makedirs(folder, exist_ok=True)
        Path(folder, f".{name}.pending").touch()
        self.folders.add(folder)


def _publish_bump(client, name: str) -> None:
    key = f"gen:{name}"
    # one transaction: the new value and the message that announces it exist
    # together or not at all
    pipe = client.pipeline(transaction=True)
    pipe.incr(key)
    pipe.publish(_channel(client, key), "bumped")
    pipe.execute()


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

    While Redis is unreachable a value is None ("unknown"): callers keep what they
    have for a bounded time (see ``app.pagecache``) rather than treat every read as a
    change; a bump then is deferred (``RedisLink.defer_bump``) and replayed later.

    One is made for each page-cache version read (``PageCache.version``), so it is
    slotted and keeps its file name as a plain string: cheap to build.
    """

    __slots__ = ("name", "_link", "_folder", "_path", "_watcher")

    def __init__(self, name: str, redis_url: str | None, folder: str | os.PathLike,
                 watch: bool = False):
        self.name = name
        self._link = RedisLink.of(redis_url)
        self._folder = os.fspath(folder)
        self._path = os.path.join(self._folder, f".{name}.generation")
        self._watcher = GenerationWatcher.of(redis_url, f"gen:{name}") \
            if watch and self._link is not None else None
        if self._link is not None and self._folder not in self._link.folders:
            self._link.folders.add(self._folder)

    @property
    def _redis(self):
        return self._link.client if self._link is not None else None

    def value(self) -> int | None:
        if self._link is not None:
            return Generation.values([self])[0]
        try:
            return os.stat(self._path).st_mtime_ns
        except FileNotFoundError:
            return 0

    @staticmethod
    def values(generations: list[Generation]) -> list[int | None]:
        """Several generations at once: one Redis MGET instead of one GET each (the
        watched ones a watcher knows need no read). The lifetime token is read with
        them (``RedisLink.observe``)."""
        link = generations[0]._link if generations else None
        if link is None or any(g._link is not link for g in generations):
            return [g.value() if g._link is None else Generation.values([g])[0]
                    for g in generations]
        if not link.up:
            return [None] * len(generations)
        known = [g._watcher.current() if g._watcher is not None else None
                 for g in generations]
        unknown = [g for g, value in zip(generations, known) if value is None]
        if not unknown:
            return known
        try:
            token, *raw = link.run(
                lambda client: client.mget([LIFETIME_KEY, *(f"gen:{g.name}" for g in unknown)]))
            if token is None or token.decode() != link.lifetime:
                link.run(lambda client: link.observe(token, client))
        except RedisUnavailable:
            return [None] * len(generations)
        fresh = iter(raw)
        return [int(next(fresh) or 0) if value is None else value for value in known]

    def bump(self) -> None:
        if self._link is not None:
            try:
                self._link.run(lambda client: _publish_bump(client, self.name))
            except RedisUnavailable:
                self._link.defer_bump(self._folder, self.name)
            return
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
    Redis each time (as much as a database query); it changes only
    when Diskominfo provisions, renames or suspends a village. A thread of each worker
    subscribes to the generation's channel, then reads the value; ``Generation.bump``
    increments it and publishes a message in one transaction (MULTI/EXEC), and on each
    message the thread reads the value again, so ``current()`` answers from memory.
    Until the thread listens, and whenever it is not sure it still does (its
    connection failed, or it has heard nothing, not even the answer to its own ping,
    for ``STALE_AFTER`` seconds), ``current()`` is None and callers read Redis as
    before: a missed message can never leave a worker on an old registry.

    A bump made on another node reaches this worker as fast as Redis delivers a message
    and the thread gets the interpreter (behind a busy request: at most Python's switch
    interval). The thread starts at the first read in each
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
            except Exception as exc:
                failures = 1 if time.monotonic() - since > 30 else failures + 1
                # the first failure of a streak is worth a line (an outage is no bug:
                # no traceback), the retries are not
                (log.warning if failures == 1 else log.debug)(
                    "generation watcher %s lost redis (%s: %s); reading it per request",
                    self.key, type(exc).__name__, exc)
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
        link = RedisLink.of(self.redis_url)
        last_ping = time.monotonic()
        while True:
            message = pubsub.get_message(timeout=self.PING_EVERY / 2)
            now = time.monotonic()
            if message is not None:
                if message["type"] == "subscribe":
                    # (re)subscribed, perhaps to a restarted Redis: its token checked
                    # and what was deferred replayed before the first read
                    link.run(link.reconcile)
                if message["type"] in ("subscribe", "message"):
                    # subscribed, then read: any bump after this read is a message,
                    # and each message is answered with a fresh read
                    self._value = int(client.get(self.key) or 0)
                self._heard = now
            if now - last_ping >= self.PING_EVERY:
                pubsub.ping()  # answered as a "pong" message: the subscription lives
                # a Redis restarted from a snapshot keeps the connection's promise of
                # continuity (redis-py reconnects silently): its run_id tells
                link.run(link.reconcile)
                self._value = int(client.get(self.key) or 0)
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
            self._put(key, value, ttl, size)

    def add(self, key: str, value: Any, ttl: float) -> bool:
        """Set ``key`` unless it holds an unexpired value; True if this call set it."""
        size = self._size(key, value)
        with self._lock:
            item = self._data.get(key)
            if item is not None and not (item[0] and item[0] < time.monotonic()):
                return False
            self._put(key, value, ttl, size)
            return True

    def _put(self, key: str, value: Any, ttl: float, size: int) -> None:
        self._drop(key)
        self._data[key] = (time.monotonic() + ttl if ttl else 0, value, size)
        self.used += size
        while self.used > self.max_bytes:
            self._drop(next(iter(self._data)))

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self.used = 0

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
    """Redis-backed store; values are pickled. While Redis is unreachable reads miss,
    writes are dropped, and counters count in this process (``RedisLink``)."""

    def __init__(self, url: str) -> None:
        self.link = RedisLink.of(url)
        self._redis = self.link.client
        self._outage_counters = MemoryStore(1024 * 1024)

    def get(self, key: str) -> Any:
        import pickle

        try:
            raw = self.link.run(lambda client: client.get(key))
        except RedisUnavailable:
            return None
        return None if raw is None else pickle.loads(raw)

    def set(self, key: str, value: Any, ttl: float = 0) -> None:
        import pickle

        data = pickle.dumps(value)
        try:
            self.link.run(lambda client: client.set(key, data, ex=int(ttl) if ttl else None))
        except RedisUnavailable:
            pass

    def add(self, key: str, value: Any, ttl: float) -> bool:
        """Set ``key`` unless it exists; True if this call set it (False also while
        Redis is unreachable: nothing can be claimed then)."""
        import pickle

        data = pickle.dumps(value)
        try:
            return bool(self.link.run(
                lambda client: client.set(key, data, px=int(ttl * 1000), nx=True)))
        except RedisUnavailable:
            return False

    def delete(self, key: str) -> None:
        try:
            self.link.run(lambda client: client.delete(key))
        except RedisUnavailable:
            pass

    def incr(self, key: str, ttl: float = 0) -> int:
        def command(client):
            pipe = client.pipeline()
            pipe.incr(key)
            if ttl:
                pipe.expire(key, int(ttl), nx=True)
            return int(pipe.execute()[0])

        try:
            return self.link.run(command)
        except RedisUnavailable:
            return self._outage_counters.incr(key, ttl)


def make_store(redis_url: str | None, max_bytes: int = 64 * 1024 * 1024):
    """Redis when configured; otherwise an in-process store of at most ``max_bytes``."""
    return RedisStore(redis_url) if redis_url else MemoryStore(max_bytes)
