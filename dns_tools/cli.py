"""Command line: ``python -m dns_tools check|fix``.

Exit codes: 0 every name ok (``tls_expiring`` too with --allow-warnings),
1 some name is not, 2 bad usage or configuration. Errors are one clear line
on stderr, never a traceback (set DNS_TOOLS_DEBUG=1 to see one). Secrets
(TSIG keys, AWS credentials) are never accepted as arguments: a TSIG key comes
from --tsig-key-file or the environment variable named by --tsig-key-env
(default DNS_TOOLS_TSIG_KEY); AWS credentials from the usual AWS chain.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from typing import Iterator, Sequence

from .config import AxfrSource, CheckConfig, ConfigError, Route53Source, TsigKey
from .fix import FixError, plan_fixes
from .inputs import count_names, read_names
from .model import ExpectedName, Result, is_failure
from .registry import RegistryError
from .report import WRITERS, format_summary, make_writer
from .runner import check_names_async


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # exit 2 with a clear message (argparse default, kept explicit)
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--names", required=True, metavar="FILE",
                   help="CSV with columns name,slug,kode,kecamatan, or one FQDN per line ('-' = stdin)")
    p.add_argument("--domain", help="base domain; names must be under it, slug-only rows get it appended")
    p.add_argument("--expect-address", action="append", default=[], metavar="IP",
                   help="platform address (repeatable, IPv4 or IPv6)")
    p.add_argument("--expect-cname", metavar="NAME", help="platform CNAME target, e.g. desa.tubankab.go.id")
    p.add_argument("--nameserver", action="append", default=[], metavar="IP[:PORT]",
                   help="ask these servers (repeatable); default: the system resolver")
    p.add_argument("--port-map", action="append", default=[], metavar="HOST=PORT",
                   help="port of a delegated name server, by NS name or address (labs/tests)")
    p.add_argument("--concurrency", type=int, default=200)
    p.add_argument("--processes", type=int, default=1,
                   help="checking processes (0 = one per core; each runs --concurrency queries)")
    p.add_argument("--timeout", type=float, default=2.0, help="seconds per DNS attempt")
    p.add_argument("--retries", type=int, default=2, help="extra attempts after timeout/SERVFAIL")
    p.add_argument("--checks", default="dns", help="comma list of registry,dns,http (default dns)")
    p.add_argument("--no-follow-delegations", action="store_true")
    p.add_argument("--no-wildcard-detection", action="store_true")
    p.add_argument("--route53-zone", metavar="ZONE_ID", help="registry: Route 53 hosted zone id")
    p.add_argument("--aws-endpoint-url", help="Route 53 endpoint (tests, VPC endpoints); credentials stay in the AWS environment")
    p.add_argument("--axfr", metavar="IP[:PORT]", help="registry: transfer the zone from this server")
    p.add_argument("--zone", help="zone name for AXFR/RFC 2136 (default --domain)")
    p.add_argument("--tsig-key-file", metavar="FILE", help="TSIG key file ([alg:]name:secret or BIND/Knot key block)")
    p.add_argument("--tsig-key-env", metavar="VAR", help="environment variable holding [alg:]name:secret "
                   "(default DNS_TOOLS_TSIG_KEY when set)")
    p.add_argument("--connect", metavar="IP:PORT", help="http check: connect here (SNI and Host stay the name)")
    p.add_argument("--ca-file", help="trust only this CA bundle for the http check")
    p.add_argument("--http-timeout", type=float, default=5.0)
    p.add_argument("--tls-expiry-days", type=int, default=21)
    p.add_argument("--only", nargs="+", action="extend", default=[], metavar="SLUG", help="check only these slugs")
    p.add_argument("--confirm", action="store_true", help="re-check each failure once before reporting it")
    p.add_argument("--lang", choices=("id", "en"), default="id")
    p.add_argument("--no-progress", action="store_true")
    p.add_argument("--ttl", type=int, default=300, help="TTL of records created by fix")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m dns_tools", description="Village subdomain compliance: check and fix.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    c = sub.add_parser("check", help="check names; exit 0 when all are ok")
    _common(c)
    c.add_argument("--format", choices=sorted(WRITERS), default="table")
    c.add_argument("--output", metavar="FILE", help="write the report here (default stdout)")
    c.add_argument("--allow-warnings", action="store_true", help="tls_expiring does not fail the run")
    f = sub.add_parser("fix", help="plan (and with --yes apply) DNS fixes, then re-check")
    _common(f)
    f.add_argument("--provider", choices=("route53", "rfc2136"), required=True)
    f.add_argument("--update-server", metavar="IP[:PORT]", help="rfc2136 primary (default --axfr or first --nameserver)")
    f.add_argument("--dry-run", action="store_true", help="print the plan only")
    f.add_argument("--yes", action="store_true", help="apply the plan")
    f.add_argument("--allow-warnings", action="store_true")
    return parser


def _tsig(args) -> TsigKey | None:
    if args.tsig_key_file:
        return TsigKey.from_file(args.tsig_key_file)
    if args.tsig_key_env:
        return TsigKey.from_env(args.tsig_key_env)
    if os.environ.get("DNS_TOOLS_TSIG_KEY"):
        return TsigKey.from_env("DNS_TOOLS_TSIG_KEY")
    return None


def config_from_args(args) -> CheckConfig:
    checks = frozenset(c.strip() for c in args.checks.split(",") if c.strip())
    registry = None
    zone = args.zone or args.domain
    if args.route53_zone and args.axfr:
        raise ConfigError("give either --route53-zone or --axfr, not both")
    if args.route53_zone:
        registry = Route53Source(args.route53_zone, endpoint_url=args.aws_endpoint_url)
    elif args.axfr:
        if not zone:
            raise ConfigError("--axfr needs --zone or --domain")
        registry = AxfrSource(args.axfr, zone, _tsig(args))
    port_map = {}
    for item in args.port_map:
        host, _, port = item.rpartition("=")
        if not host or not port.isdigit():
            raise ConfigError(f"bad --port-map {item!r} (HOST=PORT)")
        port_map[host] = int(port)
    return CheckConfig(
        domain=args.domain, expect_addresses=frozenset(args.expect_address), expect_cname=args.expect_cname,
        nameservers=tuple(args.nameserver), port_map=port_map, timeout=args.timeout, retries=args.retries,
        concurrency=args.concurrency, checks=checks, follow_delegations=not args.no_follow_delegations,
        detect_wildcards=not args.no_wildcard_detection, registry=registry, http_connect=args.connect,
        http_timeout=args.http_timeout, ca_file=args.ca_file, tls_expiry_days=args.tls_expiry_days,
        confirm_failures=args.confirm, lang=args.lang, record_ttl=args.ttl).validate()


def _names(args) -> Iterator[ExpectedName]:
    only = {s.lower() for s in args.only}
    for e in read_names(args.names):
        if not only or e.slug.lower() in only or e.name.split(".", 1)[0].lower() in only:
            yield e


class Progress:
    """A one-line progress bar on stderr, only when stderr is a terminal."""

    def __init__(self, total: int | None, enabled: bool) -> None:
        self.total, self.enabled = total, enabled and sys.stderr.isatty()
        self.done = self.bad = 0
        self._last = 0.0

    def update(self, r: Result) -> None:
        self.done += 1
        self.bad += r.verdict != "ok"
        now = time.monotonic()
        if self.enabled and (now - self._last > 0.1 or self.done == self.total):
            self._last = now
            if self.total:
                filled = int(30 * self.done / self.total)
                bar = f"[{'#' * filled}{'.' * (30 - filled)}] {self.done}/{self.total}"
            else:
                bar = f"{self.done}"
            sys.stderr.write(f"\r{bar}  not ok: {self.bad} ")
            sys.stderr.flush()

    def finish(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")


def _run_check(args, config: CheckConfig, names, out, fmt: str, keep_failures: bool = False):
    """Check ``names``, streaming each result to the report writer, the progress bar
    and ``args.on_result`` (a hook for embedding programs, e.g. to store history)."""
    writer = make_writer(fmt, out, config.lang)
    total = None
    if sys.stderr.isatty() and not args.no_progress and args.names != "-":
        total = sum(1 for _ in _names(args))
    progress = Progress(total, not args.no_progress)
    kept: list[Result] = []

    hook = getattr(args, "on_result", None)

    def on_result(r: Result) -> None:
        writer.write(r)
        if hook is not None:
            hook(r)
        progress.update(r)
        if keep_failures and r.verdict not in ("ok", "tls_expiring"):
            kept.append(r)

    processes = args.processes if args.processes > 0 else (os.cpu_count() or 1)
    if processes > 1:
        from .parallel import check_names_parallel

        summary = check_names_parallel(names, config, on_result, processes)
    else:
        summary = asyncio.run(check_names_async(names, config, on_result))
    progress.finish()
    writer.close(summary)
    return summary, kept


def cmd_check(args) -> int:
    config = config_from_args(args)
    out = sys.stdout
    if args.output:
        try:
            out = open(args.output, "w", encoding="utf-8", newline="")
        except OSError as exc:
            raise ConfigError(f"cannot write {args.output}: {exc.strerror}") from None
    try:
        summary, _ = _run_check(args, config, _names(args), out, args.format)
    finally:
        if out is not sys.stdout:
            out.close()
    if args.format != "table" or args.output:
        sys.stderr.write(format_summary(summary, config.lang))
    return 0 if summary.all_ok(args.allow_warnings) else 1


def cmd_fix(args) -> int:
    config = config_from_args(args)
    if "dns" not in config.checks:
        raise ConfigError("fix needs the dns check")
    if args.provider == "route53" and not args.route53_zone:
        raise ConfigError("--provider route53 needs --route53-zone")
    if args.provider == "rfc2136":
        server = args.update_server or args.axfr or (args.nameserver[0] if args.nameserver else None)
        zone = args.zone or args.domain
        if not server or not zone:
            raise ConfigError("--provider rfc2136 needs --update-server (or --axfr/--nameserver) and --zone/--domain")
    sys.stderr.write("Checking...\n")
    summary, failures = _run_check(args, config, _names(args), open(os.devnull, "w"), "table", keep_failures=True)
    plan = plan_fixes(failures, config)
    sys.stdout.write(plan.to_text())
    if not plan:
        return 0 if summary.all_ok(args.allow_warnings) else 1
    if args.dry_run or not args.yes:
        sys.stderr.write("Plan not applied (use --yes to apply).\n")
        return 1
    if args.provider == "route53":
        from .providers.route53 import Route53Provider
        rep = Route53Provider(args.route53_zone, endpoint_url=args.aws_endpoint_url).apply(plan)
        sys.stderr.write(f"Applied {rep.applied} changes in {len(rep.batches)} batch(es), INSYNC.\n")
    else:
        from .providers.rfc2136 import Rfc2136Provider
        rep2 = Rfc2136Provider(server, zone, _tsig(args)).apply(plan)  # type: ignore[arg-type]
        sys.stderr.write(f"Applied {rep2.applied} changes in {rep2.messages} update message(s).\n")
    changed = set(plan.names)
    recheck = [ExpectedName(r.name, r.slug, r.kode, r.kecamatan) for r in failures if r.name in changed]
    sys.stdout.write("Re-check:\n")
    summary2, _ = _run_check(args, config, recheck, sys.stdout, "table")
    return 0 if summary2.all_ok(args.allow_warnings) else 1


def main(argv: Sequence[str] | None = None, on_result=None, prog: str | None = None) -> int:
    """Run the command line. ``on_result`` receives every Result as it is produced."""
    parser = build_parser()
    if prog:
        parser.prog = prog
    args = parser.parse_args(argv)
    args.on_result = on_result
    try:
        return cmd_check(args) if args.command == "check" else cmd_fix(args)
    except (ConfigError, RegistryError) as exc:
        sys.stderr.write(f"dns_tools: error: {exc}\n")
        return 2
    except FixError as exc:
        sys.stderr.write(f"dns_tools: fix failed: {exc}\n")
        return 1
    except KeyboardInterrupt:
        sys.stderr.write("dns_tools: interrupted\n")
        return 130
    except Exception as exc:  # noqa: BLE001 - never a traceback for users
        if os.environ.get("DNS_TOOLS_DEBUG"):
            raise
        sys.stderr.write(f"dns_tools: error: {type(exc).__name__}: {exc}\n")
        return 2
