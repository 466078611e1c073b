"""Markdown cannot stall a worker: every input renders, or is refused with a message,
within a bound; real articles stay well inside the limits."""
from __future__ import annotations

import re
import time

import pytest

from app import markdown
from app.markdown import MAX_SOURCE_CHARS, check_markdown, render_markdown
from app.validation import Invalid

from markdown_samples import long_article, pathological, random_markdown

#: Seconds of CPU one save or preview may take, whatever its input.
BOUND = 1.0


def _cpu_seconds(fn, *args) -> float:
    markdown._safe_html.cache_clear()  # each call does the whole work
    # CPU time of this process: other work on a shared machine does not count.
    start = time.process_time()
    fn(*args)
    return time.process_time() - start


def _checked(source: str) -> str | None:
    try:
        check_markdown(source)
    except Invalid as refused:
        return str(refused)
    return None


@pytest.mark.parametrize("name, source", pathological(MAX_SOURCE_CHARS - 10).items())
def test_pathological_input_is_bounded(name, source):
    seconds = _cpu_seconds(_checked, source)
    assert seconds < BOUND, f"{name}: check took {seconds:.2f} s"
    seconds = _cpu_seconds(render_markdown, source)
    assert seconds < BOUND, f"{name}: render took {seconds:.2f} s"


def test_refusals_say_why_in_indonesian():
    cases = pathological()
    assert "terlalu panjang" in _checked("a" * (MAX_SOURCE_CHARS + 1))
    assert "bersarang terlalu dalam" in _checked(cases["nested html"])
    assert "bersarang terlalu dalam" in _checked("".join("  " * i + "- x\n" for i in range(200)))
    assert "terlalu besar" in _checked(cases["footnote references to few notes"])


def test_a_refused_source_is_shown_as_plain_text():
    html = render_markdown("<div>" * 500 + "<script>x</script> **a**")
    assert "<div" not in html and "<script" not in html and "**a**" in html


@pytest.mark.parametrize("seed", range(40))
def test_random_markdown_is_bounded_and_safe(seed):
    source = random_markdown(seed)
    seconds = _cpu_seconds(render_markdown, source)
    assert seconds < BOUND
    html = render_markdown(source)
    assert not re.search(r"<\s*script|\son\w+\s*=|javascript:", html, re.I)


def test_a_long_real_article_renders_whole_and_fast():
    source = long_article()
    assert check_markdown(source) is None
    assert _cpu_seconds(render_markdown, source) < BOUND / 4
    html = render_markdown(source)
    count = lambda tag: len(re.findall(f"<{tag}[ >]", html))  # noqa: E731
    assert count("h2") == 12 and count("table") == 12 and count("tr") == 12 * 16
    assert count("img") == 12 and count("blockquote") == 12
    assert count("li") == 12 * (4 * 3 + 5) + 10  # nested items, steps, footnotes
    assert count("strong") == 48 and count("em") == 48
    assert 'href="#fn-1"' in html and 'id="fn-10"' in html  # footnotes link both ways
    assert "“Kami berterima kasih kepada warga,” ujarnya – sambil" in html  # typography
    assert '<td align="right">12.500.000</td>' in html


def test_the_limits_leave_room_for_long_articles():
    # half as long again as the long article above still passes
    assert check_markdown(long_article(sections=18)) is None
