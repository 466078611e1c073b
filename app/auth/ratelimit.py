"""Login rate limiting per account and per IP (Redis or in-process store)."""
from __future__ import annotations

from flask import current_app

from app.cache import make_store

WINDOW = 15 * 60
ACCOUNT_LIMIT = 5
IP_LIMIT = 20
MESSAGE = "Terlalu banyak percobaan masuk. Silakan coba lagi dalam 15 menit."


def _store():
    store = current_app.extensions.get("desa_auth_store")
    if store is None:
        store = current_app.extensions["desa_auth_store"] = make_store(
            current_app.config.get("REDIS_URL"))
    return store


def _enabled() -> bool:
    return current_app.config.get("RATELIMIT_ENABLED", True)


def _keys(account: str, ip: str) -> list[tuple[str, int]]:
    return [(f"login:acct:{account.strip().lower()}", current_app.config.get(
        "LOGIN_ACCOUNT_LIMIT", ACCOUNT_LIMIT)),
            (f"login:ip:{ip}", current_app.config.get("LOGIN_IP_LIMIT", IP_LIMIT))]


def _count(store, key: str) -> int:
    # RedisStore.get unpickles; counters made by INCR are plain integers.
    raw = getattr(store, "_redis", None)
    if raw is not None:
        try:
            return int(raw.get(key) or 0)
        except Exception:
            return 0
    return int(store.get(key) or 0)


def is_limited(account: str, ip: str) -> bool:
    if not _enabled():
        return False
    store = _store()
    return any(_count(store, key) >= limit for key, limit in _keys(account, ip))


def record_failure(account: str, ip: str) -> None:
    if not _enabled():
        return
    store = _store()
    for key, _limit in _keys(account, ip):
        store.incr(key, ttl=WINDOW)


def reset_account(account: str) -> None:
    _store().delete(f"login:acct:{account.strip().lower()}")
