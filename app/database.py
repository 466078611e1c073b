"""How requests use the database connection: fewer round trips, same safety.

On PostgreSQL every round trip to the server costs far more than the query itself
(more so with the server sharing the machine's cores). A public page used to make three trips
that carried no data:

* ``pool_pre_ping`` sent a ping at every checkout. Here a connection is pinged only
  when it has been idle for ``DATABASE_PING_AFTER_IDLE`` seconds (default 10). A
  connection that stayed idle is the one a database restart, an idle timeout or a
  firewall silently kills; a dead one is replaced before the request uses it. A
  connection that was busy a moment ago is trusted. If the database restarts under
  load, the first request on each stale connection fails with the polite 503 page
  (``app.errors``), and SQLAlchemy then discards the whole pool.
* ``BEGIN`` and ``ROLLBACK`` wrapped every request. Anonymous-style reads (``GET``
  and ``HEAD`` of the public site, the portal, the API and the SEO files) only read,
  so they run in autocommit: each statement sees committed data, and nothing is
  opened or rolled back. Every view that writes answers another method, or lives in
  the admin, whose requests keep their transaction.

SQLite needs neither change: its driver sends no ``BEGIN`` before a ``SELECT`` and
a local file has no connection to lose, so the engine is left as it was.
"""
from __future__ import annotations

import time

from flask import Flask, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError

from .extensions import db
from .platform import PUBLIC_BLUEPRINTS

_IDLE_SINCE = "desa_idle_since"


def init_app(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        return
    _check_liveness_after_idle(engine, app.config)
    # First of all hooks: the host hook may query the registry, and the first query
    # of a request decides whether its connection opens a transaction.
    app.before_request_funcs.setdefault(None, []).insert(0, _read_in_autocommit)


def _check_liveness_after_idle(engine: Engine, config) -> None:
    """SQLAlchemy's "pessimistic" disconnect handling, limited to idle connections."""

    @event.listens_for(engine, "connect")
    def _fresh(_dbapi_connection, record) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection, record) -> None:
        if record is not None:
            record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection, record, _proxy) -> None:
        idle = time.monotonic() - record.info.get(_IDLE_SINCE, 0.0)
        if idle < config["DATABASE_PING_AFTER_IDLE"]:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            if engine.dialect.is_disconnect(exc, dbapi_connection, None):
                # The pool drops this connection and checks out another one.
                raise DisconnectionError("connection lost while idle") from exc
            raise


def _read_in_autocommit() -> None:
    if (
        request.method in ("GET", "HEAD")
        and request.blueprint in PUBLIC_BLUEPRINTS
        # A session already at work (a test or CLI holding the app context) keeps
        # the transaction it has.
        and not db.session().in_transaction()
    ):
        db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
