"""Search within one village's published content, behind one interface.

``search(query)`` returns ranked ``Hit`` objects over posts, pages,
announcements, events and documents, using the database's own full-text
engine over the index kept by ``app.models.search``:

* SQLite: FTS5, ranked by ``bm25`` with the title weighted above the body;
* PostgreSQL: ``tsvector``/``tsquery`` ('simple' configuration), ranked by
  ``ts_rank_cd`` with the title as weight A and the body as weight B.

Every term of the query must match, each as a word prefix ("jemb" finds
"jembatan"). The engine query is built here from the words of the visitor's
text, never from the text itself, so no input can be a syntax error. A small
bonus favours recent items.

One ORM query answers a search. It joins each index entry back to its item
under ``Model.visible()`` (and the trash filter, and the village scope, both
added by the central listeners), so visibility rules live in one place: a
scheduled item appears once due, a trashed one never.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone

from markupsafe import Markup, escape
from sqlalchemy import and_, bindparam, func, literal_column, or_, select, table

from app.extensions import db
from app.models.search import BY_KIND, FTS_TABLE, SOURCES, WORD, SearchEntry, words

MAX_TERMS = 6
MIN_TERM = 2
MAX_TERM = 50
SNIPPET = 180
#: An item published today scores up to this much more (fraction of its relevance).
RECENCY = 0.2
#: Candidates ranked by the engine before the recency bonus picks the final order.
POOL = 100

KINDS = {"berita": "Berita", "halaman": "Halaman", "pengumuman": "Pengumuman",
         "agenda": "Agenda", "dokumen": "Dokumen"}

URLS = {
    "berita": lambda r: f"/berita/{r['slug']}",
    "halaman": lambda r: (f"/profil/{r['slug']}" if r.get("section") == "profil"
                          else f"/halaman/{r['slug']}"),
    "pengumuman": lambda r: f"/pengumuman/{r['slug']}",
    "agenda": lambda r: f"/agenda/{r['slug']}",
    "dokumen": lambda r: "/dokumen",
}


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
    """The search terms: distinct lowercase words (letters and digits) of two or
    more characters, at most ``MAX_TERMS`` of at most ``MAX_TERM`` characters. The
    engines index the same words; each term matches the words it starts."""
    found = WORD.findall((query or "").lower())
    unique = list(dict.fromkeys(w[:MAX_TERM] for w in found if len(w) >= MIN_TERM))
    return unique[:MAX_TERMS]


def _term_pattern(terms: list[str]) -> re.Pattern:
    """Words starting with one of the terms: what the engines match."""
    alternatives = "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True))
    return re.compile(rf"(?<![^\W_])(?:{alternatives})[^\W_]*", re.IGNORECASE)


def highlight(text: str, terms: list[str]) -> Markup:
    """Escape ``text`` first, then wrap each word matched by a term in ``<mark>``."""
    escaped = str(escape(text or ""))
    terms = [t for t in terms if t]
    if not terms:
        return Markup(escaped)
    pattern = _term_pattern([str(escape(t)) for t in terms])
    # Never mark inside an entity such as &amp;.
    pieces = re.split(r"(&[#\w]+;)", escaped)
    out = [p if p.startswith("&") and p.endswith(";") else
           pattern.sub(lambda m: f"<mark>{m.group(0)}</mark>", p) for p in pieces]
    return Markup("".join(out))


def snippet(text: str, terms: list[str], size: int = SNIPPET) -> str:
    text = re.sub(r"\s+", " ", text or "").strip()
    if len(text) <= size:
        return text
    found = _term_pattern(terms).search(text) if terms else None
    start = max(0, found.start() - size // 3) if found else 0
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < start + 20 else start
    end = start + size
    return ("… " if start else "") + text[start:end].strip() + (" …" if end < len(text) else "")


# -- the engines ----------------------------------------------------------------------
def _sqlite_match(terms: list[str]):
    """FTS5: every term a quoted prefix token, implicitly ANDed."""
    fts = table(FTS_TABLE)
    expression = " ".join('"' + t.replace('"', '""') + '"*' for t in terms)
    match = literal_column(FTS_TABLE).op("MATCH")(bindparam("fts_query", expression))
    relevance = -func.bm25(literal_column(FTS_TABLE), literal_column("10.0"),
                           literal_column("1.0"))
    return fts, literal_column(f"{FTS_TABLE}.rowid") == SearchEntry.id, match, relevance


def _postgresql_match(terms: list[str]):
    """tsquery: every term a quoted prefix lexeme, joined by &. The terms are folded
    into words exactly like the indexed text (``words``)."""
    lexemes = dict.fromkeys(w for t in terms for w in words(t).split())
    expression = " & ".join("'" + w.replace("\\", "\\\\").replace("'", "''") + "':*"
                            for w in lexemes) or "''"
    query = func.to_tsquery(literal_column("'simple'::regconfig"),
                            bindparam("ts_query", expression))
    vector = literal_column("search_entry.search_vector")
    match = vector.op("@@")(query)
    # D, C, B (body), A (title); normalisation 1 tempers long bodies.
    relevance = func.ts_rank_cd(literal_column("'{0.1, 0.2, 0.25, 1.0}'::float4[]"),
                                vector, query, literal_column("1"))
    return None, None, match, relevance


def _statement(terms: list[str], kind: str | None, limit: int):
    from app.models import Page
    from app.models.base import utcnow

    sources = [BY_KIND[kind]] if kind else list(SOURCES)
    if db.session.get_bind().dialect.name == "postgresql":
        fts, on, match, relevance = _postgresql_match(terms)
    else:
        fts, on, match, relevance = _sqlite_match(terms)
    columns = [SearchEntry.kind, SearchEntry.body, relevance.label("relevance")]
    for source in sources:
        model = source.model
        # Each model's own columns (not a COALESCE): the ORM then sees every model
        # in the statement and the trash filter applies to each of them.
        columns += [model.id.label(f"{source.kind}_id"), model.slug.label(f"{source.kind}_slug"),
                    model.title.label(f"{source.kind}_title"),
                    model.published_at.label(f"{source.kind}_date")]
        if model is Page:
            columns.append(Page.section.label(f"{source.kind}_section"))
    statement = select(*columns).select_from(SearchEntry)
    if fts is not None:
        statement = statement.join(fts, on)
    now = utcnow()
    for source in sources:
        model = source.model
        statement = statement.outerjoin(model, and_(SearchEntry.kind == source.kind,
                                                    model.id == SearchEntry.ref_id,
                                                    model.visible(now)))
    statement = statement.where(match, or_(*(s.model.id.is_not(None) for s in sources)))
    if kind:
        statement = statement.where(SearchEntry.kind == kind)
    return statement.order_by(relevance.desc()).limit(limit), sources


def _recency(score: float, when) -> float:
    if when is None:
        return score
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    age_days = max(0.0, (datetime.now(timezone.utc) - when).total_seconds() / 86400)
    return score * (1 + RECENCY / (1 + age_days / 30))


def search(query: str, kind: str | None = None, limit: int = 50) -> list[Hit]:
    terms = terms_of(query)
    if not terms or (kind is not None and kind not in KINDS):
        return []
    statement, sources = _statement(terms, kind, max(limit, POOL))
    hits: list[Hit] = []
    for row in db.session.execute(statement).mappings():
        key = row["kind"]
        if row.get(f"{key}_id") is None:
            continue
        item = {name: row.get(f"{key}_{name}") for name in ("slug", "title", "date", "section")}
        relevance = float(row["relevance"] or 0.0)
        hits.append(Hit(key, KINDS[key], item["title"], URLS[key](item), row["body"],
                        item["date"], _recency(relevance, item["date"]), terms))
    hits.sort(key=lambda h: h.score, reverse=True)
    return hits[:limit]
