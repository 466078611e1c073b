"""The village's site settings form."""
from __future__ import annotations

import re
from functools import partial

from sqlalchemy import select

from app import validation
from app.extensions import db
from app.models import MediaFile, Official, SiteSettings
from app.validation import Invalid

from . import CheckedField, Form

SOCIAL_NETWORKS = {"facebook": "Facebook", "instagram": "Instagram", "youtube": "YouTube",
                   "tiktok": "TikTok", "x": "X (Twitter)"}
TEXTS = {"tagline": "Slogan", "head_name": "Nama Kepala Desa", "welcome": "Sambutan",
         "address": "Alamat", "phone": "Telepon", "email": "Email", "whatsapp": "WhatsApp",
         "office_hours": "Jam pelayanan"}
COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")


def _color(raw: str) -> str:
    raw = raw.strip()
    if raw and not COLOR_RE.match(raw):
        raise Invalid("Warna utama harus berformat #rrggbb.")
    return raw.lower()


def _optional(convert):
    return lambda raw: convert(raw) if raw.strip() else None


def _image(label: str):
    def convert(raw: str):
        if not raw.strip():
            return None
        ident = validation.integer(raw, label=label)
        # scoped query: only an image of this village can be chosen
        if db.session.scalar(select(MediaFile.id).where(MediaFile.id == ident,
                                                        MediaFile.kind == "image")) is None:
            raise Invalid(f"{label}: pilih gambar dari pustaka media desa ini.")
        return ident
    return convert


def _official(label: str):
    def convert(raw: str):
        if not raw.strip():
            return None
        ident = validation.integer(raw, label=label)
        # scoped query: only an official of this village, not in the trash
        if db.session.scalar(select(Official.id).where(Official.id == ident)) is None:
            raise Invalid(f"{label}: pilih dari daftar perangkat desa ini.")
        return ident
    return convert


def _social(label: str):
    def convert(raw: str):
        if not raw.strip():
            return None
        try:
            url = validation.link_url(raw, label=f"Tautan {label}")
        except Invalid:
            url = ""
        if not url.startswith("https://"):
            raise Invalid(f"Tautan {label} harus diawali https://.")
        return url
    return convert


def _theme(themes):
    def convert(raw: str) -> str:
        if raw not in themes:
            raise Invalid("Tema tidak dikenal.")
        return raw
    return convert


def settings_form(themes) -> type[Form]:
    """The settings form; the choice of theme depends on the installed themes."""
    attrs = {name: CheckedField(label, convert=partial(
        validation.text, label=label, strip=name != "welcome",
        max_length=validation.column_limit(getattr(SiteSettings, name)) or 20_000))
        for name, label in TEXTS.items()}
    attrs.update(
        primary_color=CheckedField("Warna utama", convert=_color),
        latitude=CheckedField("Lintang", convert=_optional(validation.latitude)),
        longitude=CheckedField("Bujur", convert=_optional(validation.longitude)),
        logo_id=CheckedField("Logo", convert=_image("Logo")),
        header_id=CheckedField("Gambar header", convert=_image("Gambar header")),
        theme=CheckedField("Tema", convert=_theme(themes)),
        ppid_official_id=CheckedField("PPID desa", convert=_official("PPID desa")),
        ppid_superior_id=CheckedField("Atasan PPID", convert=_official("Atasan PPID")),
        **{f"social_{key}": CheckedField(label, convert=_social(label))
           for key, label in SOCIAL_NETWORKS.items()},
    )
    return type("SettingsForm", (Form,), attrs)
