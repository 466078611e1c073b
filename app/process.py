"""Tuning of a serving process (gunicorn worker), applied once the app is built.

Python's cyclic garbage collector now and then runs a full collection that walks
every tracked object: after start-up that is every object of Flask, SQLAlchemy,
Babel and the templates. Pages that build many short-lived objects (the regency
directory lists every village of the regency) set one off now and then, and every
request queued behind it waited: the directory's slowest requests took several
times its median.

``gc.freeze()`` moves what exists after start-up out of the collector's reach (it
lives as long as the process anyway), so a full pass only walks what came later.
A larger first-generation threshold lets a request's temporary objects die by
reference counting before a collection promotes them to an older generation.
Nothing is disabled: cycles are still collected.
"""
from __future__ import annotations

import gc

#: First-generation threshold (CPython's default is 700); the older two are kept.
YOUNG_GENERATION_THRESHOLD = 7000


def settle_after_start() -> None:
    gc.collect()
    gc.freeze()
    _young, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, middle, old)
