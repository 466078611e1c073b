"""Asynchronous DNS: many queries in flight over a few UDP sockets.

Why our own transport: one socket and one future per query (what
``dns.asyncresolver`` does) spends most of its time creating sockets and
parsing with dnspython. Here each server gets a small pool of connected UDP
sockets; queries are demultiplexed by message id and checked against the
question, so a stray or spoofed answer is ignored. Each attempt has a timeout;
timeouts, SERVFAIL and unreachable servers are retried (rotating servers) and
reported as such, never as "missing".

On top of the transport, :class:`DnsChecker` looks a name up the way the
verdicts need: CNAME chains are followed and recorded (loops detected),
NXDOMAIN/NODATA/referral/SERVFAIL/REFUSED/timeout are kept apart, referrals
from authoritative servers are followed to the child's servers (so a lame
delegation is named), and wildcards are detected with a random label.
"""
from __future__ import annotations

import asyncio
import random
import secrets
import time
from dataclasses import dataclass, field
from typing import Mapping

from . import wire
from .names import is_subdomain

SOCKETS_PER_SERVER = 4
MAX_HOPS = 16  # CNAME links + referrals for one lookup

#: Lookup statuses (internal; the runner maps them to verdicts).
ERROR_STATUSES = ("loop", "lame", "servfail", "refused", "timeout")


class _Socket(asyncio.DatagramProtocol):
    """One connected UDP socket; pending queries keyed by message id."""

    def __init__(self) -> None:
        self.pending: dict[int, tuple[asyncio.Future, bytes]] = {}
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport) -> None:  # type: ignore[override]
        self.transport = transport

    def datagram_received(self, data: bytes, addr) -> None:
        if len(data) < 12:
            return
        qid = (data[0] << 8) | data[1]
        entry = self.pending.get(qid)
        if entry is None:
            return
        fut, q = entry
        if data[12:12 + len(q)].lower() != q:
            return  # not the answer to our question: ignore, keep waiting
        del self.pending[qid]
        if not fut.done():
            fut.set_result(data)

    def error_received(self, exc: Exception) -> None:
        # ICMP port unreachable etc. on a connected socket: every pending
        # query on it went to the same server, fail them all now.
        self._fail(exc)

    def connection_lost(self, exc) -> None:
        self._fail(exc or ConnectionError("socket closed"))

    def _fail(self, exc: Exception) -> None:
        pending, self.pending = self.pending, {}
        for fut, _q in pending.values():
            if not fut.done():
                fut.set_exception(exc if isinstance(exc, OSError) else OSError(str(exc)))


class UdpPool:
    """Sockets per server, created on first use; close() when done."""

    def __init__(self, sockets_per_server: int = SOCKETS_PER_SERVER) -> None:
        self._n = sockets_per_server
        self._socks: dict[tuple[str, int], list[_Socket]] = {}
        self._locks: dict[tuple[str, int], asyncio.Lock] = {}
        self._rr = 0
        self.sent = 0

    async def _get(self, server: tuple[str, int]) -> list[_Socket]:
        socks = self._socks.get(server)
        if socks is not None:
            return socks
        lock = self._locks.setdefault(server, asyncio.Lock())
        async with lock:
            socks = self._socks.get(server)
            if socks is None:
                loop = asyncio.get_running_loop()
                socks = []
                for _ in range(self._n):
                    _t, proto = await loop.create_datagram_endpoint(_Socket, remote_addr=server)
                    socks.append(proto)
                self._socks[server] = socks
        return socks

    async def exchange(self, server: tuple[str, int], q: bytes, timeout: float) -> bytes:
        """Send one query, return the raw answer; raises TimeoutError or OSError."""
        socks = self._socks.get(server) or await self._get(server)
        self._rr += 1
        sock = socks[self._rr % len(socks)]
        if sock.transport is None or sock.transport.is_closing():
            self._socks.pop(server, None)
            raise OSError("socket closed")
        qid = random.getrandbits(16)
        while qid in sock.pending:
            qid = random.getrandbits(16)
        loop = asyncio.get_running_loop()
        fut = loop.create_future()
        sock.pending[qid] = (fut, q)
        handle = loop.call_later(timeout, _expire, fut)
        try:
            sock.transport.sendto(wire.build_query(qid, q))
            self.sent += 1
            return await fut
        finally:
            handle.cancel()
            if sock.pending.get(qid, (None,))[0] is fut:
                del sock.pending[qid]

    def close(self) -> None:
        for socks in self._socks.values():
            for s in socks:
                if s.transport is not None:
                    s.transport.close()
        self._socks.clear()


