"""Export a village's content to a zip, import it into an empty village.

Zip layout::

    manifest.json          format, village, counts, officials, budget, stats,
                           settings, documents, albums, categories, media index
    content/<type>/<slug>.md  Markdown with front matter (JSON values, valid YAML)
    media/<key>            stored originals (variants are regenerated on import)
"""
from __future__ import annotations

import io
import json
import re
import zipfile
import zlib
from datetime import date, datetime, time, timezone
from decimal import Decimal

import click
from sqlalchemy import select

from app.extensions import db
from app.markdown import check_markdown
from app.models import (
    DOCUMENT_CATEGORIES, GROUPS, STAT_CATEGORIES, STATES, Album, Announcement, BudgetLine,
    Category, Document, Event, MediaFile, MenuItem, Official, Page, Photo, PopulationStat, Post,
    SiteSettings, Tag,
)
from app.media import MEDIA_PATH
from app.storage import VARIANTS, get_storage, variant_key
from app.validation import (
    INT_MAX, Invalid, column_limit, integer, latitude, link_url, longitude, text,
)
from tenants.scoping import tenant_context

from .budget import budget_line

FORMAT = "desa-cms-export/1"
MARKDOWN_TYPES = {"page": Page, "post": Post, "announcement": Announcement, "event": Event}
FRONT = {
    "page": ["title", "slug", "status", "published_at", "section", "position"],
    "post": ["title", "slug", "status", "published_at", "excerpt", "author_name"],
    "announcement": ["title", "slug", "status", "published_at", "valid_until"],
    "event": ["title", "slug", "status", "published_at", "starts_on", "start_time", "end_time",
              "location"],
}


def _jsonable(value):
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _row(obj, names):
    return {n: _jsonable(getattr(obj, n)) for n in names}


def _front_matter(meta: dict, body: str) -> str:
    lines = ["---"] + [f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in meta.items()]
    return "\n".join(lines) + "\n---\n\n" + (body or "")


def _parse_front_matter(text: str) -> tuple[dict, str]:
    if not text.startswith("---\n"):
        raise ValueError("front matter tidak ditemukan")
    head, _, body = text[4:].partition("\n---\n")
    meta = {}
    for line in head.splitlines():
        key, _, raw = line.partition(": ")
        meta[key] = json.loads(raw)
    return meta, body[1:] if body.startswith("\n") else body


def build_export(tenant_id: int) -> bytes:
    buf = io.BytesIO()
    storage = get_storage()
    with tenant_context(tenant_id), zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        counts = {}
        for name, model in MARKDOWN_TYPES.items():
            items = db.session.scalars(select(model).order_by(model.id)).all()
            counts[name] = len(items)
            for obj in items:
                meta = _row(obj, FRONT[name])
                if name == "post":
                    meta["category"] = obj.category.slug if obj.category else None
                    meta["tags"] = [t.name for t in obj.tags]
                    meta["cover"] = obj.cover.key if obj.cover else None
                zf.writestr(f"content/{name}/{obj.slug}.md", _front_matter(meta, obj.body_md))
        media = db.session.scalars(select(MediaFile).order_by(MediaFile.id)).all()
        for m in media:
            try:
                zf.writestr(f"media/{m.key}", storage.load(m.key))
            except FileNotFoundError:
                continue
        settings = db.session.scalar(select(SiteSettings))
        manifest = {
            "format": FORMAT,
            "counts": counts,
            "categories": [_row(c, ["slug", "name"]) for c in db.session.scalars(select(Category))],
            "media": [_row(m, ["key", "kind", "original_name", "alt"]) for m in media],
            "officials": [dict(_row(o, ["name", "position", "group", "position_order"]),
                               photo=o.photo.key if o.photo else None)
                          for o in db.session.scalars(select(Official))],
            "documents": [dict(_row(d, ["slug", "title", "category", "year", "description",
                                        "status", "published_at"]),
                               file=d.file.key if d.file else None)
                          for d in db.session.scalars(select(Document))],
            "albums": [dict(_row(a, ["slug", "title", "description", "status", "published_at"]),
                            photos=[{"media": p.media.key, "caption": p.caption}
                                    for p in a.photos])
                       for a in db.session.scalars(select(Album))],
            "budget": [_row(b, ["year", "section", "code", "name", "planned", "realised",
                                "position"]) for b in db.session.scalars(select(BudgetLine))],
            "stats": [_row(s, ["year", "category", "label", "value", "position"])
                      for s in db.session.scalars(select(PopulationStat))],
            "menu": [_row(m, ["label", "url", "position"])
                     for m in db.session.scalars(select(MenuItem))],
            "settings": _row(settings, ["tagline", "head_name", "welcome", "address", "phone",
                                        "email", "whatsapp", "office_hours", "social",
                                        "primary_color", "latitude", "longitude"])
            | {"logo": settings.logo.key if settings.logo else None,
               "header": settings.header.key if settings.header else None}
            if settings else None,
        }
        zf.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))
    return buf.getvalue()


