"""Fix planning: from results to a list of record changes.

Why a separate, pure planning step: the plan is printed and reviewed before
anything is applied (``--dry-run`` / without ``--yes``), and the same plan
can go to any provider (Route 53, RFC 2136). Only names that were checked as
expected village names (and are under ``config.domain`` when set) are ever
touched; a CNAME target that is not itself a village name is never changed.
"""
from __future__ import annotations

import ipaddress
from dataclasses import asdict, dataclass, field
from typing import Iterable

from .config import CheckConfig
from .model import Result
from .names import is_subdomain

#: verdicts a DNS change can fix
FIXABLE = frozenset({"missing", "not_registered", "no_address", "wrong_target", "partial", "dangling_cname",
                     "cname_loop"})


class FixError(RuntimeError):
    """A provider could not apply a plan."""


@dataclass(frozen=True)
class Change:
    """``upsert``: make the rrset exactly ``values``. ``delete``: remove the
    whole rrset of ``rtype`` at ``name`` (providers look up its current
    content when they need it)."""

    action: str
    name: str
    rtype: str
    values: tuple[str, ...] = ()
    ttl: int = 300
    reason: str = ""

    def __str__(self) -> str:
        vals = " ".join(self.values)
        return f"{self.action.upper():<6} {self.name} {self.rtype} {self.ttl if self.action == 'upsert' else ''} {vals}".rstrip() \
            + (f"   # {self.reason}" if self.reason else "")


@dataclass
class Plan:
    changes: list[Change] = field(default_factory=list)
    skipped: list[tuple[str, str, str]] = field(default_factory=list)  # (name, verdict, why)

    @property
    def names(self) -> list[str]:
        seen: dict[str, None] = {}
        for c in self.changes:
            seen.setdefault(c.name, None)
        return list(seen)

    def __bool__(self) -> bool:
        return bool(self.changes)

    def to_text(self) -> str:
        lines = [str(c) for c in self.changes] or ["(no DNS changes needed)"]
        for name, verdict, why in self.skipped:
            lines.append(f"SKIP   {name} [{verdict}]: {why}")
        return "\n".join(lines) + "\n"

    def to_dict(self) -> dict:
        return {"changes": [asdict(c) for c in self.changes],
                "skipped": [{"name": n, "verdict": v, "why": w} for n, v, w in self.skipped]}


def desired_records(config: CheckConfig, prefer_addresses: bool = False) -> list[tuple[str, tuple[str, ...]]]:
    """(type, values) a village name should have."""
    if config.expect_cname and not (prefer_addresses and config.expect_addresses):
        return [("CNAME", (config.expect_cname + ".",))]
    v4 = tuple(sorted(a for a in config.expect_addresses if ipaddress.ip_address(a).version == 4))
    v6 = tuple(sorted(a for a in config.expect_addresses if ipaddress.ip_address(a).version == 6))
    return [(t, v) for t, v in (("A", v4), ("AAAA", v6)) if v]


def plan_fixes(results: Iterable[Result], config: CheckConfig, allowed: Iterable[str] | None = None) -> Plan:
    """Compute the changes that bring each failing village name to the expected target.

    ``allowed``: optional explicit set of names that may be changed (default:
    the names of the results themselves, which are the expected names).
    """
    config.validate()
    allow = {a.lower().rstrip(".") for a in allowed} if allowed is not None else None
    plan = Plan()
    for r in results:
        if r.verdict == "ok" or r.verdict == "tls_expiring":
            continue
        if r.verdict not in FIXABLE:
            plan.skipped.append((r.name, r.verdict, "not fixable by a DNS record change; check servers/platform"))
            continue
        if (allow is not None and r.name not in allow) or (config.domain and not is_subdomain(r.name, config.domain)):
            plan.skipped.append((r.name, r.verdict, "not in the expected set / outside the domain: not touched"))
            continue
        if config.domain and r.name == config.domain:
            plan.skipped.append((r.name, r.verdict, "zone apex is never changed"))
            continue
        has_cname = bool(r.chain) and r.chain[0].startswith(r.name + " -> ")
        want = desired_records(config, prefer_addresses=(r.verdict == "no_address"))
        if want and want[0][0] == "CNAME" and r.verdict == "no_address":
            plan.skipped.append((r.name, r.verdict, "name has other records; a CNAME cannot be added beside them"))
            continue
        if not want:
            plan.skipped.append((r.name, r.verdict, "no expected target configured"))
            continue
        reason = r.verdict
        types = {t for t, _ in want}
        if has_cname and "CNAME" not in types:
            plan.changes.append(Change("delete", r.name, "CNAME", reason=f"{reason}: replace CNAME"))
        if "CNAME" in types and r.verdict in ("wrong_target", "partial") and r.addresses and not has_cname:
            plan.changes.append(Change("delete", r.name, "A", reason=f"{reason}: replace addresses by CNAME"))
            plan.changes.append(Change("delete", r.name, "AAAA", reason=f"{reason}: replace addresses by CNAME"))
        for t, values in want:
            plan.changes.append(Change("upsert", r.name, t, values, config.record_ttl, reason))
        if "CNAME" not in types and "AAAA" not in types and any(":" in a for a in r.addresses):
            plan.changes.append(Change("delete", r.name, "AAAA", reason=f"{reason}: no IPv6 address expected"))
        if "CNAME" not in types and "A" not in types and any(":" not in a for a in r.addresses):
            plan.changes.append(Change("delete", r.name, "A", reason=f"{reason}: no IPv4 address expected"))
    return plan
