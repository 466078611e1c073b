"""Reconcile registry, DNS and HTTP into one verdict per name, streaming.

Why streaming: the national run has 83,763 names; results are handed to
``on_result`` as soon as each is known and are not kept, so memory stays
flat in N. Input is pulled lazily from any iterable by a fixed number of
workers (= ``concurrency``), which is also what bounds the queries in
flight.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import time
from typing import AsyncIterable, Callable, Iterable, Protocol, Sequence

from . import registry as registry_mod
from . import wire
from .config import CheckConfig, parse_hostport
from .http_check import check_served
from .model import ExpectedName, Result, Summary, confirm_verdict, is_failure, utcnow
from .names import InvalidName, is_subdomain, normalize_name, parent
from .resolve import DnsChecker, Lookup, system_nameservers

OnResult = Callable[[Result], None]


class ResultSink(Protocol):
    """Where results go as they are produced: a report writer, a progress bar, a
    database recorder. ``close`` is called once, with the summary, after the last
    result."""

    def write(self, result: Result) -> None: ...

    def close(self, summary: Summary) -> None: ...

_ERROR_VERDICTS = (("loop", "cname_loop"), ("lame", "lame_delegation"), ("referral", "lame_delegation"),
                   ("servfail", "servfail"), ("refused", "refused"), ("timeout", "timeout"))


class Checker:
    """One check run: shared resolver state (sockets, delegation and wildcard
    caches), the registry index and the expected target. Use as an async
    context manager, or call :func:`check_names_async` which does."""

    def __init__(self, config: CheckConfig) -> None:
        self.config = config.validate()
        self.dns: DnsChecker | None = None
        self.registry: registry_mod.Registry | None = None
        self.expected: set[str] = set(config.expect_addresses)
        self.notes: list[str] = []
        self._http_pool: concurrent.futures.ThreadPoolExecutor | None = None
        self._fams = [wire.TYPE_CODES[f] for f in config.families]

    async def __aenter__(self) -> "Checker":
        cfg = self.config
        if "registry" in cfg.checks:
            assert cfg.registry is not None
            self.registry = await asyncio.to_thread(registry_mod.load, cfg.registry)
        if "dns" in cfg.checks:
            servers = [parse_hostport(s) for s in cfg.nameservers] or system_nameservers()
            self.dns = DnsChecker(servers, timeout=cfg.timeout, retries=cfg.retries,
                                  follow_delegations=cfg.follow_delegations, port_map=cfg.port_map)
            if cfg.expect_cname:
                for fam in self._fams:
                    lk = await self.dns.lookup(cfg.expect_cname, fam)
                    self.expected.update(lk.addresses)
                    if lk.status not in ("ok", "nodata"):
                        self.notes.append(f"expected CNAME target {cfg.expect_cname}: {lk.status} {lk.detail}")
        if "http" in cfg.checks:
            self._http_pool = concurrent.futures.ThreadPoolExecutor(max_workers=cfg.http_concurrency,
                                                                     thread_name_prefix="dns_tools-http")
        return self

    async def __aexit__(self, *exc) -> None:
        if self.dns is not None:
            self.dns.close()
        if self._http_pool is not None:
            self._http_pool.shutdown(wait=False, cancel_futures=True)

    async def check(self, expected: ExpectedName) -> Result:
        """Check one name (with the optional confirmation re-check)."""
        result = await self._check_once(expected)
        if self.config.confirm_failures and is_failure(result.verdict, allow_warnings=True) \
                and result.verdict != "invalid_name":
            await asyncio.sleep(self.config.confirm_delay)
            result = confirm_verdict(result, await self._check_once(expected))
        return result

    async def _check_once(self, e: ExpectedName) -> Result:
        cfg = self.config
        t0 = time.perf_counter()
        r = Result(name=e.name, slug=e.slug, kode=e.kode, kecamatan=e.kecamatan, verdict="ok",
                   checked_at=utcnow().isoformat(timespec="seconds"))
        raw = e.name or (f"{e.slug}.{cfg.domain}" if e.slug and cfg.domain else e.slug)
        try:
            name = normalize_name(raw)
        except InvalidName as exc:
            r.verdict, r.detail = "invalid_name", f"{raw!r}: {exc}"
            return r
        r.name = name
        if cfg.domain and not is_subdomain(name, cfg.domain):
            r.verdict, r.detail = "invalid_name", f"{name} is outside {cfg.domain}"
            return r
        if self.registry is not None:
            r.registered, recs = self.registry.lookup(name)
            if r.registered is not None:
                r.records.extend(f"registry: {x}" for x in recs)
        if self.dns is not None:
            await self._dns(r)
        elif self.registry is not None:
            self._registry_only(r)
        r.timings["dns"] = round(time.perf_counter() - t0, 4)
        if r.verdict == "ok" and self._http_pool is not None:
            t1 = time.perf_counter()
            await self._http(e, r)
            r.timings["http"] = round(time.perf_counter() - t1, 4)
        r.timings["total"] = round(time.perf_counter() - t0, 4)
        return r

    async def _dns(self, r: Result) -> None:
        assert self.dns is not None
        cfg = self.config
        lookups: list[Lookup] = []
        for fam in self._fams:
            lookups.append(await self.dns.lookup(r.name, fam))
        for lk in lookups:
            for rec in lk.records:
                if rec not in r.records:
                    r.records.append(rec)
        chain = max((lk.chain for lk in lookups), key=len)
        r.chain = [f"{a} -> {b}" for a, b in chain]
        statuses = {lk.status for lk in lookups}
        for status, verdict in _ERROR_VERDICTS:
            if status in statuses:
                lk = next(x for x in lookups if x.status == status)
                r.verdict, r.detail = verdict, lk.detail
                return
        if "dangling" in statuses:
            lk = next(x for x in lookups if x.status == "dangling")
            r.verdict, r.detail = "dangling_cname", f"{' -> '.join([r.name] + [b for _, b in chain])}: {lk.detail}"
            return
        if statuses == {"nxdomain"}:
            r.verdict, r.detail = "missing", f"{r.name}: NXDOMAIN"
            if r.registered:
                r.detail += " although the name is in the registry (not yet published?)"
            return
        seen: set[str] = set()
        r.addresses = [a for lk in lookups for a in lk.addresses if not (a in seen or seen.add(a))]
        # Registered, or only a wildcard answer?
        wc = await self.dns.wildcard(parent(r.name)) if cfg.detect_wildcards else None
        r.wildcard = wc is not None or (self.registry is not None and self.registry.has_wildcard_for(r.name))
        if r.registered is False and r.wildcard:
            r.verdict, r.detail = "not_registered", f"{r.name} is not in the zone; it is answered by *.{parent(r.name)}"
            return
        if r.registered is None and self.registry is None and wc is not None:
            a_lk = lookups[0]
            if sorted(a_lk.addresses) == sorted(wc.addresses) and \
                    [b for _, b in a_lk.chain] == [b for _, b in wc.chain]:
                r.verdict = "not_registered"
                r.detail = (f"answer identical to the wildcard *.{parent(r.name)}; "
                            "give a registry source (AXFR or Route 53) to confirm")
                return
        if r.registered is False:
            r.detail = "not found in the registry listing; "
        if not r.addresses:
            r.verdict = "no_address"
            r.detail += "; ".join(lk.detail for lk in lookups if lk.detail)
            return
        self._target(r, [b for _, b in chain])

    def _target(self, r: Result, cname_targets: list[str]) -> None:
        cfg = self.config
        if cfg.expect_cname and cfg.expect_cname in cname_targets:
            r.detail += f"via CNAME {cfg.expect_cname}: {', '.join(r.addresses)}"
            return
        right = [a for a in r.addresses if a in self.expected]
        wrong = [a for a in r.addresses if a not in self.expected]
        if not wrong:
            r.detail += f"addresses {', '.join(r.addresses)}"
        elif right:
            r.verdict = "partial"
            r.detail += f"right: {', '.join(right)}; wrong: {', '.join(wrong)}"
        else:
            r.verdict = "wrong_target"
            r.detail += f"points to {', '.join(wrong)}" + (f" via {' -> '.join(cname_targets)}" if cname_targets else "")
            if self.expected:
                r.detail += f"; expected {', '.join(sorted(self.expected))}"

    def _registry_only(self, r: Result) -> None:
        assert self.registry is not None
        cfg = self.config
        if r.registered is False:
            if self.registry.has_wildcard_for(r.name):
                r.wildcard = True
                r.verdict, r.detail = "not_registered", f"not in zone {self.registry.apex}; only *.{parent(r.name)} exists"
            else:
                r.verdict, r.detail = "missing", f"not in zone {self.registry.apex}"
            return
        if r.registered is None:
            r.verdict, r.detail = "no_address", "below a delegation: the parent zone's registry cannot see its records"
            return
        addrs, cnames = self.registry.addresses(r.name)
        r.addresses = addrs
        if cnames:
            r.chain = [f"{r.name} -> {c}" for c in cnames]
            if cfg.expect_cname and cfg.expect_cname in cnames:
                r.detail = f"registered CNAME {cfg.expect_cname}"
                return
            r.verdict, r.detail = "wrong_target", f"registered CNAME {', '.join(cnames)}"
            return
        if not addrs:
            r.verdict, r.detail = "no_address", "registered without A/AAAA/CNAME"
            return
        self._target(r, [])

    async def _http(self, e: ExpectedName, r: Result) -> None:
        cfg = self.config
        if cfg.http_connect:
            addr = parse_hostport(cfg.http_connect, 443)
        elif r.addresses:
            v4 = [a for a in r.addresses if ":" not in a]
            addr = ((v4 or r.addresses)[0], 443)
        else:
            addr = (r.name, 443)
        loop = asyncio.get_running_loop()
        out = await loop.run_in_executor(self._http_pool, lambda: check_served(
            e, r.name, addr, ca_file=cfg.ca_file, timeout=cfg.http_timeout))
        r.http_status, r.served_kode, r.tls_days_left = out.status, out.served_kode, out.days_left
        sep = "; " if r.detail else ""
        if out.verdict:
            r.verdict, r.detail = out.verdict, r.detail + sep + out.detail
        elif out.days_left is not None and out.days_left < cfg.tls_expiry_days:
            r.verdict = "tls_expiring"
            r.detail = r.detail + sep + f"certificate expires in {out.days_left} days (< {cfg.tls_expiry_days})"
        else:
            r.detail = r.detail + sep + out.detail


async def check_names_async(names: Iterable[ExpectedName] | AsyncIterable[ExpectedName], config: CheckConfig,
                            on_result: OnResult | None = None) -> Summary:
    """Check every name; call ``on_result`` for each result as it is produced.

    Results come in completion order, not input order. Returns the summary
    (counts per verdict and per kecamatan). Raises ConfigError / RegistryError
    before any result when the configuration or the registry is unusable.
    """
    summary = Summary(started_at=utcnow().isoformat(timespec="seconds"))
    t0 = time.perf_counter()
    async with Checker(config) as checker:
        if hasattr(names, "__aiter__"):
            ait = names.__aiter__()  # type: ignore[union-attr]
            lock = asyncio.Lock()

            async def next_name() -> ExpectedName | None:
                async with lock:
                    try:
                        return await ait.__anext__()
                    except StopAsyncIteration:
                        return None
        else:
            it = iter(names)  # type: ignore[arg-type]

            async def next_name() -> ExpectedName | None:
                return next(it, None)

        async def worker() -> None:
            while True:
                e = await next_name()
                if e is None:
                    return
                result = await checker.check(e)
                summary.add(result)
                if on_result is not None:
                    on_result(result)

        await asyncio.gather(*(worker() for _ in range(config.concurrency)))
    summary.finished_at = utcnow().isoformat(timespec="seconds")
    summary.duration = time.perf_counter() - t0
    return summary


def check_names(names: Iterable[ExpectedName], config: CheckConfig, on_result: OnResult | None = None) -> Summary:
    """Blocking wrapper around :func:`check_names_async` (not from a running event loop)."""
    return asyncio.run(check_names_async(names, config, on_result))


def check_one(name: ExpectedName, config: CheckConfig) -> Result:
    """Check a single name and return its result."""
    out: list[Result] = []
    check_names([name], config, out.append)
    return out[0]


def run_check(names: Iterable[ExpectedName], config: CheckConfig, sinks: Sequence[ResultSink] = (),
              processes: int = 1) -> Summary:
    """Check ``names`` and stream every result to each sink, then close the sinks
    with the summary. The entry point of both command lines and of the Flask side.

    ``processes`` > 1 spreads the names over that many worker processes
    (:mod:`dns_tools.parallel`); 0 means one per core. Raises ConfigError /
    RegistryError before any result; the sinks are then not closed.
    """
    def on_result(result: Result) -> None:
        for sink in sinks:
            sink.write(result)

    if processes != 1:
        from .parallel import check_names_parallel

        summary = check_names_parallel(names, config, on_result, processes or None)
    else:
        summary = check_names(names, config, on_result)
    for sink in sinks:
        sink.close(summary)
    return summary
