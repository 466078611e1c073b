"""Report writers: table, csv, json (streamed) and a self-contained HTML page.

Why writers with ``write(result)`` / ``close(summary)``: results arrive one by
one and are written immediately; nothing but the summary is kept. The HTML
page needs the summary first, so its per-name rows go to a temporary file
that is copied in at the end (still constant memory).
"""
from __future__ import annotations

import html
import json
import tempfile
from typing import IO

import safe_csv

from .model import VERDICTS, Result, Summary, explanation

CSV_FIELDS = ("name", "slug", "kode", "kecamatan", "verdict", "detail", "addresses", "chain", "registered",
              "wildcard", "http_status", "tls_days_left", "checked_at", "explanation")


class Writer:
    def __init__(self, out: IO[str], lang: str = "id") -> None:
        self.out = out
        self.lang = lang

    def write(self, result: Result) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def close(self, summary: Summary) -> None:
        self.out.flush()


class JsonWriter(Writer):
    """A JSON array, one object per line, written as results come."""

    def __init__(self, out: IO[str], lang: str = "id") -> None:
        super().__init__(out, lang)
        self._first = True
        out.write("[")

    def write(self, result: Result) -> None:
        self.out.write(("\n" if self._first else ",\n") + json.dumps(result.to_dict(self.lang), ensure_ascii=False))
        self._first = False
        self.out.flush()

    def close(self, summary: Summary) -> None:
        self.out.write("\n]\n")
        self.out.flush()


class CsvWriter(Writer):
    def __init__(self, out: IO[str], lang: str = "id") -> None:
        super().__init__(out, lang)
        self._w = safe_csv.writer(out)
        self._w.writerow(CSV_FIELDS)

    def write(self, result: Result) -> None:
        d = result.to_dict(self.lang)
        row = []
        for f in CSV_FIELDS:
            v = d.get(f)
            row.append(" ".join(v) if isinstance(v, list) else ("" if v is None else v))
        self._w.writerow(row)
        self.out.flush()


class TableWriter(Writer):
    """Fixed-width text lines, then the summary."""

    def write(self, result: Result) -> None:
        self.out.write(f"{result.verdict:<16} {result.name:<45} {result.kode:<14} {result.detail}\n")
        self.out.flush()

    def close(self, summary: Summary) -> None:
        self.out.write("\n" + format_summary(summary, self.lang))
        self.out.flush()


def format_summary(summary: Summary, lang: str = "id") -> str:
    """Plain-text summary: counts per verdict, then per kecamatan."""
    lines = [("Ringkasan" if lang == "id" else "Summary") + f": {summary.total} "
             + ("nama" if lang == "id" else "names") + f", {summary.duration:.2f} s"]
    for v in VERDICTS:
        n = summary.by_verdict.get(v, 0)
        if n:
            lines.append(f"  {v:<16} {n:>7}")
    if summary.by_kecamatan and list(summary.by_kecamatan) != ["-"]:
        lines.append("Per kecamatan:")
        for kec in sorted(summary.by_kecamatan):
            counts = summary.by_kecamatan[kec]
            ok = counts.get("ok", 0)
            total = sum(counts.values())
            bad = ", ".join(f"{v}={n}" for v, n in sorted(counts.items()) if v != "ok")
            lines.append(f"  {kec:<24} ok {ok}/{total}" + (f"  ({bad})" if bad else ""))
    return "\n".join(lines) + "\n"


_CSS = """
body{font-family:Arial,Helvetica,sans-serif;margin:2em;color:#222}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.5em}
table{border-collapse:collapse;margin:.5em 0;font-size:.9em}
th,td{border:1px solid #bbb;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#eee}.ok{background:#e6f4e6}.warn{background:#fff4d6}.bad{background:#fbe3e3}
td.n{text-align:right}@media print{body{margin:0}}
"""


def _cls(verdict: str) -> str:
    return "ok" if verdict == "ok" else ("warn" if verdict == "tls_expiring" else "bad")


class HtmlWriter(Writer):
    """Self-contained page (inline CSS, no external resources) to mail or print."""

    def __init__(self, out: IO[str], lang: str = "id", title: str | None = None) -> None:
        super().__init__(out, lang)
        self.title = title or ("Laporan kepatuhan subdomain desa" if lang == "id" else "Village subdomain compliance report")
        self._rows = tempfile.TemporaryFile("w+", encoding="utf-8")

    def write(self, r: Result) -> None:
        e = html.escape
        self._rows.write(
            f'<tr class="{_cls(r.verdict)}"><td>{e(r.name)}</td><td>{e(r.kode)}</td><td>{e(r.kecamatan)}</td>'
            f'<td>{e(r.verdict)}</td><td>{e(explanation(r.verdict, self.lang))}</td><td>{e(r.detail)}</td>'
            f'<td>{e(" ".join(r.addresses))}</td></tr>\n')

    def close(self, summary: Summary) -> None:
        e = html.escape
        id_ = self.lang == "id"
        o = self.out
        o.write(f'<!DOCTYPE html>\n<html lang="{self.lang}"><head><meta charset="utf-8">'
                f'<title>{e(self.title)}</title><style>{_CSS}</style></head><body>\n')
        o.write(f"<h1>{e(self.title)}</h1>\n<p>{'Diperiksa' if id_ else 'Checked'}: {e(summary.started_at)} &ndash; "
                f"{e(summary.finished_at)}; {summary.total} {'nama' if id_ else 'names'}.</p>\n")
        o.write(f"<h2>{'Ringkasan' if id_ else 'Summary'}</h2>\n<table><tr><th>Verdict</th><th>"
                f"{'Jumlah' if id_ else 'Count'}</th><th>{'Keterangan' if id_ else 'Meaning'}</th></tr>\n")
        for v in VERDICTS:
            n = summary.by_verdict.get(v, 0)
            if n:
                o.write(f'<tr class="{_cls(v)}"><td>{v}</td><td class="n">{n}</td>'
                        f"<td>{e(explanation(v, self.lang))}</td></tr>\n")
        o.write("</table>\n")
        o.write(f"<h2>Per kecamatan</h2>\n<table><tr><th>Kecamatan</th><th>ok</th><th>Total</th>"
                f"<th>{'Masalah' if id_ else 'Problems'}</th></tr>\n")
        for kec in sorted(summary.by_kecamatan):
            c = summary.by_kecamatan[kec]
            bad = ", ".join(f"{v}: {n}" for v, n in sorted(c.items()) if v != "ok")
            o.write(f'<tr class="{"ok" if not bad else "bad"}"><td>{e(kec)}</td><td class="n">{c.get("ok", 0)}</td>'
                    f'<td class="n">{sum(c.values())}</td><td>{e(bad)}</td></tr>\n')
        o.write("</table>\n")
        o.write(f"<h2>{'Per nama' if id_ else 'Per name'}</h2>\n<table><tr><th>{'Nama' if id_ else 'Name'}</th>"
                f"<th>Kode</th><th>Kecamatan</th><th>Verdict</th><th>{'Penjelasan' if id_ else 'Explanation'}</th>"
                f"<th>Detail</th><th>{'Alamat' if id_ else 'Addresses'}</th></tr>\n")
        self._rows.seek(0)
        for line in self._rows:
            o.write(line)
        self._rows.close()
        o.write("</table>\n</body></html>\n")
        o.flush()


WRITERS = {"table": TableWriter, "csv": CsvWriter, "json": JsonWriter, "html": HtmlWriter}


def make_writer(fmt: str, out: IO[str], lang: str = "id") -> Writer:
    return WRITERS[fmt](out, lang)
