"""Reading the expected names: a CSV (name,slug,kode,kecamatan) or a plain list.

Why lazy: the national list is 83,763 rows; names are yielded one at a time so
the runner can stream. A CSV is recognised by a header row that has a
``name`` or ``slug`` column (``code``/``kode`` and ``kecamatan``/
``district_name`` are accepted as synonyms, to read the area data files).
"""
from __future__ import annotations

import csv
import gzip
import io
from typing import Iterator

from .config import ConfigError
from .model import ExpectedName

_SYN = {"name": ("name", "fqdn", "hostname"), "slug": ("slug",), "kode": ("kode", "code"),
        "kecamatan": ("kecamatan", "district_name", "kecamatan_name")}


def _open(path: str) -> io.TextIOBase:
    try:
        if path == "-":
            import sys
            return sys.stdin  # type: ignore[return-value]
        if path.endswith(".gz"):
            return gzip.open(path, "rt", encoding="utf-8", newline="")  # type: ignore[return-value]
        return open(path, encoding="utf-8", newline="")
    except OSError as exc:
        raise ConfigError(f"cannot read names file {path}: {exc.strerror}") from None


def read_names(path: str) -> Iterator[ExpectedName]:
    """Yield :class:`ExpectedName` from ``path`` (``-`` for stdin)."""
    fh = _open(path)
    with fh:
        first = fh.readline()
        if not first:
            return
        header = [h.strip().lower() for h in next(csv.reader([first]))]
        if len(header) > 1 or header[0] in ("name", "slug"):
            cols = {}
            for key, syns in _SYN.items():
                cols[key] = next((header.index(s) for s in syns if s in header), None)
            if cols["name"] is None and cols["slug"] is None:
                raise ConfigError(f"{path}: CSV needs a 'name' or 'slug' column (header: {','.join(header)})")
            for row in csv.reader(fh):
                if not row or (len(row) == 1 and not row[0].strip()):
                    continue
                get = lambda k: row[cols[k]].strip() if cols[k] is not None and cols[k] < len(row) else ""  # noqa: E731
                yield ExpectedName(get("name"), get("slug"), get("kode"), get("kecamatan"))
        else:
            for line in _chain(first, fh):
                line = line.strip()
                if line and not line.startswith("#"):
                    yield ExpectedName(line, line.split(".", 1)[0])


def _chain(first: str, fh) -> Iterator[str]:
    yield first
    yield from fh


def count_names(path: str) -> int | None:
    """Number of names in a regular file (for the progress bar), None for stdin."""
    if path == "-":
        return None
    n = 0
    for e in read_names(path):
        n += 1
    return n
