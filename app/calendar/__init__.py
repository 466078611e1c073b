"""The regency's working-day calendar: national holidays and cuti bersama.

Legal deadlines of the PPID desk (UU 14/2008 Pasal 22 and 36) run in working days:
every day but Saturdays, Sundays, national holidays and cuti bersama (government
offices are closed on both). The days off live in the ``holiday`` table (global,
the same for every village), seeded from the decree files in ``data/`` and edited
by the superadmin; ``workdays`` does the arithmetic on a plain set of dates.
"""
from __future__ import annotations


def init_app(app) -> None:
    from . import models  # noqa: F401 - register the table with the metadata
    from .cli import calendar_cli
    from .views import bp

    app.cli.add_command(calendar_cli)
    app.register_portal_blueprint(bp)
