"""One process per core gives the same verdicts as one process, and reports errors."""
import pytest

from dns_tools import CheckConfig, ExpectedName, check_names
from dns_tools.parallel import check_names_parallel

from dnstools_env import PLATFORM_V4, PLATFORM_V6, ZONE

NAMES = ["jlodro", "sokogunung", "salah", "sebagian", "kosong", "gantung", "putar1", "tidakada",
         "ttlnol", "HurufBesar"] * 40  # 400 names: several chunks for each worker


def _config(knot, port_map):
    return CheckConfig(domain=ZONE, expect_addresses=frozenset({PLATFORM_V4, PLATFORM_V6}),
                       expect_cname=f"desa.{ZONE}", nameservers=(knot.addr,), port_map=port_map,
                       timeout=0.3, retries=1, concurrency=50)


def _expected(n, label):
    return ExpectedName(f"{label}.{ZONE}", f"{label.lower()}-{n}", f"35.23.01.{2000 + n}", "Kenduruan")


def test_parallel_matches_sequential(knot, port_map):
    names = [_expected(n, label) for n, label in enumerate(NAMES)]
    one, many = {}, {}
    s1 = check_names(names, _config(knot, port_map), lambda r: one.__setitem__(r.slug, r.verdict))
    s2 = check_names_parallel(iter(names), _config(knot, port_map),
                              lambda r: many.__setitem__(r.slug, r.verdict), processes=2)
    assert s1.total == s2.total == len(names)
    assert one == many
    assert s2.by_verdict == s1.by_verdict
    assert {"ok", "missing", "wrong_target", "partial", "no_address", "dangling_cname",
            "cname_loop"} <= {v for v, n in s2.by_verdict.items() if n}


def test_parallel_reports_a_bad_configuration_before_forking():
    from dns_tools import ConfigError

    with pytest.raises(ConfigError):
        check_names_parallel([], CheckConfig(nameservers=("not-an-ip",)), processes=2)


def test_cli_with_one_process_per_core(knot, port_map, tmp_path):
    import json
    import subprocess
    import sys
    from pathlib import Path

    names = tmp_path / "names.csv"
    names.write_text("name,slug,kode,kecamatan\n" + "".join(
        f"{label}.{ZONE},{label}-{n},35.23.01.{2000 + n},Kenduruan\n"
        for n, label in enumerate(["jlodro", "tidakada"] * 300)))
    args = [sys.executable, "-m", "dns_tools", "check", "--names", str(names), "--domain", ZONE,
            "--expect-address", PLATFORM_V4, "--expect-address", PLATFORM_V6,
            "--nameserver", knot.addr, "--timeout", "0.3", "--retries", "1",
            "--processes", "0", "--format", "json"]
    for k, v in port_map.items():
        args += ["--port-map", f"{k}={v}"]
    done = subprocess.run(args, capture_output=True, text=True, timeout=60,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 1, done.stderr
    rows = json.loads(done.stdout)
    assert len(rows) == 600
    assert sorted({r["verdict"] for r in rows}) == ["missing", "ok"]