def _expire(fut: asyncio.Future) -> None:
    if not fut.done():
        fut.set_exception(TimeoutError())


async def tcp_exchange(server: tuple[str, int], q: bytes, timeout: float) -> bytes:
    """One query over TCP (after a truncated UDP answer)."""
    async def go() -> bytes:
        reader, writer = await asyncio.open_connection(server[0], server[1])
        try:
            msg = wire.build_query(random.getrandbits(16), q)
            writer.write(len(msg).to_bytes(2, "big") + msg)
            await writer.drain()
            ln = int.from_bytes(await reader.readexactly(2), "big")
            return await reader.readexactly(ln)
        finally:
            writer.close()
    return await asyncio.wait_for(go(), timeout)


@dataclass
class Lookup:
    """Outcome of looking up one (name, type)."""

    status: str                 # ok | nxdomain | nodata | dangling | loop | lame | servfail | refused | timeout | referral
    addresses: list[str] = field(default_factory=list)
    chain: list[tuple[str, str]] = field(default_factory=list)
    records: list[str] = field(default_factory=list)
    detail: str = ""
    queries: int = 0


@dataclass
class _Answer:
    msg: wire.Response | None
    error: str | None  # timeout | servfail | refused | unreachable | formerr
    server: tuple[str, int] | None = None


