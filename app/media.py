"""Upload validation pipeline: detect by content, re-encode images, store variants.

* The type comes from the bytes, never the file name or the browser's
  Content-Type. Accepted: JPEG, PNG, WebP, GIF (re-encoded with Pillow, which
  drops EXIF/metadata) and PDF (``%PDF-`` signature). SVG, HTML, executables
  and anything else are refused with an Indonesian message.
* Decompression bombs are refused before decoding (pixel count guard).
* Images are capped to ``MAX_DIMENSION`` and get thumb/medium/large variants
  keeping the original format and extension (``storage.variant_key``).
* Keys come from ``storage.new_key``; the uploaded name is only displayed.
* Per-file size limit and per-village quota from config.
"""
from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, field

from flask import current_app
from PIL import Image, ImageOps
from sqlalchemy import func, select

from app.extensions import db
from app.models.media import MediaFile
from app.storage import get_storage, new_key, original_key, variant_key

MAX_DIMENSION = 4000
MAX_PIXELS = 40_000_000
VARIANT_WIDTHS = {"thumb": 320, "medium": 800, "large": 1600}
IMAGE_FORMATS = {  # Pillow format -> (extension, content type)
    "JPEG": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "WEBP": ("webp", "image/webp"),
    "GIF": ("gif", "image/gif"),
}


class MediaError(ValueError):
    """An upload was refused; ``str(exc)`` is the message for the operator."""


def sniff(data: bytes) -> str | None:
    """'JPEG' | 'PNG' | 'WEBP' | 'GIF' | 'PDF' or None, from the first bytes."""
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if data.startswith(b"%PDF-"):
        return "PDF"
    return None


def _refusal(data: bytes) -> str:
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<") or b"<svg" in head or b"<html" in head or b"<script" in head:
        return ("Berkas SVG/HTML tidak diizinkan karena dapat berisi skrip. "
                "Unggah gambar JPG, PNG, WebP, GIF atau dokumen PDF.")
    if data[:2] == b"MZ" or data[:4] == b"\x7fELF" or data[:2] == b"#!" or \
            data[:4] in (b"\xcf\xfa\xed\xfe", b"PK\x03\x04"):
        return "Berkas program/arsip tidak diizinkan. Unggah gambar JPG, PNG, WebP, GIF atau PDF."
    return ("Jenis berkas tidak dikenali atau tidak didukung. "
            "Unggah gambar JPG, PNG, WebP, GIF atau dokumen PDF.")


def _limits() -> tuple[int, int]:
    cfg = current_app.config
    return (int(cfg.get("MEDIA_MAX_FILE_BYTES") or 10 * 1024 * 1024),
            int(cfg.get("MEDIA_QUOTA_BYTES") or 1024 * 1024 * 1024))


def _encode(img: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    if fmt == "JPEG":
        if img.mode not in ("RGB", "L"):
            img = img.convert("RGB")
        img.save(out, "JPEG", quality=85, optimize=True, progressive=True)
    elif fmt == "PNG":
        img.save(out, "PNG", optimize=True)
    elif fmt == "WEBP":
        img.save(out, "WEBP", quality=82)
    else:  # GIF: first frame, palette
        if img.mode not in ("P", "L"):
            img = img.convert("P", palette=Image.Palette.ADAPTIVE)
        img.save(out, "GIF")
    return out.getvalue()


def _open_image(data: bytes, fmt: str) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data), formats=[fmt])
            width, height = img.size
            if width * height > MAX_PIXELS or width <= 0 or height <= 0:
                raise MediaError(
                    f"Gambar terlalu besar ({width}×{height} piksel). "
                    f"Maksimum {MAX_PIXELS // 1_000_000} megapiksel.")
            img.load()
    except MediaError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise MediaError("Gambar terlalu besar (kemungkinan bom dekompresi) dan ditolak.") from exc
    except Exception as exc:  # truncated, corrupt, lying header
        raise MediaError("Berkas gambar rusak atau tidak dapat dibaca.") from exc
    img = ImageOps.exif_transpose(img)  # keep orientation, then drop metadata
    clean = Image.new(img.mode, img.size)
    if img.mode == "P" and img.getpalette():
        clean.putpalette(img.getpalette())
    clean.paste(img)
    return clean


#: Where the public site serves a village's stored files (``app.public.views.media``).
MEDIA_PATH = "/media/"

#: How wide a picture in an article is shown: the article column is at most 46rem.
ARTICLE_SIZES = "(min-width: 48rem) 46rem, 100vw"


def srcset_candidates(media: MediaFile) -> list[tuple[str, int]]:
    """(key, width) of the copies a browser may choose from, narrowest first: the
    resized variants, and the original itself when it is no wider than the largest
    variant would be (a picture of 1,000 px has no "large" copy, and a sharp screen
    should still get its 1,000 px rather than the 800 px "medium")."""
    variants = sorted((media.variants or {}).items(), key=lambda item: item[1]["width"])
    candidates = [(variant_key(media.key, name), info["width"]) for name, info in variants]
    largest = max(VARIANT_WIDTHS.values())
    if media.width and media.width <= largest and (not candidates or
                                                   media.width > candidates[-1][1]):
        candidates.append((media.key, media.width))
    return candidates


