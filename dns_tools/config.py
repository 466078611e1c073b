"""Configuration objects: what to expect, where to ask, what to check.

Why separate: the CLI, the Flask side and the tests all build a
:class:`CheckConfig`; validation lives here so every entry point refuses the
same bad input with the same :class:`ConfigError` message. Secrets (TSIG keys,
AWS credentials) are read from files or the environment, never taken from a
command line.
"""
from __future__ import annotations

import base64
import ipaddress
import os
import re
from dataclasses import dataclass, field
from typing import Mapping

from .names import InvalidName, normalize_name

CHECKS = ("registry", "dns", "http")


class ConfigError(ValueError):
    """Bad usage or configuration (CLI exit code 2)."""


def parse_hostport(value: str, default_port: int = 53) -> tuple[str, int]:
    """``IP``, ``IP:PORT``, ``[IPv6]:PORT`` or bare ``IPv6`` -> (ip, port).

    Only IP literals are accepted: a name server given by name would need a
    resolver to find it, which defeats "ask exactly this server".
    """
    v = value.strip()
    host, port = v, default_port
    if v.startswith("["):
        end = v.find("]")
        if end == -1:
            raise ConfigError(f"bad address {value!r}: unterminated [")
        host, rest = v[1:end], v[end + 1:]
        if rest:
            if not rest.startswith(":"):
                raise ConfigError(f"bad address {value!r}")
            port = _port(rest[1:], value)
    elif v.count(":") == 1:
        host, p = v.split(":")
        port = _port(p, value)
    try:
        host = str(ipaddress.ip_address(host))
    except ValueError:
        raise ConfigError(f"bad address {value!r}: not an IP address (IP[:PORT] expected)") from None
    return host, port


def _port(p: str, value: str) -> int:
    if not p.isdigit() or not 0 < int(p) < 65536:
        raise ConfigError(f"bad port in {value!r}")
    return int(p)


_ALGORITHMS = {"hmac-md5": "hmac-md5.sig-alg.reg.int.", "hmac-sha1": "hmac-sha1", "hmac-sha224": "hmac-sha224",
               "hmac-sha256": "hmac-sha256", "hmac-sha384": "hmac-sha384", "hmac-sha512": "hmac-sha512"}


@dataclass(frozen=True)
class TsigKey:
    """A TSIG key (RFC 8945) for AXFR and RFC 2136 updates."""

    name: str
    secret: str  # base64
    algorithm: str = "hmac-sha256"

    def __repr__(self) -> str:  # never print the secret
        return f"TsigKey(name={self.name!r}, algorithm={self.algorithm!r}, secret=***)"

    @classmethod
    def from_string(cls, text: str) -> "TsigKey":
        """``[algorithm:]name:secret`` (the ``dig -y`` form), or a BIND/Knot key block."""
        text = text.strip()
        bind = re.search(r'key\s+"?([^"\s{]+)"?\s*\{(.*?)\}', text, re.S)
        if bind:
            alg = re.search(r'algorithm\s+"?([\w-]+)"?', bind.group(2))
            sec = re.search(r'secret\s+"([^"]+)"', bind.group(2))
            if not sec:
                raise ConfigError("TSIG key block without secret")
            return cls._make(bind.group(1), sec.group(1), alg.group(1) if alg else "hmac-sha256")
        knot = re.search(r"id:\s*(\S+).*?algorithm:\s*(\S+).*?secret:\s*(\S+)", text, re.S)
        if knot:
            return cls._make(knot.group(1), knot.group(3), knot.group(2))
        parts = text.split(":")
        if len(parts) == 2:
            return cls._make(parts[0], parts[1], "hmac-sha256")
        if len(parts) == 3:
            return cls._make(parts[1], parts[2], parts[0])
        raise ConfigError("TSIG key must be '[algorithm:]name:secret' or a BIND/Knot key block")

    @classmethod
    def _make(cls, name: str, secret: str, algorithm: str) -> "TsigKey":
        algorithm = algorithm.lower().strip('";')
        if algorithm not in _ALGORITHMS:
            raise ConfigError(f"unsupported TSIG algorithm {algorithm!r}")
        try:
            base64.b64decode(secret, validate=True)
        except ValueError:
            raise ConfigError("TSIG secret is not valid base64") from None
        return cls(name=name.strip('"').rstrip(".") + ".", secret=secret, algorithm=algorithm)

    @classmethod
    def from_file(cls, path: str) -> "TsigKey":
        try:
            with open(path, encoding="utf-8") as fh:
                return cls.from_string(fh.read())
        except OSError as exc:
            raise ConfigError(f"cannot read TSIG key file {path}: {exc.strerror}") from None

    @classmethod
    def from_env(cls, var: str) -> "TsigKey":
        value = os.environ.get(var)
        if not value:
            raise ConfigError(f"environment variable {var} is not set (expected [algorithm:]name:secret)")
        return cls.from_string(value)

    def keyring(self):
        """dnspython objects: (keyring dict, key name, algorithm name)."""
        import dns.name
        import dns.tsig
        key = dns.tsig.Key(self.name, self.secret, _ALGORITHMS[self.algorithm])
        return {dns.name.from_text(self.name): key}, dns.name.from_text(self.name), dns.name.from_text(
            _ALGORITHMS[self.algorithm])


