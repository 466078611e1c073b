"""The *served* check: does the platform serve this village on this name?

Why plain sockets + http.client: the check must not depend on the server it
talks to (a test server now, gunicorn/nginx later) nor on a proxy or the
system resolver. We connect to a chosen address (``--connect IP:PORT`` or an
address DNS gave), send SNI and Host for the name, verify the certificate for
the name (and record its days to expiry), then fetch ``/`` and
``/.well-known/desa.json`` and compare the village code. Blocking; the runner
calls it in a thread pool with its own concurrency limit.
"""
from __future__ import annotations

import datetime as _dt
import http.client
import json
import socket
import ssl
from dataclasses import dataclass

from .model import ExpectedName

WELL_KNOWN = "/.well-known/desa.json"
MAX_BODY = 64 * 1024


@dataclass
class HttpOutcome:
    verdict: str | None        # None: served fine (caller may still mark tls_expiring)
    detail: str = ""
    status: int | None = None
    served_kode: str | None = None
    days_left: int | None = None


def _context(ca_file: str | None, verify: bool = True) -> ssl.SSLContext:
    if not verify:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        return ctx
    return ssl.create_default_context(cafile=ca_file) if ca_file else ssl.create_default_context()


def _days_left_der(der: bytes) -> int | None:
    try:
        from cryptography import x509
        cert = x509.load_der_x509_certificate(der)
        after = cert.not_valid_after_utc
    except Exception:  # noqa: BLE001 - unparsable certificate: unknown expiry
        return None
    return (after - _dt.datetime.now(_dt.timezone.utc)).days


def _connect(name: str, addr: tuple[str, int], ctx: ssl.SSLContext, timeout: float) -> ssl.SSLSocket:
    raw = socket.create_connection(addr, timeout=timeout)
    try:
        return ctx.wrap_socket(raw, server_hostname=name)
    except BaseException:
        raw.close()
        raise


def _get(name: str, addr: tuple[str, int], ctx: ssl.SSLContext, path: str, timeout: float) -> tuple[int, bytes]:
    sock = _connect(name, addr, ctx, timeout)
    conn = http.client.HTTPConnection(name, addr[1], timeout=timeout)
    conn.sock = sock
    try:
        conn.request("GET", path, headers={"Host": name, "User-Agent": "dns_tools-check/1",
                                           "Accept": "application/json, text/html", "Connection": "close"})
        resp = conn.getresponse()
        return resp.status, resp.read(MAX_BODY)
    finally:
        conn.close()


def check_served(expected: ExpectedName, name: str, addr: tuple[str, int], *, ca_file: str | None = None,
                 timeout: float = 5.0) -> HttpOutcome:
    """Connect to ``addr`` as ``https://name/`` and check what is served."""
    ctx = _context(ca_file)
    # 1. TLS: a verified handshake for the name, and the certificate's expiry.
    try:
        sock = _connect(name, addr, ctx, timeout)
    except ssl.SSLCertVerificationError as exc:
        days = None
        try:
            s = _connect(name, addr, _context(None, verify=False), timeout)
            days = _days_left_der(s.getpeercert(binary_form=True) or b"")
            s.close()
        except OSError:
            pass
        msg = exc.verify_message or str(exc)
        return HttpOutcome("tls_invalid", f"certificate not valid for {name}: {msg}"
                           + (f" (expiry in {days} days)" if days is not None else ""), days_left=days)
    except ssl.SSLError as exc:
        return HttpOutcome("tls_invalid", f"TLS handshake with {addr[0]}:{addr[1]} failed: {exc.reason or exc}")
    except OSError as exc:
        return HttpOutcome("not_served", f"cannot connect to {addr[0]}:{addr[1]}: {exc.strerror or exc}")
    try:
        days = _days_left_der(sock.getpeercert(binary_form=True) or b"")
    finally:
        sock.close()
    # 2. Content: "/" answers, and desa.json names this village.
    try:
        status, body = _get(name, addr, ctx, WELL_KNOWN, timeout)
        if status != 200:
            return HttpOutcome("not_served", f"{WELL_KNOWN} answered HTTP {status}", status, days_left=days)
        try:
            data = json.loads(body)
            kode = str(data.get("kode", "")) if isinstance(data, dict) else ""
        except ValueError:
            return HttpOutcome("not_served", f"{WELL_KNOWN} is not JSON", status, days_left=days)
        if expected.kode and kode != expected.kode:
            return HttpOutcome("not_served", f"serves village {kode or '?'} instead of {expected.kode}",
                               status, kode, days)
        if expected.slug and isinstance(data, dict) and data.get("slug") not in (None, expected.slug):
            return HttpOutcome("not_served", f"serves slug {data.get('slug')!r} instead of {expected.slug!r}",
                               status, kode, days)
        root_status, _ = _get(name, addr, ctx, "/", timeout)
        if root_status >= 400:
            return HttpOutcome("not_served", f"/ answered HTTP {root_status}", root_status, kode, days)
    except (OSError, http.client.HTTPException) as exc:
        return HttpOutcome("not_served", f"HTTP request failed: {exc}", days_left=days)
    return HttpOutcome(None, f"HTTPS {status}, kode {kode}, certificate valid {days} more days",
                       status, kode, days)
