"""Rebuild the English catalogue: ``python app/public/translations/build_catalog.py``.

One command for the usual pybabel steps, run from the project root:

    pybabel extract -F babel.cfg --ignore-dirs ".* ._ node_modules" --add-location file \\
        --project desa --width 100 -o app/public/translations/messages.pot .
    pybabel update -i app/public/translations/messages.pot -d app/public/translations \\
        -l en --no-fuzzy-matching --ignore-obsolete --width 100
    pybabel compile -d app/public/translations -l en --statistics

``en/LC_MESSAGES/messages.po`` holds the English texts: add the English for
new entries there and run this again. It ends with an error (and leaves the
``.mo`` as it was) while an entry has no English text or is marked fuzzy, so an
Indonesian string can never leak silently into the English pages. The template
``messages.pot`` is a by-product and is not kept.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
PO = HERE / "en" / "LC_MESSAGES" / "messages.po"


def pybabel(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], cwd=ROOT, check=True)


def problems(po_path: Path = PO) -> list[str]:
    """Entries of the catalogue without English text, or fuzzy ones."""
    with open(po_path, "rb") as fh:
        catalog = read_po(fh, locale="en")
    found = ["the catalogue header is marked fuzzy"] if catalog.fuzzy else []
    for message in catalog:
        if not message.id:
            continue
        texts = message.string if isinstance(message.string, (tuple, list)) else [message.string]
        if message.fuzzy:
            found.append(f"fuzzy: {message.id!r}")
        elif not all(texts):
            found.append(f"no English: {message.id!r}")
    return found


def build() -> int:
    pot = HERE / "messages.pot"
    try:
        pybabel("extract", "-F", "babel.cfg", "--ignore-dirs", ".* ._ node_modules",
                "--add-location", "file", "--project", "desa", "--width", "100",
                "-o", str(pot.relative_to(ROOT)), ".")
        pybabel("update", "-i", str(pot.relative_to(ROOT)), "-d", str(HERE.relative_to(ROOT)),
                "-l", "en", "--no-fuzzy-matching", "--ignore-obsolete", "--width", "100")
    finally:
        pot.unlink(missing_ok=True)
    found = problems()
    if found:
        print(f"{PO.relative_to(ROOT)}: {len(found)} entries need English:", *found, sep="\n  ")
        return 1
    pybabel("compile", "-d", str(HERE.relative_to(ROOT)), "-l", "en", "--statistics")
    return 0


if __name__ == "__main__":
    sys.exit(build())
