"""Villages from the official Kemendagri area data, and the slug rules.

Import is idempotent: a village already present (same code) keeps its slug
and primary hostname; only its official names are refreshed when they
changed. New villages in a newer file are added.

Slug rules: ASCII-folded lowercase words joined by ``-`` (``Lajo Kidul`` ->
``lajo-kidul``), a valid DNS label. A name used in more than one kecamatan of
the imported set gets ``-<kecamatan slug>`` on every village that carries it
(``sumurgung-montong``); if that is still taken (national imports), the
regency slug and finally the code's digits are appended. Slugs already in the
database are never changed by an import.
"""
from __future__ import annotations

import csv
import gzip
import io
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

from sqlalchemy import select

from app.extensions import db
from app.validation import Invalid, column_limit, text

from .hosts import MAX_LABEL
from .models import Domain, Tenant, kind_from_code, utcnow

DATA_DIR = Path(__file__).resolve().parent / "data"
TUBAN = "35.23"
#: Largest villages file read (after decompression); the national list is far smaller.
MAX_FILE_BYTES = 64 * 2**20
_CODE = re.compile(r"^\d{2}\.\d{2}\.\d{2}\.\d{4}$")


class ImportFileError(ValueError):
    """The area file cannot be used (missing columns, bad codes...)."""


@dataclass(frozen=True)
class VillageRecord:
    code: str
    name: str
    kecamatan_code: str
    kecamatan_name: str
    regency_code: str
    regency_name: str


