"""Uploaded files (images with resized variants, PDFs), documents and the gallery."""
from __future__ import annotations

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db

from .base import Owned, Publishable, Trashable, Versioned, live_rows_index


class MediaFile(Owned, Trashable, db.Model):
    __tablename__ = "media_file"
    __table_args__ = (live_rows_index("ix_media_file_live_id", "tenant_id", "id"),)

    #: Storage key of the original; generated, always starts with the village.
    key: Mapped[str] = mapped_column(String(300), unique=True)
    kind: Mapped[str] = mapped_column(String(10))  # image | pdf
    content_type: Mapped[str] = mapped_column(String(60))
    size: Mapped[int] = mapped_column(Integer, default=0)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    #: The name the operator uploaded, for display only (never used as a path).
    original_name: Mapped[str] = mapped_column(String(200), default="")
    alt: Mapped[str] = mapped_column(String(300), default="")
    #: Variant name -> {"key", "width", "height"} (thumb, medium, large).
    variants: Mapped[dict] = mapped_column(JSON, default=dict)


DOCUMENT_CATEGORIES = {
    "perdes": "Peraturan Desa",
    "apbdes": "APBDes",
    "laporan": "Laporan",
    "sk": "Surat Keputusan",
    "lainnya": "Lainnya",
}


class Document(Owned, Versioned, Trashable, Publishable, db.Model):
    __tablename__ = "document"
    __table_args__ = (
        UniqueConstraint("tenant_id", "slug"),
        live_rows_index("ix_document_live_year", "tenant_id", "year", "title"),
        live_rows_index("ix_document_live_id", "tenant_id", "id"),  # the admin list
    )

    slug: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(20), default="lainnya", index=True)
    year: Mapped[int | None] = mapped_column(Integer, index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    file_id: Mapped[int | None] = mapped_column(ForeignKey("media_file.id", ondelete="SET NULL"))

    file = relationship("MediaFile")


class Album(Owned, Versioned, Trashable, Publishable, db.Model):
    __tablename__ = "album"
    __table_args__ = (
        UniqueConstraint("tenant_id", "slug"),
        live_rows_index("ix_album_live_published", "tenant_id", "published_at"),
        live_rows_index("ix_album_live_id", "tenant_id", "id"),  # the admin list
    )

    slug: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")

    photos: Mapped[list[Photo]] = relationship(
        back_populates="album", order_by="Photo.position", cascade="all, delete-orphan"
    )


class Photo(Owned, db.Model):
    __tablename__ = "photo"

    album_id: Mapped[int] = mapped_column(ForeignKey("album.id", ondelete="CASCADE"), index=True)
    media_id: Mapped[int] = mapped_column(ForeignKey("media_file.id", ondelete="CASCADE"))
    caption: Mapped[str] = mapped_column(String(300), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)

    album: Mapped[Album] = relationship(back_populates="photos")
    media = relationship("MediaFile")
