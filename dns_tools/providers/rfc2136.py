"""Apply a plan with RFC 2136 dynamic updates, signed with TSIG.

Why TCP and several names per message: updates for many names fit in a few
messages; each message is atomic on the server, and all changes of one name
stay in one message (a CNAME is replaced together with its new records).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..config import TsigKey, parse_hostport
from ..fix import FixError, Plan


@dataclass
class UpdateReport:
    messages: int = 0
    applied: int = 0
    rcodes: list[str] = field(default_factory=list)


class Rfc2136Provider:
    """Primary server ``server`` (IP[:PORT]) of ``zone``; ``tsig`` required
    unless the server allows unsigned updates (never in production)."""

    def __init__(self, server: str, zone: str, tsig: TsigKey | None, *, timeout: float = 10.0,
                 names_per_message: int = 50) -> None:
        self.host, self.port = parse_hostport(server)
        self.zone = zone.lower().rstrip(".")
        self.tsig = tsig
        self.timeout = timeout
        self.names_per_message = names_per_message

    def apply(self, plan: Plan) -> UpdateReport:
        import dns.exception
        import dns.name
        import dns.query
        import dns.rcode
        import dns.update
        report = UpdateReport()
        by_name: dict[str, list] = {}
        for c in plan.changes:
            if not (c.name == self.zone or c.name.endswith("." + self.zone)):
                raise FixError(f"{c.name} is outside zone {self.zone}")
            by_name.setdefault(c.name, []).append(c)
        names = list(by_name)
        kw = {}
        if self.tsig is not None:
            keyring, keyname, alg = self.tsig.keyring()
            kw = dict(keyring=keyring, keyname=keyname, keyalgorithm=alg)
        for i in range(0, len(names), self.names_per_message):
            upd = dns.update.UpdateMessage(self.zone + ".", **kw)
            n = 0
            for name in names[i:i + self.names_per_message]:
                owner = dns.name.from_text(name + ".")
                for c in by_name[name]:
                    if c.action == "delete":
                        upd.delete(owner, c.rtype)
                    elif c.action == "upsert":
                        upd.replace(owner, c.ttl, c.rtype, *c.values)
                    else:
                        raise FixError(f"unknown action {c.action!r}")
                    n += 1
            try:
                resp = dns.query.tcp(upd, self.host, port=self.port, timeout=self.timeout)
            except (dns.exception.DNSException, OSError) as exc:
                raise FixError(f"update to {self.host}:{self.port} failed: {exc!r}") from None
            rcode = dns.rcode.to_text(resp.rcode())
            report.rcodes.append(rcode)
            report.messages += 1
            if resp.rcode() != dns.rcode.NOERROR:
                raise FixError(f"update rejected by {self.host}:{self.port}: {rcode} (after {report.applied} changes)")
            report.applied += n
        return report
