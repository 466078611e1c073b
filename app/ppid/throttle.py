"""Limits on the citizens' forms: each filing creates a numbered register entry with a
legal deadline, so a robot must not be able to flood a village's register.

Counted per form section (``ppid``, ``pengaduan``) of a village, on filings that were
accepted: per address (``CITIZEN_FORM_LIMITS_ADDRESS``, IPv6 per /64) and for the whole
village (``CITIZEN_FORM_LIMITS_VILLAGE``, a flood spread over many addresses). In Redis
when it is configured (shared by every worker and node), else in the worker's memory;
kept by the same ``limits`` engine as the login throttle."""
from __future__ import annotations

import math
import time

from flask import current_app, g, request
from limits import parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from app.auth.ratelimit import address_key

ADDRESS_LIMITS = "5 per hour; 20 per day"
VILLAGE_LIMITS = "100 per hour"


def _limiter() -> MovingWindowRateLimiter:
    app = current_app
    found = app.extensions.get("desa_citizen_form_limits")
    if found is None:
        found = app.extensions["desa_citizen_form_limits"] = MovingWindowRateLimiter(
            storage_from_string(app.config.get("REDIS_URL") or "memory://"))
    return found


def _checks(section: str):
    config = current_app.config
    village = str(g.tenant.id)
    address = address_key(request.remote_addr or "")
    return ([(item, ("citizen-form", section, village, address))
             for item in parse_many(config.get("CITIZEN_FORM_LIMITS_ADDRESS", ADDRESS_LIMITS))]
            + [(item, ("citizen-form", section, village))
               for item in parse_many(config.get("CITIZEN_FORM_LIMITS_VILLAGE", VILLAGE_LIMITS))])


def retry_after(section: str) -> int:
    """Seconds until this address may file again in this village; 0 when it may now."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return 0
    limiter, wait = _limiter(), 0.0
    for item, keys in _checks(section):
        if not limiter.test(item, *keys):
            wait = max(wait, limiter.get_window_stats(item, *keys).reset_time - time.time(), 1)
    return math.ceil(wait)


def record(section: str) -> None:
    if current_app.config.get("RATELIMIT_ENABLED", True):
        limiter = _limiter()
        for item, keys in _checks(section):
            limiter.hit(item, *keys)