@dataclass(frozen=True)
class Route53Source:
    """Registry from Route 53 (``ListResourceRecordSets``). Credentials: the
    usual AWS environment/config chain; ``endpoint_url`` only for a test
    server (moto) or a VPC endpoint."""

    zone_id: str
    endpoint_url: str | None = None
    region: str = "us-east-1"
    page_size: int = 300  # AWS maximum per page


@dataclass(frozen=True)
class AxfrSource:
    """Registry from a zone transfer of ``zone`` from ``server`` (IP[:PORT])."""

    server: str
    zone: str
    tsig: TsigKey | None = None
    timeout: float = 10.0


@dataclass
class CheckConfig:
    """What to expect, where to ask and what to check. See docs/dns_tools.md."""

    domain: str | None = None                      # names must be under it; slug-only names get it appended
    expect_addresses: frozenset[str] = frozenset()  # platform IPv4/IPv6 addresses
    expect_cname: str | None = None                 # e.g. "desa.tubankab.go.id"
    nameservers: tuple[str, ...] = ()               # "IP[:PORT]"; empty = system resolver (/etc/resolv.conf)
    #: Port of a server reached by following a delegation, keyed by NS host
    #: name or by address. Default 53. Exists for tests (servers on high
    #: ports) and for labs; production leaves it empty.
    port_map: Mapping[str, int] = field(default_factory=dict)
    timeout: float = 2.0                            # per attempt, seconds
    retries: int = 2                                # extra attempts after a timeout/SERVFAIL
    concurrency: int = 200                          # names in flight
    checks: frozenset[str] = frozenset({"dns"})
    follow_delegations: bool = True
    detect_wildcards: bool = True
    families: tuple[str, ...] = ("A", "AAAA")
    registry: Route53Source | AxfrSource | None = None
    http_connect: str | None = None                 # "IP:PORT": connect there, SNI/Host = the name
    http_timeout: float = 5.0
    http_concurrency: int = 16
    ca_file: str | None = None
    tls_expiry_days: int = 21
    confirm_failures: bool = False                  # re-check a failure once before reporting it
    confirm_delay: float = 1.0
    record_ttl: int = 300                           # TTL of records created by fixes
    lang: str = "id"

    def validate(self) -> "CheckConfig":
        """Normalise in place and raise :class:`ConfigError` on bad values."""
        if self.domain:
            try:
                self.domain = normalize_name(self.domain)
            except InvalidName as exc:
                raise ConfigError(f"bad domain: {exc}") from None
        addrs = set()
        for a in self.expect_addresses:
            try:
                addrs.add(str(ipaddress.ip_address(a.strip())))
            except ValueError:
                raise ConfigError(f"bad expected address {a!r}") from None
        self.expect_addresses = frozenset(addrs)
        if self.expect_cname:
            try:
                self.expect_cname = normalize_name(self.expect_cname)
            except InvalidName as exc:
                raise ConfigError(f"bad expected CNAME: {exc}") from None
        self.checks = frozenset(self.checks)
        unknown = self.checks - set(CHECKS)
        if unknown or not self.checks:
            raise ConfigError(f"unknown or empty checks {sorted(unknown)}; choose from {', '.join(CHECKS)}")
        if ("dns" in self.checks or "registry" in self.checks) and not (self.expect_addresses or self.expect_cname):
            raise ConfigError("no expected target: give expect_addresses and/or expect_cname")
        if "registry" in self.checks and self.registry is None:
            raise ConfigError("registry check needs a registry source (Route 53 zone id or AXFR server)")
        for ns in self.nameservers:
            parse_hostport(ns)
        if self.http_connect:
            parse_hostport(self.http_connect, 443)
        if self.timeout <= 0 or self.retries < 0 or self.concurrency < 1:
            raise ConfigError("timeout must be > 0, retries >= 0, concurrency >= 1")
        if self.ca_file and not os.path.isfile(self.ca_file):
            raise ConfigError(f"CA file not found: {self.ca_file}")
        if self.lang not in ("id", "en"):
            raise ConfigError("lang must be 'id' or 'en'")
        for fam in self.families:
            if fam not in ("A", "AAAA"):
                raise ConfigError(f"bad address family {fam!r}")
        return self
