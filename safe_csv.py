"""CSV files that spreadsheets open without running formulas (OWASP "CSV Injection").

A cell of text that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
is read as a formula by Excel, LibreOffice and Google Sheets (``=HYPERLINK(...)``
in a budget label, say). Such a cell is written with a leading single quote, which
the spreadsheet shows as text. Numbers (``int``, ``float``, ``Decimal``) are written
as they are, so a negative amount stays a number; a column of numbers must therefore
be given as numbers, not as formatted text.

A plain module with no Flask import: the Flask side and ``dns_tools`` both write CSV
through :func:`writer`.
"""
from __future__ import annotations

import csv
from decimal import Decimal
from typing import IO, Any, Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """The cell as written: text that a spreadsheet would evaluate gets a leading ``'``."""
    if isinstance(value, (bool, int, float, Decimal)) or value is None:
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class SafeWriter:
    """``csv.writer`` whose rows are neutralised cell by cell."""

    def __init__(self, out: IO[str], **options: Any) -> None:
        self._writer = csv.writer(out, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([neutralise(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(out: IO[str], **options: Any) -> SafeWriter:
    """The one way the platform writes CSV: like ``csv.writer(out, **options)``."""
    return SafeWriter(out, **options)