# -- import ------------------------------------------------------------------------
#: Limits of an export zip read back: it is opened from its file and each entry is
#: read against its declared size, so a small zip cannot expand into the memory.
MAX_ENTRIES = 50_000
MAX_ENTRY_BYTES = 64 * 2**20
MAX_TOTAL_BYTES = 4 * 2**30
#: Above this size an entry may not be more than MAX_RATIO times its compressed size
#: (text compresses well; a thousandfold ratio is a zip bomb).
RATIO_FROM_BYTES = 2**20
MAX_RATIO = 200

#: What each manifest list may set, by model: the fields the export writes, nothing
#: else (never ``id``, ``tenant_id`` or a stored ``body_html``).
MANIFEST_FIELDS = {
    "categories": (Category, ("slug", "name")),
    "officials": (Official, ("name", "position", "group", "position_order")),
    "documents": (Document, ("slug", "title", "category", "year", "description", "status",
                             "published_at")),
    "albums": (Album, ("slug", "title", "description", "status", "published_at")),
    "stats": (PopulationStat, ("year", "category", "label", "value", "position")),
    "menu": (MenuItem, ("label", "url", "position")),
}
BUDGET_FIELDS = ("year", "section", "code", "name", "planned", "realised", "position")
SETTINGS_FIELDS = ("tagline", "head_name", "welcome", "address", "phone", "email", "whatsapp",
                   "office_hours", "social", "primary_color", "latitude", "longitude")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_CHOICES = {
    "status": dict.fromkeys(STATES), "group": GROUPS, "section": {"profil": 1, "halaman": 1},
}


class ExportArchive:
    """An export zip, read entry by entry within the limits above."""

    def __init__(self, source):
        try:
            self.zip = zipfile.ZipFile(source)
        except (zipfile.BadZipFile, OSError) as exc:
            raise Invalid(f"Berkas bukan zip ekspor yang utuh ({exc}).") from None
        infos = self.zip.infolist()
        if len(infos) > MAX_ENTRIES:
            raise Invalid(f"Zip berisi lebih dari {MAX_ENTRIES} berkas.")
        for info in infos:
            if info.file_size > MAX_ENTRY_BYTES:
                raise Invalid(f"{info.filename}: lebih dari {MAX_ENTRY_BYTES // 2**20} MiB.")
            if info.file_size > RATIO_FROM_BYTES and \
                    info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise Invalid(f"{info.filename}: rasio kompresi tidak wajar (bom zip).")
        if sum(info.file_size for info in infos) > MAX_TOTAL_BYTES:
            raise Invalid(f"Isi zip lebih dari {MAX_TOTAL_BYTES // 2**30} GiB.")
        self.names = [info.filename for info in infos]
        self.contains = set(self.names).__contains__

    def read(self, name: str) -> bytes:
        info = self.zip.getinfo(name)
        try:
            with self.zip.open(info) as entry:
                data = entry.read(info.file_size + 1)  # never more than it declares
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
            raise Invalid(f"{name}: rusak ({exc}).") from None
        if len(data) != info.file_size:
            raise Invalid(f"{name}: ukuran isi tidak sesuai dengan yang dinyatakan zip.")
        return data

    def text(self, name: str) -> str:
        try:
            return self.read(name).decode("utf-8")
        except UnicodeDecodeError:
            raise Invalid(f"{name}: bukan teks UTF-8.") from None


