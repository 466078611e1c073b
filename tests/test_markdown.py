"""The one sanitising pipeline: Markdown in, safe HTML out."""
from __future__ import annotations

import re

import pytest

from app.markdown import render_markdown

XSS_VECTORS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<img src=\"javascript:alert(1)\">",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<iframe src=\"https://evil.example\"></iframe>",
    "<a href=\"javascript:alert(1)\">klik</a>",
    "<a href=\"JaVaScRiPt:alert(1)\">klik</a>",
    "<a href=\"&#106;avascript:alert(1)\">klik</a>",
    "<a href=\"java\tscript:alert(1)\">klik</a>",
    "[klik](javascript:alert(1))",
    "[klik](JAVASCRIPT:alert(1))",
    "![x](javascript:alert(1))",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![img](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "<a href=\"vbscript:msgbox(1)\">x</a>",
    "<div style=\"background:url(javascript:alert(1))\">x</div>",
    "<p style=\"position:fixed;top:0\">x</p>",
    "<style>body{display:none}</style>",
    "<object data=\"x.swf\"></object>",
    "<embed src=\"x.swf\">",
    "<form action=\"https://evil.example\"><input name=p></form>",
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<meta http-equiv=\"refresh\" content=\"0;url=https://evil.example\">",
    "<base href=\"https://evil.example/\">",
    "<link rel=stylesheet href=https://evil.example/x.css>",
    "<a href=\"https://ok.example\" onclick=\"alert(1)\">ok</a>",
    "<img src=\"x\" srcset=\"javascript:alert(1) 1x\">",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
    "```\n<script>alert(1)</script>\n```",
    "<<script>script>alert(1)<</script>/script>",
    "<!--<script>alert(1)</script>-->",
]

DANGEROUS = re.compile(
    r"<\s*(script|iframe|object|embed|style|form|input|meta|base|link|svg|math|body)\b"
    r"|\son[a-z]+\s*=|javascript:|vbscript:|data:|\sstyle\s*=",
    re.IGNORECASE,
)


@pytest.mark.parametrize("source", XSS_VECTORS)
def test_xss_vector_is_neutralised(source):
    html = render_markdown(source)
    # A code block may show the text of a tag, but only escaped.
    assert not DANGEROUS.search(html.replace("&lt;", "").replace("&gt;", "")) or "&lt;" in html
    assert not re.search(r"<\s*script", html, re.I)
    assert not re.search(r"\son\w+\s*=", html, re.I)
    assert "javascript:" not in html.lower()
    assert "data:" not in html.lower()
    assert " style=" not in html.lower()


def test_there_are_at_least_twenty_vectors():
    assert len(XSS_VECTORS) >= 20


def test_markdown_features_survive():
    html = render_markdown(
        "## Judul\n\n**tebal** dan *miring* [tautan](https://tubankab.go.id)\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n- satu\n- dua\n\n![foto](/media/35.23.01.2001/x.jpg)"
    )
    assert "<h2" in html and "<strong>tebal</strong>" in html and "<em>miring</em>" in html
    assert '<a href="https://tubankab.go.id" rel="noopener noreferrer nofollow">tautan</a>' in html
    assert "<table>" in html and "<td>1</td>" in html
    assert "<li>satu</li>" in html
    image = re.search(r"<img [^>]*>", html).group(0)
    assert 'alt="foto"' in image and 'src="/media/35.23.01.2001/x.jpg"' in image
    assert 'loading="lazy"' in image


def test_empty_and_odd_input():
    assert render_markdown("") == ""
    assert render_markdown(None) == ""
    assert "&lt;3" in render_markdown("aku <3 desa")
    render_markdown("\x00\x01" * 100 + "[" * 1000)  # does not raise


def test_body_html_is_rendered_on_save(app, jlodro):
    """Rendered when the post is flushed (app.bodies); setting the source runs nothing."""
    from app.extensions import db
    from app.models import Post
    from desa_testing import village
    from tenants.scoping import tenant_context

    with app.app_context(), tenant_context(village("jlodro").id):
        # CommonMark: a raw HTML block runs to the end of its line, hence the blank line
        post = Post(title="t", slug="t", body_md="<script>x</script>\n\n**ok**")
        assert not post.body_html
        db.session.add(post)
        db.session.flush()
        assert post.body_html.strip() == "<p><strong>ok</strong></p>"
        assert "script" not in post.body_html
        db.session.rollback()


def test_images_in_content_are_lazy_loaded():
    html = render_markdown('![Balai desa](/media/3523/2026/11/a.jpg)\n\n<img src="/x.png" loading="eager">')
    assert html.count('loading="lazy"') == 2 and 'loading="eager"' not in html
    assert html.count('decoding="async"') == 2


def test_the_same_source_always_gives_the_same_html():
    """Stored HTML is compared with a fresh rendering (``flask content render``): the
    sanitiser's attribute order varies between calls, the platform's must not."""
    source = '![Balai](/media/a.jpg "Balai desa")\n\n<img src="/x.png" width="20" alt="x">'
    assert len({render_markdown(source) for _ in range(50)}) == 1


def test_image_rewriting_never_reaches_inside_attribute_values():
    html = render_markdown('<a href="/x" title="<img src=/z.png>">tautan</a> ![f](/m.jpg)')
    assert 'title="&lt;img src=/z.png&gt;"' in html
    assert html.count("<img") == 1 and html.count('loading="lazy"') == 1
