"""CPU time of the Markdown pipeline on the inputs that stalled the previous renderer.

    python bench/markdown_worst_case.py [--size N] [--previous]

Each input of ``tests/markdown_samples.pathological`` (and a long real article) is
checked and rendered as a save does; the line says whether it was accepted or
refused, and the CPU seconds. ``--previous`` also times Python-Markdown with the
extensions the platform used before (``pip install Markdown`` first), each input in
a child process stopped after ``--limit`` seconds.
"""
from __future__ import annotations

import argparse
import multiprocessing
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from app import markdown  # noqa: E402
from app.validation import Invalid  # noqa: E402
from markdown_samples import long_article, pathological  # noqa: E402


def current(source: str) -> tuple[float, str]:
    markdown._safe_html.cache_clear()
    start = time.process_time()
    try:
        markdown.check_markdown(source)
        verdict = "accepted"
    except Invalid:
        verdict = "refused"
    markdown.render_markdown(source)
    return time.process_time() - start, verdict


def _previous(source: str) -> None:
    import markdown as python_markdown

    markdown.sanitize_html(python_markdown.markdown(
        source, extensions=["extra", "sane_lists", "smarty"], output_format="html"))


def previous(source: str, limit: float) -> str:
    child = multiprocessing.Process(target=_previous, args=(source,))
    start = time.monotonic()
    child.start()
    child.join(limit)
    if child.is_alive():
        child.kill()
        return f"> {limit:.0f} s"
    return f"{time.monotonic() - start:.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=markdown.MAX_SOURCE_CHARS - 10)
    parser.add_argument("--previous", action="store_true")
    parser.add_argument("--limit", type=float, default=60)
    args = parser.parse_args()
    cases = {"long real article": long_article(), **pathological(args.size)}
    worst = 0.0
    for name, source in cases.items():
        seconds, verdict = current(source)
        worst = max(worst, seconds)
        line = f"{name:42} {len(source):>9,} chars  {verdict:8} {seconds:6.3f} s CPU"
        if args.previous:
            line += f"   previous: {previous(source, args.limit)} (wall)"
        print(line, flush=True)
    print(f"worst: {worst:.3f} s CPU")


if __name__ == "__main__":
    main()
