"""What the operator can edit: one spec per content kind, fields described once.

The forms are generated from these specs (``app.admin.forms.content``); the
limits of each field come from its model column."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

from app.models import (
    BUDGET_SECTIONS, DOCUMENT_CATEGORIES, GROUPS, STAT_CATEGORIES, Album, Announcement,
    BudgetLine, Category, Document, Event, MenuItem, Official, Page, PopulationStat, Post,
)


@dataclass
class Field:
    name: str
    label: str
    type: str = "text"  # text slug textarea markdown date time int decimal select media pdf tags
    required: bool = False
    choices: dict | Callable[[], dict] | None = None
    help: str = ""

    def options(self) -> dict:
        return self.choices() if callable(self.choices) else (self.choices or {})


@dataclass
class Kind:
    name: str
    label: str
    model: Any
    fields: list[Field]
    title_attr: str = "title"
    order_by: str = "id"
    revisions: bool = False
    columns: list[str] = field(default_factory=list)

    @property
    def publishable(self) -> bool:
        return hasattr(self.model, "status")

    @property
    def trashable(self) -> bool:
        return hasattr(self.model, "deleted_at")

    @property
    def versioned(self) -> bool:
        return hasattr(self.model, "version_id")

    def title_of(self, obj) -> str:
        return str(getattr(obj, self.title_attr, "") or f"#{obj.id}")


def _categories() -> dict:
    from sqlalchemy import select

    from app.extensions import db

    return {str(c.id): c.name for c in db.session.scalars(select(Category).order_by(Category.name))}


TITLE = Field("title", "Judul", required=True)
SLUG = Field("slug", "Slug (alamat)", "slug", help="Kosongkan untuk dibuat dari judul.")
BODY = Field("body_md", "Isi", "markdown")

KINDS: dict[str, Kind] = {k.name: k for k in [
    Kind("page", "Halaman", Page, [
        TITLE, SLUG,
        Field("section", "Bagian", "select", choices={"profil": "Profil", "halaman": "Halaman"}),
        Field("position", "Urutan", "int"), BODY], revisions=True, order_by="position"),
    Kind("post", "Berita", Post, [
        TITLE, SLUG, Field("category_id", "Kategori", "select", choices=_categories),
        Field("tags", "Tag (pisahkan dengan koma)", "tags"),
        Field("excerpt", "Ringkasan", "textarea"), Field("cover_id", "Gambar sampul", "media"),
        Field("author_name", "Penulis"), BODY], revisions=True),
    Kind("announcement", "Pengumuman", Announcement, [
        TITLE, SLUG, Field("valid_until", "Berlaku sampai", "date"), BODY], revisions=True),
    Kind("event", "Agenda", Event, [
        TITLE, SLUG, Field("starts_on", "Tanggal", "date", required=True),
        Field("start_time", "Jam mulai", "time"), Field("end_time", "Jam selesai", "time"),
        Field("location", "Tempat"), BODY], revisions=True, order_by="starts_on"),
    Kind("official", "Perangkat Desa", Official, [
        Field("name", "Nama", required=True), Field("position", "Jabatan", required=True),
        Field("group", "Kelompok", "select", choices=GROUPS),
        Field("position_order", "Urutan", "int"), Field("photo_id", "Foto", "media")],
        title_attr="name", order_by="position_order"),
    Kind("document", "Dokumen", Document, [
        TITLE, SLUG, Field("category", "Kategori", "select", choices=DOCUMENT_CATEGORIES),
        Field("year", "Tahun", "int"), Field("description", "Keterangan", "textarea"),
        Field("file_id", "Berkas PDF", "pdf")]),
    Kind("album", "Album Galeri", Album, [
        TITLE, SLUG, Field("description", "Keterangan", "textarea")]),
    Kind("category", "Kategori Berita", Category, [
        Field("name", "Nama", required=True), SLUG], title_attr="name"),
    Kind("budget", "APBDes", BudgetLine, [
        Field("year", "Tahun", "int", required=True),
        Field("section", "Bagian", "select", choices=BUDGET_SECTIONS),
        Field("code", "Kode rekening"), Field("name", "Uraian", required=True),
        Field("planned", "Anggaran (Rp)", "decimal"), Field("realised", "Realisasi (Rp)", "decimal"),
        Field("position", "Urutan", "int")], title_attr="name", order_by="position"),
    Kind("menu", "Menu Tambahan", MenuItem, [
        Field("label", "Label", required=True),
        Field("url", "Tautan", "url", required=True, help="Mis. /halaman/bumdes atau https://..."),
        Field("position", "Urutan", "int")], title_attr="label", order_by="position"),
    Kind("stat", "Statistik Penduduk", PopulationStat, [
        Field("year", "Tahun", "int", required=True),
        Field("category", "Kategori", "select", choices=STAT_CATEGORIES),
        Field("label", "Label", required=True), Field("value", "Jumlah", "int"),
        Field("position", "Urutan", "int")], title_attr="label", order_by="position"),
]}

KIND_OF_MODEL = {k.model: k for k in KINDS.values()}


def slugify(text: str) -> str:
    text = re.sub(r"[^a-z0-9]+", "-", (text or "").lower()).strip("-")
    return text[:100] or "item"


__all__ = ["KINDS", "KIND_OF_MODEL", "Field", "Kind", "slugify"]