def _value(model, name: str, raw, label: str | None = None):
    """One imported value, checked as the forms check it, by the column it goes to."""
    label = label or name
    if name == "url":
        return link_url(raw, label=label, max_length=column_limit(model.url))
    if name == "slug":
        slug = text(raw, label=label, max_length=column_limit(model.slug), required=True)
        if not _SLUG.match(slug):
            raise Invalid(f"{label}: hanya huruf kecil, angka dan tanda minus.")
        return slug
    if name in _CHOICES or (model, name) in ((Document, "category"),
                                             (PopulationStat, "category")):
        choices = _CHOICES.get(name) or (DOCUMENT_CATEGORIES if model is Document
                                         else STAT_CATEGORIES)
        if raw not in choices:
            raise Invalid(f"{label}: pilihan '{str(raw)[:30]}' tidak dikenal.")
        return raw
    column = model.__table__.c[name]
    if raw is None:
        if not column.nullable and column.default is None:
            raise Invalid(f"{label} wajib diisi.")
        return None
    kind = column.type.python_type
    try:
        if kind is str:
            return text(raw, label=label, max_length=column_limit(getattr(model, name)),
                        strip=False)
        if kind is int:
            return integer(raw, label=label, minimum=-INT_MAX)
        if kind in (datetime, date, time) and isinstance(raw, str):
            value = kind.fromisoformat(raw)
            return value.replace(tzinfo=timezone.utc) \
                if kind is datetime and value.tzinfo is None else value
    except ValueError as exc:
        raise Invalid(f"{label} tidak valid.") if not isinstance(exc, Invalid) else exc
    raise Invalid(f"{label} tidak valid.")


def _record(model, data, fields, where: str) -> dict:
    if not isinstance(data, dict):
        raise Invalid(f"{where}: harus berupa objek JSON.")
    unknown = set(data) - set(fields)
    if unknown:
        raise Invalid(f"{where}: kolom tidak dikenal: {', '.join(sorted(unknown))[:200]}.")
    try:
        return {name: _value(model, name, data[name]) for name in fields if name in data}
    except Invalid as exc:
        raise Invalid(f"{where}: {exc}") from None


def _settings_values(data) -> dict:
    values = _record(SiteSettings, {k: v for k, v in data.items()
                                    if k not in ("social", "latitude", "longitude",
                                                 "primary_color", "logo", "header")},
                     [f for f in SETTINGS_FIELDS if f not in ("social", "latitude", "longitude",
                                                             "primary_color")],
                     "settings")
    unknown = set(data) - set(SETTINGS_FIELDS) - {"logo", "header"}
    if unknown:
        raise Invalid(f"settings: kolom tidak dikenal: {', '.join(sorted(unknown))[:200]}.")
    try:
        for name, check in (("latitude", latitude), ("longitude", longitude)):
            raw = data.get(name)
            values[name] = None if raw in (None, "") else check(raw)
        color = data.get("primary_color") or ""
        if color and not _COLOR.match(str(color)):
            raise Invalid("Warna utama harus berformat #rrggbb.")
        values["primary_color"] = str(color).lower()
        social = data.get("social") or {}
        if not isinstance(social, dict) or len(social) > 20:
            raise Invalid("Tautan media sosial tidak valid.")
        for network, url in social.items():
            checked = link_url(url, label=f"Tautan {network}")
            if not re.fullmatch(r"[a-z]{1,20}", str(network)) or \
                    not checked.lower().startswith("https://"):
                raise Invalid(f"Tautan {str(network)[:20]} harus diawali https://.")
        values["social"] = dict(social)
    except Invalid as exc:
        raise Invalid(f"settings: {exc}") from None
    return values


def _content_entry(archive: ExportArchive, name: str) -> tuple[str, dict, dict, str]:
    """(kind, row values, links to resolve, body) of one ``content/<kind>/<slug>.md``."""
    kind = name.split("/")[1]
    model = MARKDOWN_TYPES.get(kind)
    if model is None:
        raise Invalid(f"{name}: jenis isi '{kind[:30]}' tidak dikenal.")
    try:
        meta, body = _parse_front_matter(archive.text(name))
    except (ValueError, TypeError) as exc:
        raise Invalid(f"{name}: front matter tidak valid ({exc}).") from None
    links = {k: meta.pop(k, None) for k in ("category", "tags", "cover")} \
        if kind == "post" else {}
    values = _record(model, meta, FRONT[kind], name)
    for field in ("title", "slug"):
        if not values.get(field):
            raise Invalid(f"{name}: {field} wajib diisi.")
    tags = links.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) and 0 < len(t) <= 120
                                             for t in tags):
        raise Invalid(f"{name}: tags harus berupa daftar nama (paling panjang 120).")
    try:
        check_markdown(body)
    except Invalid as exc:
        raise Invalid(f"{name}: {exc}") from None
    return kind, values, links, body


