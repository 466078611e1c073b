"""Security headers on every response (the OWASP Secure Headers set).

* ``Content-Security-Policy``: scripts, styles, fonts and pictures only from the
  site itself, no inline script at all, no plugins, no ``<base>`` tricks; an inline
  ``<style>`` block is allowed only by the hash of its exact text, recorded when the
  template writes it with :func:`inline_style`. The map's tile server, when one is
  configured, is the one other origin pictures may come from.
* Framing: the admin (everything under ``/admin``) may never be framed; public pages
  only by the same site (``frame-ancestors`` for current browsers, ``X-Frame-Options``
  for old ones).
* ``Referrer-Policy``, ``Permissions-Policy``, ``X-Content-Type-Options: nosniff``,
  ``Cross-Origin-Opener-Policy``, and ``Strict-Transport-Security`` in production.

Headers a response already carries are kept: a page served from the page cache
brings the headers it was stored with (its policy names the hashes of its own
inline styles), and a view may set a stricter one of its own.
"""
from __future__ import annotations

import base64
import hashlib
from urllib.parse import urlsplit

from flask import Flask, current_app, g, request
from markupsafe import Markup

ADMIN_PREFIX = "/admin"

#: One year, as the sample nginx configuration sends. No ``includeSubDomains``: the
#: base domain is the regency's own, whose other hosts are not this platform's.
HSTS = "max-age=31536000"

#: Powerful browser features no page of the platform uses.
PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in (
    "accelerometer", "autoplay", "camera", "display-capture", "geolocation", "gyroscope",
    "magnetometer", "microphone", "midi", "payment", "usb"))


def inline_style(css: str) -> Markup:
    """A ``<style>`` block the policy allows by its hash (CSP level 2). Only for CSS
    the platform composes from checked values: it is written as it is."""
    if "<" in css:
        raise ValueError("an inline style may not contain '<'")
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    hashes = g.setdefault("csp_style_hashes", [])
    if digest not in hashes:
        hashes.append(digest)
    return Markup(f"<style>{css}</style>")


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme in ("http", "https") and parts.hostname:
        # a tile URL template may carry "{s}." for its subdomains: allow all of them
        host = parts.netloc.split("@")[-1].replace("{s}", "*")
        return f"{parts.scheme}://{host}"
    return None


def content_security_policy(*, framable: bool, style_hashes: list[str] = (),
                            tile_url: str | None = None) -> str:
    styles = " ".join(["'self'", *(f"'sha256-{h}'" for h in style_hashes)])
    tiles = _origin(tile_url) if tile_url else None
    images = " ".join(filter(None, ["'self'", "data:", tiles]))
    directives = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": styles,
        "img-src": images,
        "font-src": "'self'",
        "connect-src": "'self'",
        "media-src": "'self'",
        "object-src": "'none'",
        "frame-src": "'none'",
        "worker-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'self'" if framable else "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def _is_admin() -> bool:
    path = request.path
    return path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/")


def add_security_headers(response):
    admin = _is_admin()
    headers = response.headers
    headers.setdefault("Content-Security-Policy", content_security_policy(
        framable=not admin, style_hashes=g.get("csp_style_hashes", ()),
        tile_url=current_app.config.get("MAP_TILE_URL")))
    headers.setdefault("X-Frame-Options", "DENY" if admin else "SAMEORIGIN")
    # the admin's own pages keep their full address (its CSRF check compares the
    # Referer on HTTPS); other sites learn at most the site's origin
    headers.setdefault("Referrer-Policy",
                       "same-origin" if admin else "strict-origin-when-cross-origin")
    headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if current_app.config.get("DESA_ENV") == "production":
        headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def init_app(app: Flask) -> None:
    """Register after the page cache: Flask runs ``after_request`` functions in reverse
    order, so the headers are on the response before the cache stores it."""
    app.after_request(add_security_headers)
    app.jinja_env.globals["inline_style"] = inline_style