def slugify(text: str, max_length: int = MAX_LABEL) -> str:
    """ASCII-fold, lowercase, words joined by ``-``; a valid DNS label."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")
    if len(slug) > max_length:
        slug = slug[:max_length].rstrip("-")
    return slug


def _open_csv(path: Path) -> Iterator[dict[str, str]]:
    """Rows of a CSV file (gzip-compressed if it ends in ``.gz``); ``ImportFileError``
    for a file that is too big, not UTF-8 or not CSV."""
    try:
        with gzip.open(path, "rb") if path.suffix == ".gz" else path.open("rb") as file:
            raw = file.read(MAX_FILE_BYTES + 1)
    except (OSError, EOFError) as exc:  # gzip.BadGzipFile is an OSError
        raise ImportFileError(f"{path.name}: berkas tidak terbaca ({exc})") from None
    if len(raw) > MAX_FILE_BYTES:
        raise ImportFileError(f"{path.name}: lebih dari {MAX_FILE_BYTES // 2**20} MiB")
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(f"{path.name}: bukan teks UTF-8 (bita ke-{exc.start + 1}); "
                              "simpan ulang sebagai CSV UTF-8") from None
    reader = csv.DictReader(io.StringIO(content, newline=""))
    try:
        yield from reader
    except csv.Error as exc:
        # the record that failed starts after the lines already read
        raise ImportFileError(f"baris {reader.line_num + 1}: CSV tidak terbaca ({exc})") from None


def _names(filename: str) -> dict[str, str]:
    return {row["code"]: row["name"] for row in _open_csv(DATA_DIR / filename)}


def _regency_name(raw: str) -> str:
    return raw.title()  # "KABUPATEN TUBAN" -> "Kabupaten Tuban"


def read_villages(regency: str | None = TUBAN, file: str | Path | None = None) -> list[VillageRecord]:
    """Village records of ``regency`` (``None`` or ``"ALL"``: the whole country).

    ``file`` is a villages CSV (columns ``code,district_code,name`` and optionally
    ``district_name``); by default the national file shipped in ``tenants/data``.
    """
    regency = None if regency in (None, "ALL", "all") else regency
    if regency is not None and not re.fullmatch(r"\d{2}\.\d{2}", regency):
        raise ImportFileError(f"kode kabupaten tidak valid: {regency!r} (contoh: 35.23)")
    path = Path(file) if file else DATA_DIR / "villages.csv.gz"
    if not path.is_file():
        raise ImportFileError(f"berkas tidak ditemukan: {path}")
    districts = _names("districts.csv.gz")
    regencies = _names("regencies.csv.gz")
    records = []
    rows = _open_csv(path)
    for line, row in enumerate(rows, start=2):
        try:
            code = row["code"].strip()
            name = text(row["name"], label="nama desa", max_length=column_limit(Tenant.name))
            district = (row.get("district_code") or code[:8]).strip()
        except (KeyError, AttributeError) as exc:
            raise ImportFileError(
                "kolom wajib: code,district_code,name (baris %d)" % line
            ) from exc
        except Invalid as exc:
            raise ImportFileError(f"baris {line}: {exc}") from None
        if not _CODE.match(code) or not name or not code.startswith(district):
            raise ImportFileError(f"baris {line}: kode atau nama desa tidak valid ({code!r})")
        if regency is not None and not code.startswith(regency + "."):
            continue
        kecamatan = (row.get("district_name") or districts.get(district) or "").strip()
        if not kecamatan:
            raise ImportFileError(f"baris {line}: kecamatan {district} tidak dikenal")
        if len(kecamatan) > column_limit(Tenant.kecamatan_name):
            raise ImportFileError(f"baris {line}: nama kecamatan terlalu panjang")
        records.append(VillageRecord(
            code=code, name=name, kecamatan_code=district, kecamatan_name=kecamatan,
            regency_code=code[:5], regency_name=_regency_name(regencies.get(code[:5], "")),
        ))
    if not records:
        raise ImportFileError("tidak ada desa yang cocok di berkas ini")
    return records


def assign_slugs(records: Iterable[VillageRecord], taken: set[str],
                 existing: dict[str, str]) -> dict[str, str]:
    """Code -> slug for every record. ``existing`` (code -> slug) is kept as is;
    ``taken`` holds every slug in use (it is updated)."""
    records = list(records)
    kecamatan_per_name: dict[str, set[str]] = defaultdict(set)
    for rec in records:
        kecamatan_per_name[slugify(rec.name)].add(rec.kecamatan_code)
    slugs: dict[str, str] = {}
    for rec in records:
        if rec.code in existing:
            slugs[rec.code] = existing[rec.code]
            continue
        base = slugify(rec.name) or "desa"
        candidates = []
        if len(kecamatan_per_name[base]) == 1:
            candidates.append(base)
        with_kecamatan = _join(base, slugify(rec.kecamatan_name))
        candidates.append(with_kecamatan)
        regency = slugify(rec.regency_name.replace("Kabupaten", "").replace("Kota", "kota"))
        candidates.append(_join(with_kecamatan, regency))
        candidates.append(_join(base, rec.code.replace(".", "")))
        slug = next(c for c in candidates if c not in taken or c == candidates[-1])
        taken.add(slug)
        slugs[rec.code] = slug
    return slugs


def _join(*parts: str) -> str:
    slug = "-".join(p for p in parts if p)
    if len(slug) > MAX_LABEL:  # keep the distinguishing tail, cut the head
        tail = "-".join(parts[1:])
        slug = (parts[0][: MAX_LABEL - len(tail) - 1].rstrip("-") + "-" + tail).strip("-")
    return slug[:MAX_LABEL].strip("-")


@dataclass
class ImportResult:
    added: int = 0
    updated: int = 0
    unchanged: int = 0


def import_villages(records: list[VillageRecord], base_domain: str, status: str,
                    batch_size: int = 2000,
                    progress: Callable[[int], None] | None = None) -> ImportResult:
    """Create or refresh tenants and their primary domains. Call inside ``system_scope``.

    Batched (one INSERT per ``batch_size`` villages, committed per batch) so that
    all 83,763 villages of Indonesia import in well under two minutes.
    """
    existing = {
        row.code: row for row in db.session.execute(
            select(Tenant.id, Tenant.code, Tenant.slug, Tenant.name, Tenant.kecamatan_name,
                   Tenant.regency_name)
        )
    }
    taken = {row.slug for row in existing.values()}
    slugs = assign_slugs(records, taken, {code: row.slug for code, row in existing.items()})
    result = ImportResult()
    now = utcnow()
    new_tenants: list[dict] = []
    refreshed: list[dict] = []
    for rec in records:
        row = existing.get(rec.code)
        if row is None:
            new_tenants.append(dict(
                code=rec.code, name=rec.name, kind=kind_from_code(rec.code),
                kecamatan_code=rec.kecamatan_code, kecamatan_name=rec.kecamatan_name,
                regency_code=rec.regency_code, regency_name=rec.regency_name,
                slug=slugs[rec.code], status=status, theme="default",
                created_at=now, updated_at=now,
            ))
        elif (row.name, row.kecamatan_name, row.regency_name) != (
            rec.name, rec.kecamatan_name, rec.regency_name
        ):
            # Official names follow the newer file; the slug never changes on import.
            refreshed.append(dict(id=row.id, name=rec.name, kecamatan_name=rec.kecamatan_name,
                                  regency_name=rec.regency_name, updated_at=now))
        else:
            result.unchanged += 1
    for start in range(0, len(new_tenants), batch_size):
        batch = new_tenants[start:start + batch_size]
        db.session.execute(db.insert(Tenant), batch)
        ids = dict(db.session.execute(
            select(Tenant.code, Tenant.id).where(Tenant.code.in_([t["code"] for t in batch]))
        ).all())
        db.session.execute(db.insert(Domain), [
            dict(hostname=f"{t['slug']}.{base_domain}", tenant_id=ids[t["code"]],
                 is_primary=True, created_at=now)
            for t in batch
        ])
        session_changed()
        db.session.commit()
        result.added += len(batch)
        if progress:
            progress(len(batch))
    if refreshed:
        db.session.execute(db.update(Tenant), refreshed)
        result.updated = len(refreshed)
        session_changed()
        db.session.commit()
    return result


def session_changed() -> None:
    """Core INSERTs bypass the ORM events: tell the resolver cache ourselves."""
    from .resolver import invalidate_after_commit

    invalidate_after_commit()


def rename_slug(tenant: Tenant, new_slug: str, base_domain: str) -> Domain:
    """Give a village a new slug; its old primary hostname stays as a redirecting alias."""
    from .hosts import is_valid_label

    new_slug = new_slug.strip().lower()
    if not is_valid_label(new_slug):
        raise ValueError("slug harus berupa label DNS yang valid (a-z, 0-9, -; maks. 63)")
    clash = db.session.scalar(select(Tenant).where(Tenant.slug == new_slug, Tenant.id != tenant.id))
    hostname = f"{new_slug}.{base_domain}"
    host_clash = db.session.scalar(
        select(Domain).where(Domain.hostname == hostname, Domain.tenant_id != tenant.id)
    )
    if clash or host_clash:
        raise ValueError(f"slug {new_slug!r} sudah dipakai desa lain")
    for domain in tenant.domains:
        domain.is_primary = False
    db.session.flush()  # the one-primary index must see the old primary cleared first
    domain = db.session.scalar(select(Domain).where(Domain.hostname == hostname))
    if domain is None:
        domain = Domain(hostname=hostname, tenant=tenant)
        db.session.add(domain)
    domain.is_primary = True
    tenant.slug = new_slug
    return domain


def count_duplicate_names(records: Iterable[VillageRecord]) -> int:
    """How many village names are used in more than one kecamatan."""
    kecamatan_per_name: dict[str, set[str]] = defaultdict(set)
    for rec in records:
        kecamatan_per_name[rec.name].add(rec.kecamatan_code)
    return sum(1 for k in kecamatan_per_name.values() if len(k) > 1)


