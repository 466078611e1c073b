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
import os
import sys
import time
from dataclasses import replace
from typing import Callable, Iterable, Iterator, Sequence

from .config import AxfrSource, CheckConfig, ConfigError, Route53Source, TsigKey
from .fix import FixError, plan_fixes
from .inputs import count_names, read_names
from .model import ExpectedName, Result, Summary
from .providers import Rfc2136Provider, Route53Provider
from .registry import RegistryError
from .report import WRITERS, format_summary, make_writer
from .runner import run_check


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # exit 2 with a clear message (argparse default, kept explicit)
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def _common(p: argparse.ArgumentParser, names_file: bool) -> None:
    # Options that set a CheckConfig field default to None: "not given" then keeps the
    # value of the base configuration (see config_from_args).
    if names_file:
        p.add_argument("--names", required=True, metavar="FILE",
                       help="CSV with columns name,slug,kode,kecamatan, or one FQDN per line ('-' = stdin)")
    p.add_argument("--domain", help="base domain; names must be under it, slug-only rows get it appended")
    p.add_argument("--expect-address", action="append", metavar="IP",
                   help="platform address (repeatable, IPv4 or IPv6)")
    p.add_argument("--expect-cname", metavar="NAME", help="platform CNAME target, e.g. desa.tubankab.go.id")
    p.add_argument("--nameserver", action="append", metavar="IP[:PORT]",
                   help="ask these servers (repeatable); default: the system resolver")
    p.add_argument("--port-map", action="append", metavar="HOST=PORT",
                   help="port of a delegated name server, by NS name or address (labs/tests)")
    p.add_argument("--concurrency", type=int, help="names in flight (default 200)")
    p.add_argument("--processes", type=int, default=1,
                   help="checking processes (0 = one per core; each runs --concurrency queries)")
    p.add_argument("--timeout", type=float, help="seconds per DNS attempt (default 2)")
    p.add_argument("--retries", type=int, help="extra attempts after timeout/SERVFAIL (default 2)")
    p.add_argument("--checks", help="comma list of registry,dns,http (default dns)")
    p.add_argument("--no-follow-delegations", dest="follow_delegations", action="store_const", const=False)
    p.add_argument("--no-wildcard-detection", dest="detect_wildcards", action="store_const", const=False)
    p.add_argument("--route53-zone", metavar="ZONE_ID", help="registry: Route 53 hosted zone id")
    p.add_argument("--aws-endpoint-url", help="Route 53 endpoint (tests, VPC endpoints); credentials stay in the AWS environment")
    p.add_argument("--axfr", metavar="IP[:PORT]", help="registry: transfer the zone from this server")
    p.add_argument("--zone", help="zone name for AXFR/RFC 2136 (default --domain)")
    p.add_argument("--tsig-key-file", metavar="FILE", help="TSIG key file ([alg:]name:secret or BIND/Knot key block)")
    p.add_argument("--tsig-key-env", metavar="VAR", help="environment variable holding [alg:]name:secret "
                   "(default DNS_TOOLS_TSIG_KEY when set)")
    p.add_argument("--connect", metavar="IP:PORT", help="http check: connect here (SNI and Host stay the name)")
    p.add_argument("--ca-file", help="trust only this CA bundle for the http check")
    p.add_argument("--http-timeout", type=float, help="seconds (default 5)")
    p.add_argument("--tls-expiry-days", type=int, help="warn below this many days (default 21)")
    p.add_argument("--only", nargs="+", action="extend", default=[], metavar="SLUG", help="check only these slugs")
    p.add_argument("--confirm", action="store_const", const=True,
                   help="re-check each failure once before reporting it")
    p.add_argument("--lang", choices=("id", "en"))
    p.add_argument("--no-progress", action="store_true")
    p.add_argument("--ttl", type=int, help="TTL of records created by fix (default 300)")


