"""TOTP codes, each accepted once.

A code stays valid for its 30-second step and, for clock drift, the steps on each
side; without more, one seen over a shoulder or a proxy could be replayed for about
a minute. The step of the last accepted code is stored per user and only a later
step is accepted, claimed with a conditional UPDATE so that two requests racing with
the same code cannot both win.
"""
from __future__ import annotations

import hmac
from datetime import datetime, timezone

import pyotp
from sqlalchemy import or_, update

from app.extensions import db
from app.models.users import User

#: Steps accepted on each side of the current one (clock drift).
DRIFT_STEPS = 1


def matching_step(secret: str, code: str) -> int | None:
    """The time step whose code ``code`` is, near now; None when it is none of them."""
    code = (code or "").replace(" ", "")
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(datetime.now(timezone.utc))
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def accept_code(user: User, code: str) -> bool:
    """True when ``code`` is the user's and no code of this step or a later one was used."""
    if not user.totp_secret:
        return False
    step = matching_step(user.totp_secret, code)
    if step is None:
        return False
    claimed = db.session.execute(
        update(User).where(User.id == user.id, or_(User.totp_last_step.is_(None),
                                                   User.totp_last_step < step))
        .values(totp_last_step=step).execution_options(synchronize_session=False))
    return claimed.rowcount == 1