def article_pictures(sources: list[str]) -> dict[str, dict[str, str]]:
    """For ``render_markdown``: the attributes of the pictures of an article that are
    the current village's own uploaded images, addressed as the editor's media button
    inserts them (``/media/<key>`` of the original). A phone then loads a copy of
    the width it shows (``srcset``, ``sizes``), and the page keeps the picture's
    place while it loads (``width``, ``height``). Read in the current village's
    scope: another village's key, a trashed file or a PDF is not known here and keeps
    its plain ``<img>``; so does a variant addressed on purpose."""
    from tenants.scoping import current_tenant_id

    if current_tenant_id() is None:
        return {}  # system work: no village whose media could be meant
    keys = {source: source[len(MEDIA_PATH):] for source in sources
            if source.startswith(MEDIA_PATH) and "?" not in source}
    keys = {source: key for source, key in keys.items() if key and original_key(key) == key}
    if not keys:
        return {}
    with db.session.no_autoflush:  # called while a model's body is being set
        found = {media.key: media for media in db.session.scalars(
            select(MediaFile).where(MediaFile.key.in_(set(keys.values())),
                                    MediaFile.kind == "image"))}
    pictures = {}
    for source, key in keys.items():
        media = found.get(key)
        if media is None:
            continue
        attributes = {}
        if media.width and media.height:
            attributes.update(width=str(media.width), height=str(media.height))
        candidates = srcset_candidates(media)
        if len(candidates) > 1 or (candidates and candidates[0][0] != media.key):
            attributes["src"] = MEDIA_PATH + (variant_key(media.key, "large")
                                              if "large" in (media.variants or {}) else media.key)
            attributes["srcset"] = ", ".join(f"{MEDIA_PATH}{k} {w}w" for k, w in candidates)
            attributes["sizes"] = ARTICLE_SIZES
        pictures[source] = attributes
    return pictures


@dataclass
class PreparedUpload:
    """A checked upload, re-encoded in memory and not stored yet (``store_upload``)."""

    kind: str
    content_type: str
    ext: str
    display_name: str
    blobs: dict[str, bytes]  # "" = the original, else a variant name
    width: int | None
    height: int | None
    variants: dict = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.blobs[""])


def prepare_upload(data: bytes, filename: str,
                   allowed: tuple[str, ...] = ("image", "pdf")) -> PreparedUpload:
    """Check an upload (type from its bytes, size, pixels, the village's quota) and
    re-encode it, without storing anything: a form validates every field first."""
    max_file, quota = _limits()
    if not data:
        raise MediaError("Berkas kosong.")
    if len(data) > max_file:
        raise MediaError(f"Berkas terlalu besar. Maksimum {max_file // (1024 * 1024)} MB "
                         "per berkas.")
    fmt = sniff(data)
    if fmt is None:
        raise MediaError(_refusal(data))
    kind = "pdf" if fmt == "PDF" else "image"
    if kind not in allowed:
        raise MediaError("Di sini hanya boleh " + ("dokumen PDF." if allowed == ("pdf",)
                                                   else "gambar JPG, PNG, WebP atau GIF."))
    display_name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1][:200]
    if kind == "pdf":
        if b"%%EOF" not in data[-2048:]:
            raise MediaError("Berkas PDF rusak atau tidak lengkap.")
        prepared = PreparedUpload("pdf", "application/pdf", "pdf", display_name, {"": data},
                                  None, None)
    else:
        img = _open_image(data, fmt)
        if max(img.size) > MAX_DIMENSION:
            img.thumbnail((MAX_DIMENSION, MAX_DIMENSION), Image.Resampling.LANCZOS)
        ext, ctype = IMAGE_FORMATS[fmt]
        prepared = PreparedUpload("image", ctype, ext, display_name, {"": _encode(img, fmt)},
                                  img.width, img.height)
        for name, target in VARIANT_WIDTHS.items():
            if img.width > target:
                small = img.copy()
                small.thumbnail((target, target * 10), Image.Resampling.LANCZOS)
                prepared.blobs[name] = _encode(small, fmt)
                prepared.variants[name] = {"width": small.width, "height": small.height}
    used = db.session.scalar(select(func.coalesce(func.sum(MediaFile.size), 0))
                             .execution_options(include_trashed=True)) or 0
    if used + prepared.size > quota:
        raise MediaError("Kuota penyimpanan desa sudah penuh. Hapus berkas lama terlebih dahulu.")
    return prepared


def store_upload(prepared: PreparedUpload, tenant_code: str, alt: str = "") -> MediaFile:
    """Store a prepared upload; return its new (unflushed) MediaFile, added to the session.
    If the caller's transaction then fails, it removes the files with ``delete_stored``."""
    storage = get_storage()
    key = new_key(tenant_code, prepared.ext)
    variants = {name: dict(info) for name, info in prepared.variants.items()}
    stored = []
    try:
        for name, blob in prepared.blobs.items():
            k = key if not name else variant_key(key, name)
            storage.save(k, blob, prepared.content_type)
            stored.append(k)
            if name:
                variants[name]["key"] = k
    except Exception:
        for k in stored:
            storage.delete(k)
        raise
    media = MediaFile(key=key, kind=prepared.kind, content_type=prepared.content_type,
                      size=prepared.size, width=prepared.width, height=prepared.height,
                      original_name=prepared.display_name, alt=alt, variants=variants)
    db.session.add(media)
    return media


def ingest(data: bytes, filename: str, tenant_code: str, alt: str = "",
           allowed: tuple[str, ...] = ("image", "pdf")) -> MediaFile:
    """Validate and store an upload in one step (nothing else to validate first)."""
    return store_upload(prepare_upload(data, filename, allowed), tenant_code, alt)


def delete_stored(media: MediaFile) -> None:
    """Remove the stored objects (original and variants) of a file, not its row."""
    storage = get_storage()
    for variant in (media.variants or {}).values():
        if variant.get("key"):
            storage.delete(variant["key"])
    storage.delete(media.key)


def delete_media(media: MediaFile) -> None:
    """Remove the stored objects (original and variants) and the row."""
    delete_stored(media)
    db.session.delete(media)
