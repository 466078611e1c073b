"""Content forms, generated from the registry (``app.admin.registry.KINDS``)."""
from __future__ import annotations

from datetime import date, datetime, time, timezone
from functools import partial

from sqlalchemy import Numeric, select

from app import validation
from app.extensions import db
from app.markdown import check_markdown
from app.models import DRAFT, PUBLISHED, SCHEDULED, MediaFile
from app.permissions import can
from app.validation import Invalid, column_limit

from ..registry import Field, Kind, slugify
from . import CheckedField, Form, UploadField, error_list

STATUSES = (DRAFT, PUBLISHED, SCHEDULED)
YEAR_RANGE = (1900, 2200)


def _column(kind: Kind, name: str):
    """The model column behind a registry field (None for tags, which are a relation)."""
    columns = kind.model.__table__.c
    return columns[name] if name in columns else None


def _blank_or(convert):
    """Empty input means "no value" (None); anything else goes through ``convert``."""
    def checked(raw: str):
        return None if not raw.strip() else convert(raw.strip())
    return checked


def _parsed(parse, label: str):
    def convert(raw: str):
        try:
            value = parse(raw)
        except ValueError:
            raise Invalid(f"{label} tidak valid.") from None
        if isinstance(value, (date, datetime)) and not YEAR_RANGE[0] <= value.year <= YEAR_RANGE[1]:
            raise Invalid(f"{label} tidak valid.")
        return value
    return convert


def _choice(f: Field):
    def convert(raw: str):
        raw = raw.strip()
        if raw == "":
            return None
        if raw not in f.options():
            raise Invalid(f"Pilihan {f.label} tidak valid.")
        return int(raw) if f.name.endswith("_id") else raw
    return convert


def _media(f: Field):
    kind = "pdf" if f.type == "pdf" else "image"

    def convert(raw: str):
        if not raw.strip():
            return None
        ident = validation.integer(raw, label=f.label)
        found = db.session.scalar(select(MediaFile.id).where(MediaFile.id == ident,
                                                             MediaFile.kind == kind))
        if found is None:
            raise Invalid(f"{f.label}: berkas tidak ditemukan.")
        return ident
    return convert


def converter(kind: Kind, f: Field):
    """The pure check of one registry field, with the limits of its column."""
    column = _column(kind, f.name)
    length = getattr(getattr(column, "type", None), "length", None)
    if f.type in ("text", "slug", "tags"):
        return partial(validation.text, label=f.label, max_length=length or
                       (column_limit(kind.model.slug) if f.type == "slug" else 1000),
                       required=f.required)
    if f.type in ("textarea", "markdown"):
        text = partial(validation.text, label=f.label, max_length=length, required=f.required,
                       strip=False)
        return text if f.type == "textarea" else partial(_markdown, text, f.label)
    if f.type == "url":
        return partial(validation.link_url, label=f.label, max_length=length or 300)
    if f.type == "int":
        bounds = YEAR_RANGE if f.name == "year" else (0, validation.INT_MAX)
        convert = partial(validation.integer, label=f.label, minimum=bounds[0], maximum=bounds[1])
    elif f.type == "decimal":
        numeric = column.type if column is not None and isinstance(column.type, Numeric) else None
        convert = partial(validation.amount, label=f.label,
                          digits=numeric.precision if numeric else 16,
                          places=numeric.scale if numeric else 2)
    elif f.type == "date":
        convert = _parsed(date.fromisoformat, f.label)
    elif f.type == "time":
        convert = _parsed(time.fromisoformat, f.label)
    elif f.type == "select":
        return _choice(f)
    elif f.type in ("media", "pdf"):
        return _media(f)
    else:
        raise ValueError(f"unknown field type {f.type!r}")
    if f.required:
        def required(raw: str, _convert=convert):
            if not raw.strip():
                raise Invalid(f"{f.label} wajib diisi.")
            return _convert(raw.strip())
        return required
    return _blank_or(convert)


def _markdown(text, label: str, raw: str) -> str:
    """Markdown source within the renderer's limits (``app.markdown.check_markdown``)."""
    value = text(raw)
    check_markdown(value, label)
    return value


def _published_at(raw: str):
    if not raw.strip():
        return None
    value = _parsed(datetime.fromisoformat, "Waktu terbit")(raw.strip())
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _status(raw: str):
    raw = raw.strip() or DRAFT
    if raw not in STATUSES:
        raise Invalid("Status tidak valid.")
    return raw


class ContentForm(Form):
    """Base of the generated forms; ``check`` adds the rules across fields."""

    kind: Kind

    def check(self, obj) -> list[str]:
        """Validate every field and the publishing rules; the messages, or []."""
        self.validate()
        errors = error_list(self)
        if self.kind.publishable and not self.status.errors:
            status, when = self.status.value, self.published_at.value
            if status != DRAFT and status != obj.status and not can(
                    "content.publish", self.kind.name):
                errors.append("Kontributor hanya dapat menyimpan draf; minta redaksi menerbitkan.")
            elif status == SCHEDULED and when is None:
                errors.append("Isi waktu terbit untuk konten terjadwal.")
        return errors

    def title_hint(self) -> str:
        """What a new slug is made from."""
        field = getattr(self, self.kind.title_attr, None) or getattr(self, "title", None)
        return (field.value or "") if field is not None else ""


_FORMS: dict[str, type[ContentForm]] = {}


def content_form(kind: Kind) -> type[ContentForm]:
    """The form class of a content kind (built once from its registry fields)."""
    form = _FORMS.get(kind.name)
    if form is None:
        attrs = {"kind": kind}
        for f in kind.fields:
            attrs[f.name] = CheckedField(f.label, convert=converter(kind, f))
            if f.type in ("media", "pdf"):
                attrs[f.name + "_upload"] = UploadField(
                    f.label, allowed=("pdf",) if f.type == "pdf" else ("image",))
        if kind.publishable:
            attrs["status"] = CheckedField("Status", convert=_status)
            attrs["published_at"] = CheckedField("Waktu terbit", convert=_published_at)
        form = _FORMS[kind.name] = type(f"{kind.model.__name__}Form", (ContentForm,), attrs)
    return form


def unique_slug(kind: Kind, wanted: str, ident: int | None) -> str:
    """``wanted`` or, when another item (trash included) has it, ``wanted-2``, ``-3`` …"""
    limit = column_limit(kind.model.slug)
    base = slugify(wanted)[: limit - 6].rstrip("-") or "item"
    taken = set(db.session.scalars(select(kind.model.slug).where(
        kind.model.slug.startswith(base, autoescape=True), kind.model.id != (ident or 0)
    ).execution_options(include_trashed=True)))
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


__all__ = ["ContentForm", "content_form", "converter", "unique_slug"]
