"""Login throttling: slow a guesser down without locking the account's owner out.

Only failed attempts count (a wrong password, a wrong TOTP code), in two places:

* per account *and* address (``LOGIN_LIMITS_PAIR``, by default 5 per 15 minutes,
  10 per hour, 20 per day): each tier passed means a longer wait, a progressive
  delay for whoever keeps guessing that account from there;
* per address (``LOGIN_LIMITS_ADDRESS``, by default 100 per hour): a ceiling on
  one address guessing many accounts, generous enough for a village office whose
  staff share one NAT address.

Nothing counts per account alone, so a correct password from an address that has
not been failing is never refused because someone elsewhere is guessing that
account; guessing spread over many addresses meets the password rules and TOTP
instead. IPv6 addresses count per /64, the block one subscriber usually has. A
successful login clears its account-and-address counters.

The counters live in Redis when ``REDIS_URL`` is set (shared by every worker and
node), else in the worker's memory. They are kept by ``limits``, the engine of
Flask-Limiter, used directly: Flask-Limiter's extension hooks into every request
of the application, public pages included, which only the login forms need.
"""
from __future__ import annotations

import hashlib
import ipaddress
import math
import time

from flask import current_app
from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

PAIR_LIMITS = "5 per 15 minutes; 10 per hour; 20 per day"
ADDRESS_LIMITS = "100 per hour"


class LoginThrottle:
    """Failure counters for one application (one storage, one set of limits)."""

    def __init__(self, storage_uri: str, pair_limits: str = PAIR_LIMITS,
                 address_limits: str = ADDRESS_LIMITS) -> None:
        self.limiter = MovingWindowRateLimiter(storage_from_string(storage_uri))
        self.pair_limits: list[RateLimitItem] = parse_many(pair_limits)
        self.address_limits: list[RateLimitItem] = parse_many(address_limits)

    def _checks(self, account: str, address: str):
        pair = _account_key(account) + "@" + address
        return [(item, ("login-pair", pair)) for item in self.pair_limits] + \
               [(item, ("login-address", address)) for item in self.address_limits]

    def retry_after(self, account: str, address: str) -> int:
        """Seconds until an attempt is allowed again; 0 when it is allowed now."""
        wait = 0.0
        for item, keys in self._checks(account, address):
            if not self.limiter.test(item, *keys):
                reset_at = self.limiter.get_window_stats(item, *keys).reset_time
                wait = max(wait, reset_at - time.time(), 1)
        return math.ceil(wait)

    def record_failure(self, account: str, address: str) -> None:
        for item, keys in self._checks(account, address):
            self.limiter.hit(item, *keys)

    def record_success(self, account: str, address: str) -> None:
        for item, keys in self._checks(account, address):
            if keys[0] == "login-pair":
                self.limiter.clear(item, *keys)

    def reset(self) -> None:
        self.limiter.storage.reset()


def _account_key(account: str) -> str:
    # Addresses stay out of the shared store: a digest identifies the account enough.
    return hashlib.sha256(account.strip().lower().encode()).hexdigest()[:32]


def address_key(remote_addr: str) -> str:
    """The unit an address counts in: itself for IPv4, its /64 for IPv6."""
    try:
        ip = ipaddress.ip_address(remote_addr)
    except ValueError:
        return remote_addr or "-"
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def throttle() -> LoginThrottle:
    app = current_app
    found = app.extensions.get("desa_login_throttle")
    if found is None:
        found = app.extensions["desa_login_throttle"] = LoginThrottle(
            app.config.get("REDIS_URL") or "memory://",
            app.config.get("LOGIN_LIMITS_PAIR", PAIR_LIMITS),
            app.config.get("LOGIN_LIMITS_ADDRESS", ADDRESS_LIMITS))
    return found


def _enabled() -> bool:
    return current_app.config.get("RATELIMIT_ENABLED", True)


def retry_after(account: str, remote_addr: str) -> int:
    return throttle().retry_after(account, address_key(remote_addr)) if _enabled() else 0


def record_failure(account: str, remote_addr: str) -> None:
    if _enabled():
        throttle().record_failure(account, address_key(remote_addr))


def record_success(account: str, remote_addr: str) -> None:
    if _enabled():
        throttle().record_success(account, address_key(remote_addr))


def message(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return ("Terlalu banyak percobaan masuk yang gagal dari alamat ini. "
            f"Silakan coba lagi dalam {minutes} menit.")
