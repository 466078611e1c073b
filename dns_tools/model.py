"""Data model shared by every part of dns_tools: inputs, results, verdicts.

Why a fixed vocabulary: the reports, the Flask side and the tests all key on
these strings, so a verdict is never free text. Each verdict has a one-line
explanation in Indonesian (the default, Diskominfo reads the reports) and in
English.
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
from dataclasses import dataclass, field
from typing import Any, Mapping

#: Every verdict, in order of severity for display (ok first).
VERDICTS: tuple[str, ...] = (
    "ok",
    "missing",
    "not_registered",
    "no_address",
    "wrong_target",
    "partial",
    "dangling_cname",
    "cname_loop",
    "lame_delegation",
    "servfail",
    "refused",
    "timeout",
    "not_served",
    "tls_invalid",
    "tls_expiring",
    "invalid_name",
)

#: Verdicts that are warnings: acceptable with ``allow_warnings``.
WARNING_VERDICTS: frozenset[str] = frozenset({"tls_expiring"})
#: Verdicts that say "the infrastructure did not answer", never "the name is absent".
TRANSIENT_VERDICTS: frozenset[str] = frozenset({"servfail", "timeout", "refused", "lame_delegation"})

_EXPLANATIONS: dict[str, tuple[str, str]] = {
    "ok": ("Subdomain terdaftar, mengarah ke platform, dan menyajikan situs desa yang benar lewat HTTPS yang sah.",
           "Registered, points to the platform and serves the right village over valid HTTPS."),
    "missing": ("Subdomain tidak ada (NXDOMAIN) dan tidak terdaftar di zona DNS.",
                "The name does not exist (NXDOMAIN) and is not in the zone."),
    "not_registered": ("Subdomain hanya terjawab lewat wildcard; catatannya belum didaftarkan di zona.",
                       "The name only resolves through a wildcard; it is not registered in the zone."),
    "no_address": ("Nama ada di DNS tetapi tidak memiliki alamat (A/AAAA).",
                   "The name exists but has no address (A/AAAA) records."),
    "wrong_target": ("Semua alamat subdomain mengarah ke tempat lain, bukan ke platform.",
                     "Every address of the name points somewhere other than the platform."),
    "partial": ("Sebagian alamat mengarah ke platform, sebagian ke tempat lain.",
                "Some addresses point to the platform, some elsewhere."),
    "dangling_cname": ("CNAME mengarah ke nama yang tidak ada.",
                       "The CNAME points to a name that does not exist."),
    "cname_loop": ("Rantai CNAME berputar (loop) sehingga tidak pernah berujung pada alamat.",
                   "The CNAME chain loops and never reaches an address."),
    "lame_delegation": ("Subdomain didelegasikan ke name server yang tidak menjawab atau tidak otoritatif.",
                        "The name is delegated to name servers that do not answer or are not authoritative."),
    "servfail": ("Server DNS gagal menjawab (SERVFAIL) walau sudah diulang; zona kemungkinan rusak.",
                 "The DNS server failed (SERVFAIL) even after retries; the zone is probably broken."),
    "refused": ("Server DNS menolak pertanyaan (REFUSED).",
                "The DNS server refused the query (REFUSED)."),
    "timeout": ("Server DNS tidak menjawab dalam batas waktu walau sudah diulang; status nama tidak diketahui.",
                "The DNS server did not answer in time even after retries; the name's state is unknown."),
    "not_served": ("DNS benar, tetapi platform tidak menyajikan situs desa ini di alamat tersebut.",
                   "DNS is fine but the platform does not serve this village there."),
    "tls_invalid": ("Sertifikat HTTPS tidak sah untuk nama ini (kedaluwarsa, nama salah, atau tidak tepercaya).",
                    "The HTTPS certificate is not valid for this name (expired, wrong name or untrusted)."),
    "tls_expiring": ("Sertifikat HTTPS sah tetapi segera kedaluwarsa.",
                     "The HTTPS certificate is valid but expires soon."),
    "invalid_name": ("Nama subdomain tidak sah (aturan LDH/IDNA, panjang label atau nama).",
                     "The name is not a valid host name (LDH/IDNA rules, label or name length)."),
}
assert set(_EXPLANATIONS) == set(VERDICTS)


def explanation(verdict: str, lang: str = "id") -> str:
    """One-line human explanation of a verdict; ``lang`` is ``"id"`` or ``"en"``."""
    ind, eng = _EXPLANATIONS[verdict]
    return eng if lang == "en" else ind


def is_failure(verdict: str, allow_warnings: bool = False) -> bool:
    """True when the verdict makes a run fail (exit code 1)."""
    if verdict == "ok":
        return False
    if allow_warnings and verdict in WARNING_VERDICTS:
        return False
    return True


def utcnow() -> _dt.datetime:
    return _dt.datetime.now(_dt.timezone.utc)


@dataclass(frozen=True)
class ExpectedName:
    """One village subdomain we expect to exist.

    ``name`` may be a full name, or empty: then the runner builds
    ``<slug>.<config.domain>``.
    """

    name: str
    slug: str = ""
    kode: str = ""
    kecamatan: str = ""


@dataclass
class Result:
    """Everything learned about one name, plus its single verdict."""

    name: str
    slug: str
    kode: str
    kecamatan: str
    verdict: str
    detail: str = ""
    addresses: list[str] = field(default_factory=list)
    chain: list[str] = field(default_factory=list)          # CNAME chain: ["a.x. -> b.x.", ...]
    records: list[str] = field(default_factory=list)        # records seen, presentation format
    registered: bool | None = None                          # None: registry not checked / unknown
    wildcard: bool = False                                  # a wildcard answers at the parent
    http_status: int | None = None
    served_kode: str | None = None
    tls_days_left: int | None = None
    timings: dict[str, float] = field(default_factory=dict)  # seconds per phase
    checked_at: str = ""
    confirmed: bool | None = None                           # set by confirm_verdict()

    def explanation(self, lang: str = "id") -> str:
        return explanation(self.verdict, lang)

    def to_dict(self, lang: str = "id") -> dict[str, Any]:
        """JSON-able dict; stable keys used by the reports and the Flask side."""
        # Hand-written, not dataclasses.asdict: asdict deep-copies recursively
        # and was a quarter of the CPU time of a national run.
        d = {f: getattr(self, f) for f in _RESULT_FIELDS}
        for key in ("addresses", "chain", "records"):
            d[key] = list(d[key])
        d["timings"] = dict(self.timings)
        d["explanation"] = explanation(self.verdict, lang)
        d["explanation_en"] = explanation(self.verdict, "en")
        return d

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Result":
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


_RESULT_FIELDS = tuple(f.name for f in dataclasses.fields(Result))


@dataclass
class Summary:
    """Counts per verdict and per kecamatan; small and constant-size in N."""

    total: int = 0
    by_verdict: dict[str, int] = field(default_factory=lambda: {v: 0 for v in VERDICTS})
    by_kecamatan: dict[str, dict[str, int]] = field(default_factory=dict)
    started_at: str = ""
    finished_at: str = ""
    duration: float = 0.0

    def add(self, result: Result) -> None:
        self.total += 1
        self.by_verdict[result.verdict] = self.by_verdict.get(result.verdict, 0) + 1
        kec = self.by_kecamatan.setdefault(result.kecamatan or "-", {})
        kec[result.verdict] = kec.get(result.verdict, 0) + 1

    def failures(self, allow_warnings: bool = False) -> int:
        return sum(n for v, n in self.by_verdict.items() if is_failure(v, allow_warnings))

    def all_ok(self, allow_warnings: bool = False) -> bool:
        return self.failures(allow_warnings) == 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "by_verdict": {v: n for v, n in self.by_verdict.items() if n},
            "by_kecamatan": self.by_kecamatan,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "duration": round(self.duration, 3),
        }


def confirm_verdict(first: Result, recheck: Result) -> Result:
    """Flap suppression: a failing verdict stands only if the re-check fails too.

    Pure function. Returns the re-check when the first pass failed (the newest
    data), marked ``confirmed=True`` if it still fails and ``confirmed=False``
    with a note when it no longer does (a flap). A first pass that did not
    fail is returned unchanged.
    """
    if not is_failure(first.verdict, allow_warnings=True):
        return dataclasses.replace(first)
    if is_failure(recheck.verdict, allow_warnings=True):
        detail = recheck.detail
        if recheck.verdict != first.verdict:
            detail = f"{detail} (first pass: {first.verdict})".strip()
        return dataclasses.replace(recheck, confirmed=True, detail=detail)
    return dataclasses.replace(recheck, confirmed=False,
                               detail=f"{recheck.detail} (transient {first.verdict} not confirmed)".strip())
