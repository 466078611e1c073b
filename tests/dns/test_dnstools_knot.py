"""DNS verdicts against a real Knot DNS server (and a real silent socket)."""
import time

import pytest

from dns_tools import AxfrSource, CheckConfig, ExpectedName, RegistryError, TsigKey, check_names
from dns_tools.registry import load_axfr

from dnstools_env import ELSEWHERE, PLATFORM_V4, PLATFORM_V6, ZONE


def cfg(knot, port_map, **kw):
    base = dict(domain=ZONE, expect_addresses=frozenset({PLATFORM_V4, PLATFORM_V6}),
                expect_cname=f"desa.{ZONE}", nameservers=(knot.addr,), port_map=port_map,
                timeout=0.3, retries=1, concurrency=20)
    base.update(kw)
    return CheckConfig(**base)


def run(names, config):
    out = {}
    summary = check_names([ExpectedName(n, n.split(".")[0].lower(), "35.23.01.2001", "Kenduruan") for n in names],
                          config, lambda r: out.__setitem__(r.name, r))
    assert summary.total == len(names)
    return out, summary


CASES = {
    f"jlodro.{ZONE}": "ok",
    f"sokogunung.{ZONE}": "ok",
    f"ttlnol.{ZONE}": "ok",
    f"salah.{ZONE}": "wrong_target",
    f"salahcname.{ZONE}": "wrong_target",
    f"sebagian.{ZONE}": "partial",
    f"kosong.{ZONE}": "no_address",
    f"gantung.{ZONE}": "dangling_cname",
    f"putar1.{ZONE}": "cname_loop",
    f"lumpuh.{ZONE}": "lame_delegation",
    f"lumpuh2.{ZONE}": "lame_delegation",
    f"www.rusak.{ZONE}": "servfail",
    f"foo.wc.{ZONE}": "not_registered",
    f"tidakada.{ZONE}": "missing",
    f"xn--dsa-bma.{ZONE}": "missing",
}


@pytest.fixture(scope="module")
def dns_results(knot, port_map):
    names = list(CASES) + ["HurufBesar.TubanKab.GO.ID.", "-buruk.tubankab.go.id", "desa.kabupaten-lain.go.id",
                           "désa.tubankab.go.id"]
    return run(names, cfg(knot, port_map))


@pytest.mark.parametrize("name,verdict", sorted(CASES.items()))
def test_verdict(dns_results, name, verdict):
    results, _ = dns_results
    r = results[name]
    assert r.verdict == verdict, (r.verdict, r.detail, r.records)
    assert r.detail, "every non-trivial result explains itself"


def test_details_and_records(dns_results):
    res, summary = dns_results
    assert res[f"jlodro.{ZONE}"].addresses == [PLATFORM_V4, PLATFORM_V6]
    assert res[f"sokogunung.{ZONE}"].chain == [f"sokogunung.{ZONE} -> desa.{ZONE}"]
    assert any(" 0 A " in rec for rec in res[f"ttlnol.{ZONE}"].records)
    assert res[f"salah.{ZONE}"].addresses == [ELSEWHERE]
    assert sorted(res[f"sebagian.{ZONE}"].addresses) == sorted([PLATFORM_V4, ELSEWHERE])
    assert res[f"gantung.{ZONE}"].chain == [f"gantung.{ZONE} -> tidak-ada.{ZONE}"]
    assert len(res[f"putar1.{ZONE}"].chain) == 2
    assert "ns-mati" in res[f"lumpuh.{ZONE}"].detail and "timeout" in res[f"lumpuh.{ZONE}"].detail
    assert "not authoritative" in res[f"lumpuh2.{ZONE}"].detail
    assert res[f"foo.wc.{ZONE}"].wildcard is True
    assert summary.by_kecamatan["Kenduruan"]["ok"] == 4


def test_uppercase_and_idn_are_normalised(dns_results):
    res, _ = dns_results
    assert res[f"hurufbesar.{ZONE}"].verdict == "ok"
    assert "HurufBesar.TubanKab.GO.ID." not in res
    assert res[f"xn--dsa-bma.{ZONE}"].verdict == "missing"


def test_invalid_names_never_queried(dns_results):
    res, _ = dns_results
    assert res["-buruk.tubankab.go.id"].verdict == "invalid_name"
    assert res["desa.kabupaten-lain.go.id"].verdict == "invalid_name"
    assert "outside" in res["desa.kabupaten-lain.go.id"].detail