def build_parser(prog: str = "python -m dns_tools", names_file: bool = True) -> argparse.ArgumentParser:
    """The options of ``check`` and ``fix``. ``names_file=False`` for a program that
    supplies the names itself (``flask dns`` takes them from the villages table)."""
    parser = _Parser(prog=prog, description="Village subdomain compliance: check and fix.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    c = sub.add_parser("check", help="check names; exit 0 when all are ok")
    _common(c, names_file)
    c.add_argument("--format", choices=sorted(WRITERS), default="table")
    c.add_argument("--output", metavar="FILE", help="write the report here (default stdout)")
    c.add_argument("--allow-warnings", action="store_true", help="tls_expiring does not fail the run")
    f = sub.add_parser("fix", help="plan (and with --yes apply) DNS fixes, then re-check")
    _common(f, names_file)
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


def config_from_args(args, base: CheckConfig | None = None) -> CheckConfig:
    """The check configuration: ``base`` (defaults when None) with every option that
    was given on the command line put over it, validated."""
    base = base or CheckConfig()
    given: dict = {}
    for option, field in (("domain", "domain"), ("expect_cname", "expect_cname"), ("timeout", "timeout"),
                          ("retries", "retries"), ("concurrency", "concurrency"),
                          ("follow_delegations", "follow_delegations"), ("detect_wildcards", "detect_wildcards"),
                          ("connect", "http_connect"), ("http_timeout", "http_timeout"), ("ca_file", "ca_file"),
                          ("tls_expiry_days", "tls_expiry_days"), ("confirm", "confirm_failures"),
                          ("lang", "lang"), ("ttl", "record_ttl")):
        if getattr(args, option) is not None:
            given[field] = getattr(args, option)
    if args.expect_address is not None:
        given["expect_addresses"] = frozenset(args.expect_address)
    if args.nameserver is not None:
        given["nameservers"] = tuple(args.nameserver)
    if args.checks is not None:
        given["checks"] = frozenset(c.strip() for c in args.checks.split(",") if c.strip())
    if args.port_map is not None:
        port_map = {}
        for item in args.port_map:
            host, _, port = item.rpartition("=")
            if not host or not port.isdigit():
                raise ConfigError(f"bad --port-map {item!r} (HOST=PORT)")
            port_map[host] = int(port)
        given["port_map"] = port_map
    if args.route53_zone and args.axfr:
        raise ConfigError("give either --route53-zone or --axfr, not both")
    if args.route53_zone:
        given["registry"] = Route53Source(args.route53_zone, endpoint_url=args.aws_endpoint_url)
    elif args.axfr:
        zone = args.zone or given.get("domain", base.domain)
        if not zone:
            raise ConfigError("--axfr needs --zone or --domain")
        given["registry"] = AxfrSource(args.axfr, zone, _tsig(args))
    return replace(base, **given).validate()


def only_slugs(names: Iterable[ExpectedName], slugs: Iterable[str]) -> Iterator[ExpectedName]:
    """The names whose slug (or first label) is one of ``slugs``; all when none given."""
    wanted = {s.lower() for s in slugs}
    for e in names:
        if not wanted or e.slug.lower() in wanted or e.name.split(".", 1)[0].lower() in wanted:
            yield e


class Progress:
    """A one-line progress bar on stderr, only when stderr is a terminal (a result sink)."""

    def __init__(self, total: int | None, enabled: bool) -> None:
        self.total, self.enabled = total, enabled and sys.stderr.isatty()
        self.done = self.bad = 0
        self._last = 0.0

    def write(self, r: Result) -> None:
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

    def close(self, summary: Summary) -> None:
        if self.enabled:
            sys.stderr.write("\n")


class Failures(list):
    """A result sink keeping the failures that a fix may repair."""

    def write(self, r: Result) -> None:
        if r.verdict not in ("ok", "tls_expiring"):
            self.append(r)

    def close(self, summary: Summary) -> None:
        pass


def cmd_check(args, config: CheckConfig, names: Iterable[ExpectedName], total: int | None = None,
              run: Callable[..., Summary] = run_check) -> int:
    """``check``: the report (``--format``/``--output``) and the progress bar are the
    result sinks; ``total`` sizes the bar. ``run`` has the signature of
    :func:`run_check` (the Flask side passes one that also stores the run)."""
    out = sys.stdout
    if args.output:
        try:
            out = open(args.output, "w", encoding="utf-8", newline="")
        except OSError as exc:
            raise ConfigError(f"cannot write {args.output}: {exc.strerror}") from None
    try:
        sinks = [make_writer(args.format, out, config.lang), Progress(total, not args.no_progress)]
        summary = run(only_slugs(names, args.only), config, sinks, args.processes)
    finally:
        if out is not sys.stdout:
            out.close()
    if args.format != "table" or args.output:
        sys.stderr.write(format_summary(summary, config.lang))
    return 0 if summary.all_ok(args.allow_warnings) else 1


def cmd_fix(args, config: CheckConfig, names: Iterable[ExpectedName]) -> int:
    """``fix``: check, plan the changes for the failures, apply them with ``--yes``
    through the provider, then check the changed names again."""
    if "dns" not in config.checks:
        raise ConfigError("fix needs the dns check")
    if args.provider == "route53" and not args.route53_zone:
        raise ConfigError("--provider route53 needs --route53-zone")
    zone = args.zone or config.domain
    server = args.update_server or args.axfr or (config.nameservers[0] if config.nameservers else None)
    if args.provider == "rfc2136" and (not server or not zone):
        raise ConfigError("--provider rfc2136 needs --update-server (or --axfr/--nameserver) and --zone/--domain")
    sys.stderr.write("Checking...\n")
    failures = Failures()
    summary = run_check(only_slugs(names, args.only), config,
                        [failures, Progress(None, not args.no_progress)], args.processes)
    plan = plan_fixes(failures, config)
    sys.stdout.write(plan.to_text())
    if not plan:
        return 0 if summary.all_ok(args.allow_warnings) else 1
    if args.dry_run or not args.yes:
        sys.stderr.write("Plan not applied (use --yes to apply).\n")
        return 1
    if args.provider == "route53":
        rep = Route53Provider(args.route53_zone, endpoint_url=args.aws_endpoint_url).apply(plan)
        sys.stderr.write(f"Applied {rep.applied} changes in {len(rep.batches)} batch(es), INSYNC.\n")
    else:
        rep2 = Rfc2136Provider(server, zone, _tsig(args)).apply(plan)  # type: ignore[arg-type]
        sys.stderr.write(f"Applied {rep2.applied} changes in {rep2.messages} update message(s).\n")
    changed = set(plan.names)
    recheck = [ExpectedName(r.name, r.slug, r.kode, r.kecamatan) for r in failures if r.name in changed]
    sys.stdout.write("Re-check:\n")
    summary2 = run_check(recheck, config, [make_writer("table", sys.stdout, config.lang)])
    return 0 if summary2.all_ok(args.allow_warnings) else 1


def exit_code(command: Callable[[], int]) -> int:
    """Run ``command`` and turn every error into an exit code with one clear line on
    stderr, never a traceback (DNS_TOOLS_DEBUG=1 shows it)."""
    try:
        return command()
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


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m dns_tools check|fix``: the names come from ``--names``."""
    args = build_parser().parse_args(argv)

    def command() -> int:
        config = config_from_args(args)
        if args.command == "fix":
            return cmd_fix(args, config, read_names(args.names))
        total = count_names(args.names) if sys.stderr.isatty() and not args.no_progress else None
        return cmd_check(args, config, read_names(args.names), total=total)

    return exit_code(command)
