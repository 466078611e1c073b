"""The served check against a real TLS server (certificates from trustme)."""
import pytest

from dns_tools import CheckConfig, ExpectedName, check_names

from dnstools_env import PLATFORM_V4, ZONE


def run_http(https_server, items, **kw):
    c = dict(domain=ZONE, checks=frozenset({"http"}), http_connect=https_server["connect"],
             ca_file=https_server["ca_file"], http_timeout=3, tls_expiry_days=21)
    c.update(kw)
    out = {}
    check_names([ExpectedName("", slug, kode, "Kenduruan") for slug, kode in items], CheckConfig(**c),
                lambda r: out.__setitem__(r.slug, r))
    return out


def test_http_verdicts(https_server):
    res = run_http(https_server, [("jlodro", "35.23.01.2001"), ("kedaluwarsa", "35.23.01.2002"),
                                  ("segera", "35.23.01.2003"), ("salahsertifikat", "35.23.01.2004"),
                                  ("bukan", "35.23.01.2005")])
    assert res["jlodro"].verdict == "ok", res["jlodro"].detail
    assert res["jlodro"].served_kode == "35.23.01.2001" and res["jlodro"].http_status == 200
    assert res["jlodro"].tls_days_left > 300
    assert res["kedaluwarsa"].verdict == "tls_invalid" and "expired" in res["kedaluwarsa"].detail
    assert res["kedaluwarsa"].tls_days_left < 0
    assert res["segera"].verdict == "tls_expiring" and res["segera"].tls_days_left == 5
    assert res["salahsertifikat"].verdict == "tls_invalid" and "mismatch" in res["salahsertifikat"].detail.lower()
    assert res["bukan"].verdict == "not_served" and "35.23.99.9999" in res["bukan"].detail


def test_expiry_threshold_is_configurable(https_server):
    assert run_http(https_server, [("segera", "35.23.01.2003")], tls_expiry_days=3)["segera"].verdict == "ok"


def test_untrusted_ca_is_invalid(https_server):
    res = run_http(https_server, [("jlodro", "35.23.01.2001")], ca_file=None)
    assert res["jlodro"].verdict == "tls_invalid"


def test_nothing_listening_is_not_served(https_server):
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    res = run_http(https_server, [("jlodro", "35.23.01.2001")], http_connect=f"127.0.0.1:{port}")
    assert res["jlodro"].verdict == "not_served" and "connect" in res["jlodro"].detail


def test_dns_then_http(knot, port_map, https_server):
    res = run_http(https_server, [("jlodro", "35.23.01.2001"), ("salah", "35.23.01.2009")],
                   checks=frozenset({"dns", "http"}), nameservers=(knot.addr,), port_map=port_map,
                   expect_addresses=frozenset({PLATFORM_V4, "2001:db8::10"}), timeout=0.5, retries=1)
    assert res["jlodro"].verdict == "ok" and res["jlodro"].addresses and res["jlodro"].tls_days_left > 300
    assert "http" in res["jlodro"].timings
    assert res["salah"].verdict == "wrong_target" and "http" not in res["salah"].timings  # DNS failure first
