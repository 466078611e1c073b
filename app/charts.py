"""Server-rendered, accessible SVG charts (no JavaScript).

Every chart is an ``<svg role="img">`` with ``<title>`` and ``<desc>`` (named
through ``aria-labelledby``) and prints each value as text next to its bar,
so it reads without colour and survives a screen reader. The numbers are also
always in an HTML table on the same page.
"""
from __future__ import annotations

import hashlib
from decimal import Decimal

from markupsafe import Markup, escape

ROW = 34
BAR = 14
LABEL_W = 0  # labels sit above bars so long Indonesian labels never overflow


def _fmt(value, formatter) -> str:
    return formatter(value) if formatter else str(value)


def bar_chart(title: str, rows, formatter=None, series=("",), desc: str | None = None,
              width: int = 360) -> Markup:
    """Horizontal bar chart.

    ``rows``: list of ``(label, values)`` where ``values`` is a tuple with one
    number per entry of ``series`` (e.g. ("Anggaran", "Realisasi")).
    """
    rows = [(label, tuple(Decimal(str(v or 0)) for v in values)) for label, values in rows]
    # named after its title (unique on a page): the same page renders the same bytes
    uid = "chart-" + hashlib.blake2s(title.encode(), digest_size=4).hexdigest()
    peak = max((v for _, values in rows for v in values), default=Decimal(0)) or Decimal(1)
    n_series = len(series)
    group_h = 26 + n_series * (BAR + 6) + 8
    legend_h = 28 if n_series > 1 and any(series) else 0
    height = legend_h + len(rows) * group_h + 4
    if desc is None:
        desc = "; ".join(
            f"{label}: " + ", ".join(
                (f"{name} " if name else "") + _fmt(v, formatter) for name, v in zip(series, values)
            )
            for label, values in rows
        )
    out = [
        f'<svg class="chart" role="img" aria-labelledby="{uid}-t {uid}-d" '
        f'viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{uid}-t">{escape(title)}</title>',
        f'<desc id="{uid}-d">{escape(desc)}</desc>',
    ]
    if legend_h:
        x = 0
        for i, name in enumerate(series):
            out.append(f'<rect class="s{i}" x="{x}" y="6" width="14" height="14"/>'
                       f'<text x="{x + 20}" y="18" class="legend">{escape(name)}</text>')
            x += 34 + 10 * len(name)
    bar_space = width * 0.5
    y = legend_h
    for label, values in rows:
        out.append(f'<text x="0" y="{y + 19}" class="label">{escape(label)}</text>')
        by = y + 26
        for i, value in enumerate(values):
            w = float(value / peak) * bar_space if peak else 0
            w = max(w, 2.0) if value else 0
            out.append(f'<rect class="s{i}" x="0" y="{by}" width="{w:.1f}" height="{BAR}" rx="2"/>')
            out.append(f'<text x="{w + 6:.1f}" y="{by + BAR - 2}" class="value">'
                       f'{escape(_fmt(value, formatter))}</text>')
            by += BAR + 6
        y += group_h
    out.append("</svg>")
    return Markup("".join(out))


def budget_chart(sections, totals, section_names, year, formatter) -> Markup:
    """Planned and realised totals per section; texts in the page language."""
    from app.i18n import gettext

    rows = [(section_names.get(key, key), totals[key]) for key, lines in sections.items() if lines]
    return bar_chart(gettext("APBDes %(year)s: anggaran dan realisasi per bidang", year=year),
                     rows, formatter, series=(gettext("Anggaran"), gettext("Realisasi")))


def stat_chart(title: str, stats, formatter) -> Markup:
    return bar_chart(title, [(s.label, (s.value,)) for s in stats], formatter)
