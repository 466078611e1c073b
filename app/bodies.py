"""The stored HTML of Markdown bodies, rendered from their source before a flush.

Models hold data only: setting ``body_md`` runs nothing. Before each flush,
every new object with a Markdown body, and every changed one whose source
changed, gets its ``body_html`` from ``app.markdown`` with the village's own
pictures (``app.media.article_pictures``, one query per flush and body).
"""
from __future__ import annotations

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from app.markdown import render_markdown
from app.media import article_pictures
from app.models.base import MarkdownBody


def render_body(obj: MarkdownBody) -> None:
    obj.body_html = render_markdown(obj.body_md or "", article_pictures)


def _source_changed(obj) -> bool:
    return inspect(obj).attrs.body_md.history.has_changes()


def _render_changed_bodies(session: Session, _context, _instances) -> None:
    pending = [obj for obj in session.new if isinstance(obj, MarkdownBody)]
    pending += [obj for obj in session.dirty
                if isinstance(obj, MarkdownBody) and _source_changed(obj)]
    if not pending:
        return
    with session.no_autoflush:
        for obj in pending:
            render_body(obj)


def install() -> None:
    if not event.contains(Session, "before_flush", _render_changed_bodies):
        event.listen(Session, "before_flush", _render_changed_bodies)
