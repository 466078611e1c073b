"""APBDes lines imported from a CSV file (columns: year,section,code,name,planned,realised).

Every row is checked with the same validators as the form; one bad row refuses
the whole file and nothing is stored."""
from __future__ import annotations

import csv
import io
from functools import partial

from flask import flash, redirect, request, url_for

from app import validation
from app.auth.core import audit, touch_content
from app.extensions import db
from app.models import BUDGET_SECTIONS, BudgetLine
from app.permissions import permission

from . import bp

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
_code = partial(validation.text, label="Kode rekening",
                max_length=validation.column_limit(BudgetLine.code))
_name = partial(validation.text, label="Uraian", required=True,
                max_length=validation.column_limit(BudgetLine.name))


def parse_budget_csv(data: bytes) -> list[BudgetLine]:
    """The lines of a budget CSV; raises ``validation.Invalid`` naming the bad row."""
    if len(data) > MAX_BYTES:
        raise validation.Invalid(f"berkas lebih dari {MAX_BYTES // (1024 * 1024)} MB")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise validation.Invalid("berkas bukan teks UTF-8") from None
    reader = csv.DictReader(io.StringIO(text))
    missing = {"year", "section", "name"} - set(reader.fieldnames or ())
    if missing:
        raise validation.Invalid("kolom " + ", ".join(sorted(missing)) + " tidak ada")
    lines = []
    try:
        for n, row in enumerate(reader, start=2):
            if n - 1 > MAX_ROWS:
                raise validation.Invalid(f"lebih dari {MAX_ROWS} baris")
            try:
                lines.append(budget_line(row, position=n))
            except validation.Invalid as exc:
                raise validation.Invalid(f"baris {n}: {exc}") from None
    except csv.Error as exc:
        raise validation.Invalid(f"baris {reader.line_num + 1}: CSV tidak terbaca ({exc})") \
            from None
    return lines


def budget_line(row: dict, position: int) -> BudgetLine:
    """One budget line from raw values (a CSV row, or a line of an export's manifest)."""
    section = str(row.get("section") or "").strip().lower()
    if section not in BUDGET_SECTIONS:
        raise validation.Invalid(f"bagian '{section[:20]}' tidak dikenal")
    return BudgetLine(
        year=validation.integer(row.get("year"), label="Tahun", minimum=1900, maximum=2200),
        section=section, code=_code(row.get("code")), name=_name(row.get("name")),
        planned=validation.amount(row.get("planned") or "0", label="Anggaran"),
        realised=validation.amount(row.get("realised") or "0", label="Realisasi"),
        position=position)


@bp.route("/budget/import", methods=["POST"])
@permission("budget.import")
def budget_import():
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise validation.Invalid("pilih berkas CSV")
        lines = parse_budget_csv(upload.read(MAX_BYTES + 1))
    except validation.Invalid as exc:
        flash(f"CSV tidak valid: {exc}", "error")
        return redirect(url_for(".content_list", kind_name="budget"), 303)
    db.session.add_all(lines)
    audit("import", f"budget {len(lines)} baris")
    touch_content()
    db.session.commit()
    flash(f"{len(lines)} baris APBDes diimpor.")
    return redirect(url_for(".content_list", kind_name="budget"))
