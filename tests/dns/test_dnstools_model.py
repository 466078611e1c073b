"""Pure parts: name validation, verdict vocabulary, flap suppression, reports."""
import io
import json

import pytest

from dns_tools import VERDICTS, ExpectedName, InvalidName, Result, Summary, confirm_verdict, explanation, normalize_name
from dns_tools.report import make_writer


@pytest.mark.parametrize("raw,expected", [
    ("Jlodro.TubanKab.go.id.", "jlodro.tubankab.go.id"),
    ("désa.tubankab.go.id", "xn--dsa-bma.tubankab.go.id"),
    ("a-b.tubankab.go.id", "a-b.tubankab.go.id"),
])
def test_normalize_ok(raw, expected):
    assert normalize_name(raw) == expected


@pytest.mark.parametrize("raw", ["", "-jlodro.tubankab.go.id", "jlodro-.tubankab.go.id", "a..b", "under_score.x",
                                 "x" * 64 + ".go.id", ".".join(["abcdefghi"] * 26), "spasi desa.go.id",
                                 "xn--zz.go.id"])
def test_normalize_rejects(raw):
    with pytest.raises(InvalidName):
        normalize_name(raw)


def test_every_verdict_has_both_explanations():
    assert len(VERDICTS) == 16 and len(set(VERDICTS)) == 16
    for v in VERDICTS:
        assert explanation(v, "id") and explanation(v, "en") and explanation(v, "id") != explanation(v, "en")


def _r(verdict, detail=""):
    return Result("a.tubankab.go.id", "a", "35.23.01.2001", "Kenduruan", verdict, detail)


def test_confirm_verdict_flap_is_not_confirmed():
    out = confirm_verdict(_r("timeout"), _r("ok"))
    assert out.verdict == "ok" and out.confirmed is False and "timeout" in out.detail


def test_confirm_verdict_failure_confirmed_with_latest_verdict():
    out = confirm_verdict(_r("timeout"), _r("servfail"))
    assert out.verdict == "servfail" and out.confirmed is True and "first pass: timeout" in out.detail
    assert confirm_verdict(_r("missing"), _r("missing")).confirmed is True


def test_confirm_verdict_ok_first_pass_kept():
    assert confirm_verdict(_r("ok", "x"), _r("timeout")).verdict == "ok"
    assert confirm_verdict(_r("tls_expiring"), _r("timeout")).verdict == "tls_expiring"


def test_summary_counts_and_exit_logic():
    s = Summary()
    for v in ("ok", "ok", "tls_expiring"):
        s.add(_r(v))
    assert s.by_kecamatan == {"Kenduruan": {"ok": 2, "tls_expiring": 1}}
    assert not s.all_ok() and s.all_ok(allow_warnings=True)
    s.add(_r("missing"))
    assert not s.all_ok(allow_warnings=True)


def test_json_writer_streams_valid_json():
    out = io.StringIO()
    w = make_writer("json", out)
    w.write(_r("ok"))
    first = out.getvalue()
    assert '"verdict": "ok"' in first  # written before close
    w.write(_r("missing"))
    w.close(Summary())
    data = json.loads(out.getvalue())
    assert [d["verdict"] for d in data] == ["ok", "missing"]
    for key in ("name", "slug", "kode", "verdict", "detail", "addresses", "chain", "checked_at"):
        assert key in data[0]


def test_html_is_self_contained():
    out = io.StringIO()
    w = make_writer("html", out)
    s = Summary()
    for v in ("ok", "wrong_target"):
        r = _r(v)
        s.add(r)
        w.write(r)
    w.close(s)
    page = out.getvalue()
    assert page.startswith("<!DOCTYPE html>") and "<style>" in page
    assert "http://" not in page and "https://" not in page and "<link" not in page and "src=" not in page
    assert explanation("wrong_target", "id") in page and "Kenduruan" in page