class DnsChecker:
    """Looks names up against ``servers`` (recursive or authoritative).

    ``port_map`` gives the port of servers found through delegations, keyed
    by NS host name or address (default 53): explicit, for tests and labs.
    """

    def __init__(self, servers: list[tuple[str, int]], *, timeout: float = 2.0, retries: int = 2,
                 follow_delegations: bool = True, port_map: Mapping[str, int] | None = None,
                 pool: UdpPool | None = None) -> None:
        if not servers:
            raise ValueError("no name servers")
        self.servers = list(servers)
        self.timeout = timeout
        self.retries = retries
        self.follow = follow_delegations
        self.port_map = {k.lower().rstrip("."): v for k, v in (port_map or {}).items()}
        self.pool = pool or UdpPool()
        self._delegations: dict[str, asyncio.Future] = {}
        self._wildcards: dict[str, asyncio.Future] = {}
        self._wc_label = "zz-wc-" + secrets.token_hex(6)
        self._rr = 0

    def close(self) -> None:
        self.pool.close()

    async def ask(self, servers: list[tuple[str, int]], name: str, rtype: int) -> _Answer:
        """One question with retries; rotates over ``servers``."""
        q = wire.question(name, rtype)
        self._rr += 1
        start = self._rr
        error = "timeout"
        last_server = None
        for attempt in range(self.retries + 1):
            server = servers[(start + attempt) % len(servers)]
            last_server = server
            try:
                data = await self.pool.exchange(server, q, self.timeout)
                msg = wire.parse(data)
                if msg.tc:
                    msg = wire.parse(await tcp_exchange(server, q, self.timeout))
            except TimeoutError:
                error = "timeout"
                continue
            except (OSError, asyncio.IncompleteReadError):
                error = "unreachable"
                continue
            except wire.WireError:
                error = "formerr"
                continue
            if msg.rcode == wire.SERVFAIL:
                error = "servfail"
                continue
            if msg.rcode == wire.REFUSED:
                error = "refused"
                if len(servers) == 1:
                    break
                continue
            return _Answer(msg, None, server)
        return _Answer(None, error, last_server)

    async def lookup(self, name: str, rtype: int) -> Lookup:
        """Follow CNAMEs and referrals until addresses, a negative answer or an error."""
        servers = self.servers
        current = name
        res = Lookup("ok")
        seen = {name}
        zone: str | None = None          # zone cut we were referred to, if any
        zone_ns: list[str] = []
        for _hop in range(MAX_HOPS):
            ans = await self.ask(servers, current, rtype)
            res.queries += 1
            if ans.error:
                if zone is not None:
                    if ans.error == "servfail":
                        res.status, res.detail = "servfail", f"servers of delegated zone {zone} answer SERVFAIL"
                    else:
                        res.status = "lame"
                        res.detail = f"delegation of {zone} to {', '.join(zone_ns)}: {ans.error}"
                    return res
                res.status = "timeout" if ans.error in ("timeout", "unreachable", "formerr") else ans.error
                res.detail = f"{current} {wire.TYPE_NAMES.get(rtype)}: {ans.error}"
                return res
            msg = ans.msg
            assert msg is not None
            cur = current
            moved = True
            while moved:
                moved = False
                for r in msg.answer:
                    if r.owner == cur and r.rtype == wire.CNAME and r.value is not None:
                        res.records.append(wire.format_record(r))
                        res.chain.append((cur, r.value))
                        if r.value in seen:
                            res.status, res.detail = "loop", f"CNAME loop at {r.value}"
                            return res
                        seen.add(r.value)
                        cur = r.value
                        moved = True
                        break
            for r in msg.answer:
                if r.owner == cur and r.rtype == rtype and r.value is not None:
                    res.addresses.append(r.value)
                    res.records.append(wire.format_record(r))
            if res.addresses:
                return res
            if msg.rcode == wire.NXDOMAIN:
                res.status = "dangling" if res.chain else "nxdomain"
                res.detail = f"{cur}: NXDOMAIN"
                return res
            if msg.rcode != wire.NOERROR:
                res.status = "servfail"
                res.detail = f"{cur}: {wire.RCODE_NAMES.get(msg.rcode, msg.rcode)}"
                return res
            soa = next((r.owner for r in msg.authority if r.rtype == wire.SOA), None)
            if cur != current:
                # The chain moved to a name this answer does not cover: an
                # authoritative NODATA for it, or ask again from the top.
                if msg.aa and soa is not None and is_subdomain(cur, soa):
                    res.status, res.detail = "nodata", f"{cur}: no {wire.TYPE_NAMES.get(rtype)} record"
                    return res
                current, servers, zone, zone_ns = cur, self.servers, None, []
                continue
            ns = [r for r in msg.authority if r.rtype == wire.NS and r.value]
            if ns and not msg.aa and soa is None:
                cut = ns[0].owner
                if not self.follow:
                    res.status, res.detail = "referral", f"referral to {cut}"
                    return res
                if zone is not None and (cut == zone or not is_subdomain(cut, zone)):
                    res.status = "lame"
                    res.detail = f"servers of {zone} ({', '.join(zone_ns)}) are not authoritative (refer to {cut})"
                    return res
                zone_ns = sorted({r.value for r in ns if r.owner == cut})  # type: ignore[misc]
                res.records.extend(wire.format_record(r) for r in ns)
                servers = await self._delegation(cut, ns, msg.additional)
                zone = cut
                if not servers:
                    res.status, res.detail = "lame", f"no address for the name servers of {cut}: {', '.join(zone_ns)}"
                    return res
                continue
            res.status, res.detail = "nodata", f"{cur}: no {wire.TYPE_NAMES.get(rtype)} record"
            return res
        res.status, res.detail = "loop", f"more than {MAX_HOPS} CNAME links or referrals"
        return res

    async def _delegation(self, cut: str, ns: list[wire.Record], additional: list[wire.Record]) -> list[tuple[str, int]]:
        fut = self._delegations.get(cut)
        if fut is None:
            fut = asyncio.get_running_loop().create_future()
            self._delegations[cut] = fut
            try:
                fut.set_result(await self._find_servers(cut, ns, additional))
            except BaseException as exc:  # pragma: no cover - surfaced to every waiter
                fut.set_exception(exc)
                del self._delegations[cut]
                raise
        if fut.done():
            return fut.result()
        return await asyncio.shield(fut)

    async def _find_servers(self, cut: str, ns, additional) -> list[tuple[str, int]]:
        out: list[tuple[str, int]] = []
        for r in ns:
            if r.owner != cut or not r.value:
                continue
            host = r.value
            addrs = [g.value for g in additional if g.owner == host and g.rtype in (wire.A, wire.AAAA) and g.value]
            if not addrs and not is_subdomain(host, cut):
                lk = await self.lookup(host, wire.A)
                addrs = lk.addresses
            for a in addrs:
                port = self.port_map.get(host, self.port_map.get(a, 53))
                out.append((a, port))
        return out

    async def wildcard(self, parent: str) -> Lookup | None:
        """The answer a random label under ``parent`` gets (None: no wildcard)."""
        fut = self._wildcards.get(parent)
        if fut is None:
            fut = asyncio.get_running_loop().create_future()
            self._wildcards[parent] = fut
            lk = await self.lookup(f"{self._wc_label}.{parent}", wire.A)
            fut.set_result(lk if lk.status == "ok" or lk.chain else None)
        if fut.done():
            return fut.result()
        return await asyncio.shield(fut)


def system_nameservers() -> list[tuple[str, int]]:
    """The system resolver's servers (/etc/resolv.conf), port 53."""
    import dns.resolver
    r = dns.resolver.Resolver(configure=True)
    return [(str(ns), 53) for ns in r.nameservers]


def now() -> float:
    return time.perf_counter()
