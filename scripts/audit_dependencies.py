#!/usr/bin/env python3
"""Audit the pinned dependencies against PyPI's vulnerability data (pip-audit).

Run by ``.ci/run``; the policy it enforces is in docs/dependencies.md.

* A pin with a known vulnerability fails (exit 1), listing the advisory and the
  versions that fix it.
* Vulnerability data that cannot be fetched (no network, PyPI refusing, a mirror
  that does not serve the per-version JSON) does not fail CI, and does not pass
  silently either: the packages that were NOT audited are counted and named.

Only PyPI is asked (``--vulnerability-service pypi``), per pinned version, without
installing anything (``--no-deps --disable-pip``: every line of the files is a pin).
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FILES = ("requirements.txt", "requirements-dev.txt")
#: Advisories accepted for a while, one id a line with its reason (docs/dependencies.md).
IGNORED = ROOT / ".ci" / "audit-ignore.txt"


def ignored_ids() -> list[str]:
    if not IGNORED.is_file():
        return []
    lines = (line.split("#", 1)[0].strip() for line in IGNORED.read_text().splitlines())
    return [line for line in lines if line]


def run_pip_audit() -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "pip_audit", "--vulnerability-service", "pypi",
               "--no-deps", "--disable-pip", "--progress-spinner", "off", "--format", "json",
               "--timeout", "20"]
    for name in FILES:
        command += ["--requirement", str(ROOT / name)]
    for vuln_id in ignored_ids():
        command += ["--ignore-vuln", vuln_id]
    return subprocess.run(command, capture_output=True, text=True, timeout=600)


def verdict(result: subprocess.CompletedProcess) -> tuple[list[str], int]:
    """What to print about pip-audit's answer, and the exit code for CI."""
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        return [f"DEPENDENCY AUDIT NOT DONE: pip-audit ended with code {result.returncode} "
                f"and no report; the vulnerability data could not be fetched ({last})."], 0
    dependencies = report.get("dependencies", [])
    skipped = [d for d in dependencies if d.get("skip_reason")]
    vulnerable = [d for d in dependencies if d.get("vulns")]
    audited = len(dependencies) - len(skipped)
    lines = [f"dependency audit (PyPI vulnerability data): {audited} of {len(dependencies)} "
             f"pinned packages audited, {len(vulnerable)} with known vulnerabilities"]
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixed = ", ".join(vuln.get("fix_versions") or []) or "no fixed version yet"
            aliases = ", ".join(vuln.get("aliases") or [])
            lines.append(f"  VULNERABLE {dep['name']}=={dep['version']}: {vuln['id']}"
                         f"{f' ({aliases})' if aliases else ''}; fixed in: {fixed}")
    if skipped:
        lines += [f"DEPENDENCY AUDIT INCOMPLETE: the vulnerability data of {len(skipped)} "
                  f"package(s) could not be fetched from PyPI, so they were NOT audited:",
                  "  " + ", ".join(d["name"] for d in skipped),
                  f"  first reason: {skipped[0]['skip_reason']}"]
    return lines, (1 if vulnerable else 0)


def main() -> int:
    try:
        result = run_pip_audit()
    except (OSError, subprocess.TimeoutExpired) as exc:
        print(f"DEPENDENCY AUDIT NOT DONE: pip-audit could not run ({exc}).")
        return 0
    lines, code = verdict(result)
    print("\n".join(lines))
    return code


if __name__ == "__main__":
    sys.exit(main())
