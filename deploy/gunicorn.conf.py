"""gunicorn settings of a production node: ``gunicorn -c deploy/gunicorn.conf.py wsgi:app``.

Used by the Docker image and the systemd unit (deploy/desa.service). The node
runs sync workers, which a client that sends its request slowly can hold for
as long as it likes: a node must therefore sit behind a buffering proxy that
hands gunicorn only complete requests (deploy/nginx.conf, deploy/compose.yaml).
In production the node refuses to start unless that front is declared with
PROXY_COUNT (the number of proxies whose X-Forwarded-* headers it trusts).

Environment: GUNICORN_BIND (default 0.0.0.0:8000), WEB_CONCURRENCY (workers,
default 4), GUNICORN_TIMEOUT (seconds, default 30).
"""
from __future__ import annotations

import ctypes
import os
import signal

from gunicorn import glogging

from app.logmask import mask_secret_paths

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5  # the proxy keeps connections to the node open (nginx upstream keepalive)
accesslog = "-"


class SecretMaskingLogger(glogging.Logger):
    """The access log without the secret of tracking, invitation and reset links."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: mask_secret_paths(value) if isinstance(value, str) else value
                for key, value in atoms.items()}


logger_class = SecretMaskingLogger

if os.environ.get("DESA_ENV", "").lower() == "production" and not int(os.environ.get("PROXY_COUNT") or 0):
    raise SystemExit(
        "desa: refusing to start: sync workers must sit behind a buffering proxy (nginx, see "
        "deploy/compose.yaml and deploy/nginx.conf); set PROXY_COUNT=1 once it is in front.")

_PR_SET_PDEATHSIG = 1


def post_fork(server, worker) -> None:
    """A worker dies with its master. Without this, a master killed with SIGKILL (OOM
    killer, ``kill -9``) leaves its workers behind, still holding the listening
    port, so that the node cannot be started again: an idle worker notices the
    missing master on its next loop, but one busy with a slow client does not."""
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except AttributeError:  # not Linux: only the supervisor's kill of the whole group helps
        return
    if prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        server.log.warning("prctl(PR_SET_PDEATHSIG) failed: workers may outlive a killed master")
    if os.getppid() != server.pid:  # the master died before the call above
        os._exit(1)