def test_wildcard_heuristic_vs_registry(knot, port_map, tsig_key):
    """Without a registry a registered name equal to the wildcard answer is
    suspicious; the AXFR registry tells it is really registered."""
    names = [f"terdaftar.wc.{ZONE}", f"foo.wc.{ZONE}", f"jlodro.{ZONE}", f"tidakada.{ZONE}"]
    res, _ = run(names, cfg(knot, port_map))
    assert res[f"terdaftar.wc.{ZONE}"].verdict == "not_registered"
    assert "registry" in res[f"terdaftar.wc.{ZONE}"].detail
    reg = AxfrSource(knot.addr, ZONE, tsig_key)
    res, _ = run(names, cfg(knot, port_map, checks=frozenset({"registry", "dns"}), registry=reg))
    assert res[f"terdaftar.wc.{ZONE}"].verdict == "ok" and res[f"terdaftar.wc.{ZONE}"].registered is True
    assert res[f"foo.wc.{ZONE}"].verdict == "not_registered" and res[f"foo.wc.{ZONE}"].registered is False
    assert res[f"jlodro.{ZONE}"].verdict == "ok"
    assert res[f"tidakada.{ZONE}"].verdict == "missing" and res[f"tidakada.{ZONE}"].registered is False
    # registry only, no DNS
    res, _ = run(names, cfg(knot, port_map, checks=frozenset({"registry"}), registry=reg))
    assert {n: r.verdict for n, r in res.items()} == {
        f"terdaftar.wc.{ZONE}": "ok", f"foo.wc.{ZONE}": "not_registered", f"jlodro.{ZONE}": "ok",
        f"tidakada.{ZONE}": "missing"}


def test_axfr_requires_the_right_tsig_key(knot):
    wrong = TsigKey(name="dnscheck-key.", secret="c2VjcmV0LXNhbGFoLXNla2FsaQ==")
    with pytest.raises(RegistryError):
        load_axfr(AxfrSource(knot.addr, ZONE, wrong))
    with pytest.raises(RegistryError):
        load_axfr(AxfrSource(knot.addr, ZONE, None))  # unsigned transfer refused


def test_axfr_index(knot, tsig_key):
    reg = load_axfr(AxfrSource(knot.addr, ZONE, tsig_key))
    assert reg.lookup(f"jlodro.{ZONE}")[0] is True
    assert f"wc.{ZONE}" in reg.wildcards
    assert reg.lookup(f"www.lumpuh.{ZONE}")[0] is None  # below a delegation: the parent cannot tell
    assert f"A {PLATFORM_V4}" in reg.owners[f"hurufbesar.{ZONE}"]


def test_refused_from_a_server_that_does_not_serve_the_zone(knot_servers, port_map):
    _main, broken = knot_servers
    res, _ = run([f"jlodro.{ZONE}"], cfg(broken, port_map, expect_cname=None))
    assert res[f"jlodro.{ZONE}"].verdict == "refused"


def test_servfail_from_the_broken_zone_directly_and_retried(knot_servers, port_map):
    _main, broken = knot_servers
    res, _ = run([f"www.rusak.{ZONE}"], cfg(broken, port_map, expect_cname=None))
    assert res[f"www.rusak.{ZONE}"].verdict == "servfail"


def test_timeout_is_not_missing_and_retries(silent_udp, port_map):
    c = CheckConfig(domain=ZONE, expect_addresses=frozenset({PLATFORM_V4}), nameservers=(f"127.0.0.1:{silent_udp}",),
                    timeout=0.2, retries=2, concurrency=10, families=("A",), detect_wildcards=False)
    t0 = time.monotonic()
    res, summary = run([f"jlodro.{ZONE}", f"tidakada.{ZONE}"], c)
    elapsed = time.monotonic() - t0
    assert {r.verdict for r in res.values()} == {"timeout"}
    assert summary.by_verdict["missing"] == 0
    assert 0.55 <= elapsed < 3, elapsed  # 3 attempts x 0.2 s, names in parallel


def test_timeout_flap_confirmed_by_recheck(silent_udp, port_map):
    c = CheckConfig(domain=ZONE, expect_addresses=frozenset({PLATFORM_V4}), nameservers=(f"127.0.0.1:{silent_udp}",),
                    timeout=0.1, retries=0, families=("A",), detect_wildcards=False, confirm_failures=True,
                    confirm_delay=0.01)
    res, _ = run([f"jlodro.{ZONE}"], c)
    assert res[f"jlodro.{ZONE}"].verdict == "timeout" and res[f"jlodro.{ZONE}"].confirmed is True


def test_expected_cname_only(knot, port_map):
    """With only a CNAME target, addresses of the target are the expected ones."""
    res, _ = run([f"sokogunung.{ZONE}", f"jlodro.{ZONE}", f"salah.{ZONE}"],
                 cfg(knot, port_map, expect_addresses=frozenset()))
    assert [res[n].verdict for n in (f"sokogunung.{ZONE}", f"jlodro.{ZONE}", f"salah.{ZONE}")] == \
        ["ok", "ok", "wrong_target"]
