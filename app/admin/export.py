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
import zipfile
from datetime import date, datetime, time
from decimal import Decimal

import click
from sqlalchemy import select

from app.extensions import db
from app.models import (
    Album, Announcement, BudgetLine, Category, Document, Event, MediaFile, MenuItem, Official,
    Page, Photo, PopulationStat, Post, SiteSettings, Tag,
)
from app.media import MEDIA_PATH
from app.storage import VARIANTS, get_storage, variant_key
from tenants.scoping import tenant_context

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


def _parse(model, column: str, value):
    if value is None:
        return None
    col = model.__table__.c[column]
    try:
        py = col.type.python_type
    except NotImplementedError:
        return value
    if py is datetime:
        return datetime.fromisoformat(value)
    if py is date:
        return date.fromisoformat(value)
    if py is time:
        return time.fromisoformat(value)
    if py is Decimal:
        return Decimal(value)
    return value


def _make(model, data: dict, **extra):
    return model(**{k: _parse(model, k, v) for k, v in data.items()}, **extra)


def _relink(body: str, renamed: dict[str, str]) -> str:
    """An imported file gets a key of its new village: the bodies that show it (the
    editor inserts ``/media/<key>``, or a resized copy's key) are pointed at it."""
    for old, new in renamed.items():
        for name in VARIANTS:
            body = body.replace(MEDIA_PATH + variant_key(old, name),
                                MEDIA_PATH + variant_key(new, name))
        body = body.replace(MEDIA_PATH + old, MEDIA_PATH + new)
    return body


def import_content(tenant, data: bytes) -> dict:
    """Import an export zip into an EMPTY village (``tenant`` is a Tenant row)."""
    from app.media import ingest

    zf = zipfile.ZipFile(io.BytesIO(data))
    manifest = json.loads(zf.read("manifest.json"))
    if manifest.get("format") != FORMAT:
        raise ValueError("Format ekspor tidak dikenal.")
    with tenant_context(tenant.id):
        for model in (*MARKDOWN_TYPES.values(), MediaFile, Official, Document, Album,
                      BudgetLine, PopulationStat):
            if db.session.scalar(select(model.id).execution_options(include_trashed=True)
                                 .limit(1)) is not None:
                raise ValueError(f"Desa {tenant.slug} tidak kosong; impor hanya ke desa kosong.")
        media = {}
        for m in manifest["media"]:
            try:
                blob = zf.read(f"media/{m['key']}")
            except KeyError:
                continue
            new = ingest(blob, m.get("original_name", ""), tenant.code, alt=m.get("alt", ""))
            media[m["key"]] = new
        db.session.flush()
        renamed = {old: new.key for old, new in media.items()}
        categories = {}
        for c in manifest["categories"]:
            categories[c["slug"]] = Category(**c)
            db.session.add(categories[c["slug"]])
        tags: dict[str, Tag] = {}
        for name in zf.namelist():
            if not (name.startswith("content/") and name.endswith(".md")):
                continue
            kind = name.split("/")[1]
            model = MARKDOWN_TYPES[kind]
            meta, body = _parse_front_matter(zf.read(name).decode("utf-8"))
            extra = {k: meta.pop(k, None) for k in ("category", "tags", "cover")}
            obj = _make(model, meta)
            obj.body_md = _relink(body, renamed)  # after the media: pictures known
            if kind == "post":
                obj.category = categories.get(extra["category"])
                cover = media.get(extra["cover"])
                obj.cover_id = cover.id if cover else None
                for tag_name in extra["tags"] or []:
                    from .registry import slugify

                    slug = slugify(tag_name)
                    tags.setdefault(slug, Tag(slug=slug, name=tag_name))
                obj.tags = [tags[slugify(t)] for t in extra["tags"] or []]
            db.session.add(obj)
        for o in manifest["officials"]:
            photo = media.get(o.pop("photo"))
            db.session.add(_make(Official, o, photo_id=photo.id if photo else None))
        for d in manifest["documents"]:
            f = media.get(d.pop("file"))
            db.session.add(_make(Document, d, file_id=f.id if f else None))
        for a in manifest["albums"]:
            photos = a.pop("photos")
            album = _make(Album, a)
            db.session.add(album)
            for n, p in enumerate(photos):
                if p["media"] in media:
                    album.photos.append(Photo(media_id=media[p["media"]].id,
                                              caption=p["caption"], position=n))
        for b in manifest["budget"]:
            db.session.add(_make(BudgetLine, b))
        for s in manifest["stats"]:
            db.session.add(_make(PopulationStat, s))
        for m in manifest.get("menu", []):
            db.session.add(_make(MenuItem, m))
        if manifest.get("settings"):
            row = db.session.scalar(select(SiteSettings)) or SiteSettings()
            values = dict(manifest["settings"])
            for image in ("logo", "header"):
                found = media.get(values.pop(image, None))
                setattr(row, f"{image}_id", found.id if found else None)
            for k, v in values.items():
                setattr(row, k, _parse(SiteSettings, k, v))
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
        with open(file, "rb") as fh:
            data = fh.read()
        try:
            counts = import_content(tenant, data)
        except (ValueError, KeyError, zipfile.BadZipFile) as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"Impor ke {tenant.slug} selesai: {counts}.")

    @app.template_global()
    def admin_static(filename: str) -> str:
        from flask import g, url_for

        endpoint = "admin.static" if g.get("tenant") is not None else "superadmin.static"
        return url_for(endpoint, filename=filename)
