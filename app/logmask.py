"""Secret links never reach a log: the tracking links of the PPID desk and of complaints,
invitation and password-reset links carry their secret in the path."""
from __future__ import annotations

import re

SECRET_IN_PATH = re.compile(r"(/(?:lacak|undangan|reset)/)[^/?#\s]+")


def mask_secret_paths(text: str) -> str:
    """``/ppid/lacak/AbC…`` -> ``/ppid/lacak/***`` (the rest of the text unchanged)."""
    return SECRET_IN_PATH.sub(r"\1***", text)
