"""The standalone CLI, run as a real subprocess."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dnstools_env import PLATFORM_V4, PLATFORM_V6, TSIG_NAME, TSIG_SECRET, ZONE

ROOT = Path(__file__).resolve().parents[2]


def cli(*args, env=None):
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run([sys.executable, "-m", "dns_tools", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, env=e)


@pytest.fixture
def names_csv(tmp_path):
    p = tmp_path / "names.csv"
    p.write_text("name,slug,kode,kecamatan\n"
                 f"jlodro.{ZONE},jlodro,35.23.01.2001,Kenduruan\n"
                 f",sokogunung,35.23.01.2002,Kenduruan\n"
                 f"salah.{ZONE},salah,35.23.02.2001,Bangilan\n"
                 f"tidakada.{ZONE},tidakada,35.23.02.2002,Bangilan\n")
    return p


def base(knot, port_map):
    args = ["--domain", ZONE, "--expect-address", PLATFORM_V4, "--expect-address", PLATFORM_V6,
            "--nameserver", knot.addr, "--timeout", "0.3", "--retries", "1"]
    for k, v in port_map.items():
        args += ["--port-map", f"{k}={v}"]
    return args


def test_check_json_exit_1(knot, port_map, names_csv):
    p = cli("check", "--names", str(names_csv), *base(knot, port_map), "--format", "json")
    assert p.returncode == 1, p.stderr
    data = json.loads(p.stdout)
    assert {d["slug"]: d["verdict"] for d in data} == {"jlodro": "ok", "sokogunung": "ok", "salah": "wrong_target",
                                                       "tidakada": "missing"}
    assert "Bangilan" in p.stderr and "wrong_target" in p.stderr  # summary on stderr
    assert "\r" not in p.stderr  # no progress bar when not a terminal


def test_check_only_ok_exit_0_and_csv_output(knot, port_map, names_csv, tmp_path):
    out = tmp_path / "r.csv"
    p = cli("check", "--names", str(names_csv), *base(knot, port_map), "--only", "jlodro", "sokogunung",
            "--format", "csv", "--output", str(out))
    assert p.returncode == 0, p.stderr
    lines = out.read_text().splitlines()
    assert lines[0].startswith("name,slug,kode") and len(lines) == 3


def test_check_plain_list_and_html(knot, port_map, tmp_path):
    lst = tmp_path / "list.txt"
    lst.write_text(f"# daftar\njlodro.{ZONE}\nputar1.{ZONE}\n")
    p = cli("check", "--names", str(lst), *base(knot, port_map), "--format", "html", "--lang", "en")
    assert p.returncode == 1
    assert "<!DOCTYPE html>" in p.stdout and "cname_loop" in p.stdout and "CNAME chain loops" in p.stdout


@pytest.mark.parametrize("args,msg", [
    (["--nameserver", "dns.google"], "not an IP address"),
    (["--checks", "dns,ping"], "unknown or empty checks"),
    (["--checks", "registry"], "registry source"),
    (["--axfr", "127.0.0.1:1", "--checks", "registry,dns", "--tsig-key-env", "NOPE_NOT_SET"], "NOPE_NOT_SET"),
])
def test_bad_configuration_exit_2(knot, port_map, names_csv, args, msg):
    p = cli("check", "--names", str(names_csv), *base(knot, port_map), *args)
    assert p.returncode == 2 and msg in p.stderr and "Traceback" not in p.stderr, p.stderr


def test_missing_file_and_bad_usage_exit_2(tmp_path):
    p = cli("check", "--names", str(tmp_path / "nope.csv"), "--expect-address", PLATFORM_V4)
    assert p.returncode == 2 and "cannot read names file" in p.stderr and "Traceback" not in p.stderr
    assert cli("check").returncode == 2
    assert cli("check", "--names", "x", "--tsig-secret", "abc").returncode == 2  # no secrets on the command line


def test_registry_unreachable_exit_2(knot, port_map, names_csv, silent_udp):
    p = cli("check", "--names", str(names_csv), *base(knot, port_map), "--checks", "registry,dns",
            "--axfr", "127.0.0.1:1", env={"DNS_TOOLS_TSIG_KEY": f"hmac-sha256:{TSIG_NAME}:{TSIG_SECRET}"})
    assert p.returncode == 2 and "AXFR" in p.stderr


def test_fix_rfc2136_dry_run_then_yes(knot, port_map, tmp_path):
    names = tmp_path / "fix.csv"
    names.write_text(f"name,slug,kode,kecamatan\nperbaiki3.{ZONE},perbaiki3,35.23.03.2001,Jatirogo\n")
    env = {"DNS_TOOLS_TSIG_KEY": f"hmac-sha256:{TSIG_NAME}:{TSIG_SECRET}"}
    p = cli("fix", "--provider", "rfc2136", "--names", str(names), *base(knot, port_map), "--dry-run", env=env)
    assert p.returncode == 1 and f"UPSERT perbaiki3.{ZONE} A 300 {PLATFORM_V4}" in p.stdout
    assert "--yes" in p.stderr
    p = cli("fix", "--provider", "rfc2136", "--names", str(names), *base(knot, port_map), "--yes", env=env)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "Re-check" in p.stdout and "ok " in p.stdout.split("Re-check", 1)[1]
