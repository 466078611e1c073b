"""The CI dependency audit (scripts/audit_dependencies.py) reads pip-audit's report:
a vulnerable pin fails, unfetchable data is said plainly and does not fail."""
from __future__ import annotations

import importlib.util
import json
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "audit_dependencies.py"
spec = importlib.util.spec_from_file_location("audit_dependencies", SCRIPT)
audit = importlib.util.module_from_spec(spec)
spec.loader.exec_module(audit)


def _answer(report=None, code=0, stderr=""):
    stdout = json.dumps(report) if report is not None else ""
    return subprocess.CompletedProcess([], code, stdout, stderr)


def test_a_vulnerable_pin_fails_with_the_advisory():
    lines, code = audit.verdict(_answer({"dependencies": [
        {"name": "flask", "version": "3.1.3", "vulns": []},
        {"name": "jinja2", "version": "3.1.2", "vulns": [
            {"id": "PYSEC-2024-1", "aliases": ["CVE-2024-22195"], "fix_versions": ["3.1.3"]}]},
    ]}, code=1))
    assert code == 1
    assert "2 of 2 pinned packages audited, 1 with known vulnerabilities" in lines[0]
    assert any("jinja2==3.1.2: PYSEC-2024-1 (CVE-2024-22195); fixed in: 3.1.3" in line
               for line in lines)


def test_data_that_cannot_be_fetched_is_said_plainly_and_does_not_fail():
    lines, code = audit.verdict(_answer({"dependencies": [
        {"name": "flask", "version": "3.1.3", "vulns": []},
        {"name": "nh3", "skip_reason": "Dependency not found on PyPI and could not be audited"},
    ]}))
    assert code == 0
    assert "1 of 2 pinned packages audited" in lines[0]
    assert lines[1].startswith("DEPENDENCY AUDIT INCOMPLETE") and lines[2].strip() == "nh3"


def test_no_report_at_all_is_said_plainly_and_does_not_fail():
    lines, code = audit.verdict(_answer(code=1, stderr="ConnectionError: connection refused"))
    assert code == 0
    assert lines[0].startswith("DEPENDENCY AUDIT NOT DONE") and "connection refused" in lines[0]
