"""The only place where user text becomes HTML: Markdown, then an allow-list sanitiser.

Markdown is rendered with the ``markdown`` package (raw HTML in the source is
allowed through Markdown and then cleaned), and the result goes through nh3
(the maintained Rust ``ammonia`` sanitiser) with a small allow-list: no
script, no event handler, no ``style``, no ``javascript:``/``data:`` URL
survives. The admin preview uses this same function.
"""
from __future__ import annotations

import markdown as md
import nh3

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "details",
    "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
    "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "small", "span",
    "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead",
    "tr", "u", "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    # srcset is not URL-checked by the sanitiser, so it is not allowed in user HTML.
    "img": {"src", "alt", "title", "width", "height", "loading"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align", "scope"},
    "ol": {"start"},
    "*": {"id"},  # anchors for headings and footnotes
}
URL_SCHEMES = {"http", "https", "mailto", "tel"}

_EXTENSIONS = ["extra", "sane_lists", "smarty"]


def render_markdown(source: str | None) -> str:
    """Markdown -> safe HTML. Never raises on odd input; empty in, empty out."""
    if not source:
        return ""
    html = md.markdown(source, extensions=_EXTENSIONS, output_format="html")
    return sanitize_html(html)


def sanitize_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
        # Pictures in articles load only when scrolled to (cheap phones, slow links).
        set_tag_attribute_values={"img": {"loading": "lazy", "decoding": "async"}},
    )
