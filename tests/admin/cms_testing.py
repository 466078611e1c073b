"""Helpers for the CMS tests (uniquely named: ``conftest`` is ambiguous as a module)."""
from __future__ import annotations

import io

import pyotp
from PIL import Image

PASSWORD = "Rahasia-Desa-2026"
OTHER = "sokogunung"


def login(vc, email, password=PASSWORD, follow=False):
    return vc.post("/admin/login", data={"email": email, "password": password},
                   follow_redirects=follow)


def totp_now(secret):
    return pyotp.TOTP(secret).now()


def image_bytes(fmt="PNG", size=(50, 40), color=(200, 30, 30)):
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, fmt)
    return buf.getvalue()


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
