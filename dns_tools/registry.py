"""The zone's own content: what is *registered*, as opposed to what resolves.

Why: a name answered by a wildcard resolves but is not registered; only the
zone data tells them apart. Two sources: the Route 53 API
(``ListResourceRecordSets``, every page) and a zone transfer (AXFR,
optionally TSIG-signed) from the authoritative server. Both are read once
per run into a compact index (owner -> a few presentation strings), which is
proportional to the zone, not to the results.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Iterator

from .config import AxfrSource, ConfigError, Route53Source, parse_hostport
from .names import is_subdomain, parent

_INTERESTING = ("A", "AAAA", "CNAME", "NS", "ALIAS")


class RegistryError(RuntimeError):
    """The registry could not be read (CLI exit code 2)."""


@dataclass
class Registry:
    """Owner names of a zone and their address-ish records."""

    apex: str
    owners: dict[str, list[str]] = field(default_factory=dict)   # name -> ["A 1.2.3.4", "CNAME x.", "TXT"]
    wildcards: set[str] = field(default_factory=set)             # parents that have "*.<parent>"
    delegations: set[str] = field(default_factory=set)           # NS owners other than the apex
    pages: int = 0                                               # API pages / AXFR messages read

    def add(self, owner: str, rtype: str, values: Iterable[str]) -> None:
        owner = _unescape(owner).lower().rstrip(".")
        if owner.startswith("*."):
            self.wildcards.add(owner[2:])
        if rtype == "NS" and owner != self.apex:
            self.delegations.add(owner)
        entry = self.owners.setdefault(owner, [])
        if rtype in _INTERESTING:
            entry.extend(f"{rtype} {v.lower()}" for v in values)
        elif rtype not in entry:
            entry.append(rtype)

    def lookup(self, name: str) -> tuple[bool | None, list[str]]:
        """(registered, records). ``None``: below a delegation, the parent zone cannot tell."""
        if name in self.owners:
            return True, self.owners[name]
        p = parent(name)
        while p and is_subdomain(p, self.apex) and p != self.apex:
            if p in self.delegations:
                return None, []
            p = parent(p)
        if not is_subdomain(name, self.apex):
            return None, []
        return False, []

    def has_wildcard_for(self, name: str) -> bool:
        return parent(name) in self.wildcards

    def addresses(self, name: str) -> tuple[list[str], list[str]]:
        """(addresses, CNAME targets) registered at ``name``."""
        recs = self.owners.get(name, [])
        addrs = [r.split(" ", 1)[1] for r in recs if r.startswith(("A ", "AAAA "))]
        cnames = [r.split(" ", 1)[1].rstrip(".") for r in recs if r.startswith(("CNAME ", "ALIAS "))]
        return addrs, cnames


def _unescape(name: str) -> str:
    # Route 53 returns "\052" for "*" and octal escapes for other characters.
    return re.sub(r"\\(\d{3})", lambda m: chr(int(m.group(1), 8)), name)


def route53_client(source: Route53Source):
    """boto3 Route 53 client; credentials from the usual AWS chain only."""
    import boto3
    return boto3.client("route53", region_name=source.region, endpoint_url=source.endpoint_url)


def iter_route53(source: Route53Source, client=None) -> Iterator[tuple[int, dict]]:
    """Yield (page number, record set) for every record set, across all pages."""
    import botocore.exceptions
    client = client or route53_client(source)
    paginator = client.get_paginator("list_resource_record_sets")
    try:
        for page_no, page in enumerate(paginator.paginate(
                HostedZoneId=source.zone_id, PaginationConfig={"PageSize": source.page_size}), 1):
            for rrset in page["ResourceRecordSets"]:
                yield page_no, rrset
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
        raise RegistryError(f"Route 53 listing of zone {source.zone_id} failed: {exc}") from None


def load_route53(source: Route53Source, client=None) -> Registry:
    client = client or route53_client(source)
    try:
        zone = client.get_hosted_zone(Id=source.zone_id)["HostedZone"]["Name"]
    except Exception as exc:  # botocore errors, connection errors
        raise RegistryError(f"Route 53 zone {source.zone_id}: {exc}") from None
    reg = Registry(apex=_unescape(zone).lower().rstrip("."))
    for page_no, rrset in iter_route53(source, client):
        reg.pages = page_no
        values = [r["Value"] for r in rrset.get("ResourceRecords", [])]
        rtype = rrset["Type"]
        if "AliasTarget" in rrset:
            values = [rrset["AliasTarget"]["DNSName"]]
            rtype = "ALIAS" if rtype in ("A", "AAAA") else rtype
        reg.add(rrset["Name"], rtype, values)
    return reg


def load_axfr(source: AxfrSource) -> Registry:
    """Transfer the zone (TCP, TSIG when a key is given) and index it."""
    import dns.exception
    import dns.query
    import dns.rdatatype
    import dns.xfr
    host, port = parse_hostport(source.server)
    kwargs = {}
    if source.tsig is not None:
        keyring, keyname, alg = source.tsig.keyring()
        kwargs = dict(keyring=keyring, keyname=keyname, keyalgorithm=alg)
    reg = Registry(apex=source.zone.lower().rstrip("."))
    try:
        for msg in dns.query.xfr(host, reg.apex + ".", port=port, lifetime=source.timeout, relativize=False,
                                 timeout=source.timeout, **kwargs):
            reg.pages += 1
            for rrset in msg.answer:
                owner = rrset.name.to_text().rstrip(".")
                rtype = dns.rdatatype.to_text(rrset.rdtype)
                reg.add(owner, rtype, [r.to_text() for r in rrset])
    except (dns.exception.DNSException, OSError, EOFError) as exc:
        raise RegistryError(f"AXFR of {reg.apex} from {source.server} failed: {exc!r}") from None
    if reg.apex not in reg.owners:
        raise RegistryError(f"AXFR of {reg.apex} from {source.server} returned no data")
    return reg


def load(source: Route53Source | AxfrSource) -> Registry:
    if isinstance(source, Route53Source):
        return load_route53(source)
    if isinstance(source, AxfrSource):
        return load_axfr(source)
    raise ConfigError(f"unknown registry source {source!r}")