def _relink(body: str, renamed: dict[str, str]) -> str:
    """An imported file gets a key of its new village: the bodies that show it (the
    editor inserts ``/media/<key>``, or a resized copy's key) are pointed at it."""
    for old, new in renamed.items():
        for name in VARIANTS:
            body = body.replace(MEDIA_PATH + variant_key(old, name),
                                MEDIA_PATH + variant_key(new, name))
        body = body.replace(MEDIA_PATH + old, MEDIA_PATH + new)
    return body


def _checked_manifest(archive: ExportArchive) -> dict:
    """The manifest with every value checked; nothing is stored before it passes."""
    try:
        manifest = json.loads(archive.text("manifest.json"))
    except KeyError:
        raise Invalid("manifest.json tidak ada di zip.") from None
    except ValueError as exc:
        raise Invalid(f"manifest.json tidak valid ({exc}).") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise Invalid("Format ekspor tidak dikenal.")
    checked = {"counts": manifest.get("counts") or {}}
    for part in ("media", "officials", "documents", "albums", "budget", "stats", "menu",
                 "categories"):
        if not isinstance(manifest.get(part, []), list):
            raise Invalid(f"manifest.json: {part} harus berupa daftar.")
    checked["media"] = []
    for n, m in enumerate(manifest.get("media", []), start=1):
        entry = _record(MediaFile, m, ("key", "kind", "original_name", "alt"), f"media {n}")
        if not entry.get("key"):
            raise Invalid(f"media {n}: key wajib diisi.")
        checked["media"].append(entry)
    for part, (model, fields) in MANIFEST_FIELDS.items():
        rows = []
        for n, row in enumerate(manifest.get(part, []), start=1):
            extra = {"officials": ("photo",), "documents": ("file",),
                     "albums": ("photos",)}.get(part, ())
            own = {k: v for k, v in row.items() if k not in extra} \
                if isinstance(row, dict) else row
            values = _record(model, own, fields, f"{part} {n}")
            for key in extra:
                values[key] = row.get(key)
            rows.append(values)
        checked[part] = rows
    for n, album in enumerate(checked["albums"], start=1):
        photos = album["photos"] or []
        if not isinstance(photos, list) or not all(
                isinstance(p, dict) and isinstance(p.get("media"), str) for p in photos):
            raise Invalid(f"albums {n}: photos tidak valid.")
        album["photos"] = [{"media": p["media"], "caption": _value(
            Photo, "caption", p.get("caption") or "", "caption")} for p in photos]
    budget = []
    for n, row in enumerate(manifest.get("budget", []), start=1):
        try:
            if not isinstance(row, dict):
                raise Invalid("harus berupa objek JSON.")
            unknown = set(row) - set(BUDGET_FIELDS)
            if unknown:
                raise Invalid(f"kolom tidak dikenal: {', '.join(sorted(unknown))[:200]}.")
            position = integer(row.get("position", n), label="position", minimum=-INT_MAX)
            budget.append(budget_line(row, position=position))
        except Invalid as exc:
            raise Invalid(f"budget {n}: {exc}") from None
    checked["budget"] = budget
    settings = manifest.get("settings")
    if settings is not None and not isinstance(settings, dict):
        raise Invalid("manifest.json: settings harus berupa objek.")
    checked["settings"] = _settings_values(settings) if settings else None
    checked["images"] = {k: settings.get(k) for k in ("logo", "header")} if settings else {}
    return checked


def import_content(tenant, source) -> dict:
    """Import an export zip (a path, a file object or bytes) into an EMPTY village
    (``tenant`` is a Tenant row). Everything is checked before anything is stored;
    ``Invalid`` says what is wrong, and then nothing is left behind."""
    from app.media import MediaError, ingest

    if isinstance(source, (bytes, bytearray)):
        source = io.BytesIO(source)
    archive = ExportArchive(source)
    manifest = _checked_manifest(archive)
    entries = [_content_entry(archive, name) for name in archive.names
               if name.startswith("content/") and name.endswith(".md")]
    with tenant_context(tenant.id):
        for model in (*MARKDOWN_TYPES.values(), MediaFile, Official, Document, Album,
                      BudgetLine, PopulationStat):
            if db.session.scalar(select(model.id).execution_options(include_trashed=True)
                                 .limit(1)) is not None:
                raise Invalid(f"Desa {tenant.slug} tidak kosong; impor hanya ke desa kosong.")
        stored: list[str] = []
        try:
            counts = _store(tenant, archive, manifest, entries, stored, ingest, MediaError)
        except BaseException:
            db.session.rollback()
            storage = get_storage()
            for key in stored:
                storage.delete(key)
            raise
    return counts


