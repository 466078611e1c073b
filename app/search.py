"""Search within one village's published content, behind one interface.

``search(query)`` returns ranked ``Hit`` objects over posts, pages,
announcements, events and documents. The implementation is a ranked
``LIKE`` search that behaves the same on SQLite and PostgreSQL: every term
must appear in the title or the body; a hit is scored by where the terms
appear (title counts more than body, the whole phrase more than single
words) and by recency. Queries run through the ORM, so they are scoped to
the current village by ``tenants.scoping``. A full-text backend (FTS5 or
PostgreSQL ``tsvector``) can replace ``_candidates`` without changing callers.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone

from markupsafe import Markup, escape
from sqlalchemy import and_, func, or_, select

from app.extensions import db

MAX_TERMS = 6
MIN_TERM = 2
PER_KIND = 60
SNIPPET = 180


@dataclass
class Hit:
    kind: str
    kind_label: str
    title: str
    url: str
    text: str
    date: object
    score: float = 0.0
    terms: list[str] = field(default_factory=list)

    @property
    def title_html(self) -> Markup:
        return highlight(self.title, self.terms)

    @property
    def snippet_html(self) -> Markup:
        return highlight(snippet(self.text, self.terms), self.terms)


def terms_of(query: str) -> list[str]:
    words = re.findall(r"\w+", (query or "").lower())
    unique = list(dict.fromkeys(w for w in words if len(w) >= MIN_TERM))
    return unique[:MAX_TERMS]


def _like(term: str) -> str:
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def highlight(text: str, terms: list[str]) -> Markup:
    """Escape ``text`` first, then wrap each term in ``<mark>``."""
    escaped = str(escape(text or ""))
    if not terms:
        return Markup(escaped)
    pattern = re.compile("|".join(re.escape(str(escape(t))) for t in
                                  sorted(terms, key=len, reverse=True)), re.IGNORECASE)
    # Never mark inside an entity such as &amp;.
    pieces = re.split(r"(&[#\w]+;)", escaped)
    out = [p if p.startswith("&") and p.endswith(";") else
           pattern.sub(lambda m: f"<mark>{m.group(0)}</mark>", p) for p in pieces]
    return Markup("".join(out))


def snippet(text: str, terms: list[str], size: int = SNIPPET) -> str:
    text = re.sub(r"\s+", " ", text or "").strip()
    if len(text) <= size:
        return text
    lower = text.lower()
    positions = [lower.find(t) for t in terms if lower.find(t) >= 0]
    start = max(0, min(positions) - size // 3) if positions else 0
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < start + 20 else start
    end = start + size
    return ("… " if start else "") + text[start:end].strip() + (" …" if end < len(text) else "")


def _plain(html: str) -> str:
    return Markup(html or "").striptags()


def _sources():
    from app.models import Announcement, Document, Event, Page, Post

    return [
        ("berita", "Berita", Post, Post.body_md, lambda o: f"/berita/{o.slug}",
         lambda o: (o.excerpt + " " if o.excerpt else "") + _plain(o.body_html), 1.2),
        ("halaman", "Halaman", Page, Page.body_md,
         lambda o: f"/profil/{o.slug}" if o.section == "profil" else f"/halaman/{o.slug}",
         lambda o: _plain(o.body_html), 1.1),
        ("pengumuman", "Pengumuman", Announcement, Announcement.body_md,
         lambda o: f"/pengumuman/{o.slug}", lambda o: _plain(o.body_html), 1.1),
        ("agenda", "Agenda", Event, Event.body_md, lambda o: f"/agenda/{o.slug}",
         lambda o: (o.location + ". " if o.location else "") + _plain(o.body_html), 1.0),
        ("dokumen", "Dokumen", Document, Document.description, lambda o: "/dokumen",
         lambda o: o.description or "", 1.0),
    ]


def _candidates(model, body_col, terms):
    conditions = [
        or_(func.lower(model.title).like(_like(t), escape="\\"),
            func.lower(body_col).like(_like(t), escape="\\"))
        for t in terms
    ]
    return db.session.scalars(
        select(model).where(model.visible(), and_(*conditions))
        .order_by(model.published_at.desc()).limit(PER_KIND)
    ).all()


def _score(title: str, text: str, terms: list[str], phrase: str, when) -> float:
    title_l, text_l = title.lower(), text.lower()
    score = 0.0
    for t in terms:
        if t in title_l:
            score += 10 + (5 if re.search(rf"\b{re.escape(t)}\b", title_l) else 0)
        score += min(text_l.count(t), 5) * 1.0
    if len(terms) > 1 and phrase in title_l:
        score += 15
    elif len(terms) > 1 and phrase in text_l:
        score += 5
    if when is not None:
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        age_days = max(0.0, (datetime.now(timezone.utc) - when).total_seconds() / 86400)
        score += 3.0 / (1 + age_days / 30)
    return score


def search(query: str, kind: str | None = None, limit: int = 50) -> list[Hit]:
    terms = terms_of(query)
    if not terms:
        return []
    phrase = " ".join(re.findall(r"\w+", query.lower()))
    hits: list[Hit] = []
    for key, label, model, body_col, url, text, weight in _sources():
        if kind and kind != key:
            continue
        for obj in _candidates(model, body_col, terms):
            body = text(obj)
            hits.append(Hit(key, label, obj.title, url(obj), body, obj.published_at,
                            _score(obj.title, body, terms, phrase, obj.published_at) * weight,
                            terms))
    hits.sort(key=lambda h: h.score, reverse=True)
    return hits[:limit]


KINDS = {"berita": "Berita", "halaman": "Halaman", "pengumuman": "Pengumuman",
         "agenda": "Agenda", "dokumen": "Dokumen"}
