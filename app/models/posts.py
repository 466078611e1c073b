"""Berita (news posts) with categories and tags."""
from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db

from .base import MarkdownBody, Owned, Publishable, Trashable, Versioned, live_rows_index

post_tags = Table(
    "post_tag",
    db.metadata,
    Column("post_id", ForeignKey("post.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True),
)


class Category(Owned, db.Model):
    __tablename__ = "category"
    __table_args__ = (UniqueConstraint("tenant_id", "slug"),)

    slug: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(120))


class Tag(Owned, db.Model):
    __tablename__ = "tag"
    __table_args__ = (UniqueConstraint("tenant_id", "slug"),)

    slug: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(120))


class Post(Owned, Versioned, Trashable, Publishable, MarkdownBody, db.Model):
    __tablename__ = "post"
    __table_args__ = (
        UniqueConstraint("tenant_id", "slug"),
        # the news list and the home page: newest first, read in index order
        live_rows_index("ix_post_live_published", "tenant_id", "published_at", "id"),
        live_rows_index("ix_post_live_category", "category_id", "published_at"),
        live_rows_index("ix_post_live_id", "tenant_id", "id"),  # the admin list
    )

    slug: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(200))
    excerpt: Mapped[str] = mapped_column(Text, default="")
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id", ondelete="SET NULL"))
    cover_id: Mapped[int | None] = mapped_column(ForeignKey("media_file.id", ondelete="SET NULL"))
    author_name: Mapped[str] = mapped_column(String(120), default="")

    category: Mapped[Category | None] = relationship()
    tags: Mapped[list[Tag]] = relationship(secondary=post_tags, order_by="Tag.name")
    cover = relationship("MediaFile")