def _store(tenant, archive, manifest, entries, stored, ingest, media_error) -> dict:
    media = {}
    for m in manifest["media"]:
        if not archive.contains(f"media/{m['key']}"):
            continue  # the export skips a file missing from storage
        try:
            new = ingest(archive.read(f"media/{m['key']}"), m.get("original_name") or "", tenant.code,
                         alt=m.get("alt") or "")
        except media_error as exc:
            raise Invalid(f"media {m['key'][:80]}: {exc}") from None
        stored += [new.key] + [v["key"] for v in (new.variants or {}).values() if v.get("key")]
        media[m["key"]] = new
    db.session.flush()
    renamed = {old: new.key for old, new in media.items()}
    categories = {}
    for c in manifest["categories"]:
        categories[c["slug"]] = Category(**c)
        db.session.add(categories[c["slug"]])
    tags: dict[str, Tag] = {}
    from .registry import slugify

    for kind, values, links, body in entries:
        obj = MARKDOWN_TYPES[kind](**values)
        obj.body_md = _relink(body, renamed)  # after the media: pictures known
        if kind == "post":
            obj.category = categories.get(links["category"])
            cover = media.get(links["cover"])
            obj.cover_id = cover.id if cover else None
            names = links["tags"] or []
            for tag_name in names:
                tags.setdefault(slugify(tag_name), Tag(slug=slugify(tag_name), name=tag_name))
            obj.tags = list({slugify(t): tags[slugify(t)] for t in names}.values())
        db.session.add(obj)
    for o in manifest["officials"]:
        photo = media.get(o.pop("photo"))
        db.session.add(Official(**o, photo_id=photo.id if photo else None))
    for d in manifest["documents"]:
        found = media.get(d.pop("file"))
        db.session.add(Document(**d, file_id=found.id if found else None))
    for a in manifest["albums"]:
        photos = a.pop("photos")
        album = Album(**a)
        db.session.add(album)
        for n, p in enumerate(photos):
            if p["media"] in media:
                album.photos.append(Photo(media_id=media[p["media"]].id,
                                          caption=p["caption"], position=n))
    db.session.add_all(manifest["budget"])
    for s in manifest["stats"]:
        db.session.add(PopulationStat(**s))
    for m in manifest["menu"]:
        db.session.add(MenuItem(**m))
    if manifest["settings"] is not None:
        row = db.session.scalar(select(SiteSettings)) or SiteSettings()
        for image, key in manifest["images"].items():
            found = media.get(key)
            setattr(row, f"{image}_id", found.id if found else None)
        for k, v in manifest["settings"].items():
            setattr(row, k, v)
        db.session.add(row)
    db.session.commit()
    return manifest["counts"]


def init_app(app) -> None:
    from tenants.cli import find_tenant, tenants_cli
    from tenants.scoping import system_scope

    @tenants_cli.command("export")
    @click.argument("slug")
    @click.argument("file", type=click.Path(dir_okay=False, writable=True))
    def export_command(slug: str, file: str) -> None:
        """Ekspor konten desa ke berkas zip (Markdown + media + manifest JSON)."""
        with system_scope():
            tenant = find_tenant(slug)
        data = build_export(tenant.id)
        with open(file, "wb") as fh:
            fh.write(data)
        click.echo(f"Ekspor {tenant.slug}: {len(data)} bita ke {file}.")

    @tenants_cli.command("import-content")
    @click.argument("slug")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False))
    def import_content_command(slug: str, file: str) -> None:
        """Impor konten dari zip ekspor ke desa yang masih kosong."""
        with system_scope():
            tenant = find_tenant(slug)
        try:
            counts = import_content(tenant, file)
        except Invalid as exc:
            raise click.ClickException(f"Impor dibatalkan, tidak ada yang disimpan: {exc}") \
                from None
        click.echo(f"Impor ke {tenant.slug} selesai: {counts}.")

    @app.template_global()
    def admin_static(filename: str) -> str:
        from flask import g, url_for

        endpoint = "admin.static" if g.get("tenant") is not None else "superadmin.static"
        return url_for(endpoint, filename=filename)
