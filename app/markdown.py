"""The only place where user text becomes HTML: Markdown, then an allow-list sanitiser.

Markdown is rendered by cmark-gfm (``cmarkgfm``: the C reference implementation of
CommonMark with GitHub's tables, strikethrough, autolinks and footnotes), whose cost
grows linearly with its input whatever that input is. Raw HTML in the source goes
through and is then cleaned by nh3 (the maintained Rust ``ammonia`` sanitiser) with a
small allow-list: no script, no event handler, no ``style``, no
``javascript:``/``data:`` URL survives. The admin preview uses this same pipeline.

The sanitiser parses HTML like a browser, and a browser's parser slows down on
elements nested thousands deep; footnote and link references can make the HTML far
larger than its source. So a source is refused (``check_markdown``) beyond limits
that real articles stay well inside: its length, the nesting of its elements and
the size of its HTML.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from html import escape, unescape

import cmarkgfm
import nh3
from cmarkgfm.cmark import Options

from app.validation import Invalid

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

#: Longest source accepted, in characters (a long article with tables is a few
#: tens of thousands; a regulation belongs in a PDF document).
MAX_SOURCE_CHARS = 100_000
#: Deepest nesting of elements (lists, quotes, HTML tags) accepted.
MAX_DEPTH = 100
#: Largest HTML the Markdown may expand to before it is sanitised.
MAX_HTML_CHARS = 600_000

_OPTIONS = (
    Options.CMARK_OPT_UNSAFE  # raw HTML is kept here and cleaned by the sanitiser
    | Options.CMARK_OPT_SMART  # typographic quotes, dashes and ellipses
    | Options.CMARK_OPT_FOOTNOTES
    | Options.CMARK_OPT_STRIKETHROUGH_DOUBLE_TILDE  # "5~10 orang" is not struck out
)
_EXTENSIONS = ["table", "strikethrough", "autolink"]


def render_markdown(source: str | None, pictures: Pictures | None = None) -> str:
    """Markdown -> safe HTML. Never raises on odd input; empty in, empty out.

    A source that ``check_markdown`` refuses (the forms and imports never store one,
    but an old revision may hold one) is shown as plain text, so that rendering it
    stays as cheap as any other.

    Pictures load only when scrolled to (cheap phones, slow links). With ``pictures``,
    an image that is one of the village's own uploads also gets the attributes a
    phone needs to load a resized copy (``srcset``, ``sizes``) and to keep its place
    while loading (``width``, ``height``)."""
    if not source:
        return ""
    try:
        html = _safe_html(source)
    except Invalid:
        html = _plain_text(source)
    return finish_images(html, pictures)


def check_markdown(source: str | None, label: str = "Isi") -> None:
    """Raise ``Invalid`` (a message for the writer) if ``source`` is beyond what is
    rendered: too long, nested too deep, or expanding to too much HTML."""
    if source:
        try:
            _safe_html(source)
        except Invalid as refused:
            raise Invalid(f"{label}: {refused}") from None


# The form check and the save that follows it render the same source: one renders.
@lru_cache(maxsize=8)
def _safe_html(source: str) -> str:
    if len(source) > MAX_SOURCE_CHARS:
        limit, length = (f"{n:,}".replace(",", ".") for n in (MAX_SOURCE_CHARS, len(source)))
        raise Invalid(f"terlalu panjang: paling banyak {limit} karakter, sekarang {length}. "
                      "Bagi menjadi beberapa tulisan atau lampirkan sebagai dokumen PDF.")
    # cmark takes UTF-8: a lone surrogate (possible in JSON) cannot be encoded.
    source = source.encode("utf-8", "replace").decode("utf-8")
    html = cmarkgfm.markdown_to_html_with_extensions(source, options=_OPTIONS,
                                                     extensions=_EXTENSIONS)
    if len(html) > MAX_HTML_CHARS:
        raise Invalid("menghasilkan halaman yang terlalu besar (misalnya ribuan rujukan "
                      "ke catatan kaki atau tautan yang sama). Sederhanakan isinya.")
    if _deepest_nesting(html) > MAX_DEPTH:
        raise Invalid(f"bersarang terlalu dalam: daftar, kutipan atau tag HTML di dalam "
                      f"satu sama lain lebih dari {MAX_DEPTH} tingkat. Sederhanakan strukturnya.")
    return sanitize_html(html)


_TAG_EDGE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)")
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
         "source", "track", "wbr"}


def _deepest_nesting(html: str) -> int:
    """Deepest nesting of elements, counting every start tag not yet closed (an HTML
    parser closes some by itself, so this never counts less than the parser nests)."""
    depth = deepest = 0
    for tag in _TAG_EDGE.finditer(html):
        if tag.group(2).lower() in _VOID:
            continue
        if tag.group(1):
            depth = max(depth - 1, 0)
        else:
            depth += 1
            deepest = max(deepest, depth)
    return deepest


def _plain_text(source: str) -> str:
    paragraphs = re.split(r"\n\s*\n", source[:MAX_SOURCE_CHARS])
    return "\n".join(f"<p>{escape(part).replace(chr(10), '<br>')}</p>"
                      for part in paragraphs if part.strip())


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
