"""The only place where user text becomes HTML: Markdown, then an allow-list sanitiser.

Markdown is rendered with the ``markdown`` package (raw HTML in the source is
allowed through Markdown and then cleaned), and the result goes through nh3
(the maintained Rust ``ammonia`` sanitiser) with a small allow-list: no
script, no event handler, no ``style``, no ``javascript:``/``data:`` URL
survives. The admin preview uses this same function.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from html import escape, unescape

import markdown as md
import nh3

#: Given the ``src`` of the article's pictures, the attributes to give those that are
#: known images of the village (``app.media.article_pictures``).
Pictures = Callable[[list[str]], dict[str, dict[str, str]]]

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


def render_markdown(source: str | None, pictures: Pictures | None = None) -> str:
    """Markdown -> safe HTML. Never raises on odd input; empty in, empty out.

    Pictures load only when scrolled to (cheap phones, slow links). With ``pictures``,
    an image that is one of the village's own uploads also gets the attributes a
    phone needs to load a resized copy (``srcset``, ``sizes``) and to keep its place
    while loading (``width``, ``height``)."""
    if not source:
        return ""
    html = sanitize_html(md.markdown(source, extensions=_EXTENSIONS, output_format="html"))
    return finish_images(html, pictures)


def sanitize_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


#: A tag of the sanitiser's output: it writes every attribute as name="value", with
#: the quotes inside escaped, and escapes every "<" of the text, but not a "<" inside
#: an attribute value (``title="<img ...>"``): a tag is found only where it starts.
_TAG = re.compile(r'<(/?)([a-zA-Z][a-zA-Z0-9]*)((?:\s+[^\s="/>]+="[^"]*")*)\s*/?>')
_ATTRIBUTE = re.compile(r'\s([^\s="/>]+)="([^"]*)"')
#: One order for an image's attributes: the same source always gives the same HTML
#: (the sanitiser's own attribute order varies from call to call), so a re-render
#: that changes nothing is seen to change nothing.
_IMG_ORDER = ("src", "srcset", "sizes", "alt", "title", "width", "height", "id")
_ALWAYS = {"loading": "lazy", "decoding": "async"}


def _start_tags(html: str) -> list[tuple[int, int, str, dict[str, str]]] | None:
    """(start, end, name, attributes) of each start tag, walking the output tag by
    tag; None if something is not as the sanitiser writes it (then nothing is
    rewritten)."""
    found, position = [], html.find("<")
    while position != -1:
        tag = _TAG.match(html, position)
        if tag is None:
            return None
        if not tag.group(1):
            found.append((tag.start(), tag.end(), tag.group(2).lower(),
                          dict(_ATTRIBUTE.findall(tag.group(3)))))
        position = html.find("<", tag.end())
    return found


def _write_tag(name: str, attrs: dict[str, str], order: list[str] | None = None) -> str:
    return f"<{name}" + "".join(f' {key}="{attrs[key]}"' for key in (order or attrs)) + ">"


def finish_images(html: str, pictures: Pictures | None = None) -> str:
    """Write every ``<img>`` of sanitised HTML again: lazy loading, a fixed attribute
    order, and the attributes ``pictures`` knows for its ``src``. Runs after the
    sanitiser, on its output, and adds only what the platform computed itself from
    its media records: a writer's own HTML still cannot set ``srcset``."""
    tags = [(start, end, attrs) for start, end, name, attrs in _start_tags(html) or ()
            if name == "img"]
    if not tags:
        return html
    sources = [unescape(attrs["src"]) for _start, _end, attrs in tags if "src" in attrs]
    known = pictures(sources) if pictures is not None and sources else {}
    out, last = [], 0
    for start, end, attrs in tags:
        for name, value in known.get(unescape(attrs.get("src", "")), {}).items():
            if name in ("width", "height") and name in attrs:
                continue  # the writer's own size stays
            attrs[name] = escape(value)
        attrs.update(_ALWAYS)
        ordered = [name for name in _IMG_ORDER if name in attrs]
        ordered += sorted(set(attrs) - set(ordered) - set(_ALWAYS)) + list(_ALWAYS)
        out += [html[last:start], _write_tag("img", attrs, ordered)]
        last = end
    return "".join(out) + html[last:]


def absolute_urls(html: str, origin: str) -> str:
    """Stored HTML with its site-relative addresses (``/media/…``, ``/berita/…``) made
    absolute on ``origin`` (``https://jlodro.tubankab.go.id``): for readers of the
    HTML outside the village's pages (the JSON API), where a relative address means
    nothing."""
    out, last = [], 0
    for start, end, name, attrs in _start_tags(html) or ():
        changed = False
        for key in ("href", "src", "srcset"):
            value = attrs.get(key)
            if value is None:
                continue
            parts = value.split(", ") if key == "srcset" else [value]
            fixed = [origin + part if part.startswith("/") and not part.startswith("//")
                     else part for part in parts]
            if fixed != parts:
                attrs[key], changed = ", ".join(fixed), True
        if changed:
            out += [html[last:start], _write_tag(name, attrs)]
            last = end
    return "".join(out) + html[last:]
