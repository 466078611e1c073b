#!/usr/bin/env python3
"""Speed benchmark of the dns_tools DNS check against a local Knot DNS server.

Builds zones with village names (the 328 villages of Kabupaten Tuban, code
35.23, and every village of Indonesia from --villages), serves them with a
local knotd on 127.0.0.1, and times, for each size:

  * ours     - dns_tools.check_names_async, DNS check only (A + AAAA per name,
               wildcard detection), results streamed as JSON to /dev/null;
  * naive    - one dns.asyncresolver.Resolver, asyncio.Semaphore(200) around
               resolve(name, "A") (one query per name);
  * dnsperf  - the ceiling: the same A + AAAA queries sent by dnsperf.

Each Python measurement runs in its own subprocess so its peak RSS is its own.
Usage: python bench/dns_check.py [--villages CSV] [--sizes tuban,all] [--concurrency 200]
Needs: knotd, dnsperf (Debian packages knot, dnsperf). Network: 127.0.0.1 only.
"""
from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import os
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PLATFORM_V4 = "203.0.113.10"
PLATFORM_V6 = "2001:db8::10"


def slugify(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")[:50].strip("-") or "desa"


def read_villages(path: str) -> list[tuple[str, str, str]]:
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", newline="") as fh:
        return [(r["code"], r["district_code"], r["name"]) for r in csv.DictReader(fh)]


def default_villages() -> str:
    """The national village list shipped with the project."""
    return str(ROOT / "tenants/data/villages.csv.gz")


def build(villages, zone: str, d: Path) -> tuple[Path, Path, Path, int]:
    """Zone file, names CSV, dnsperf data; every village gets A + AAAA."""
    taken: set[str] = set()
    zf = open(d / f"{zone}.zone", "w")
    zf.write(f"$ORIGIN {zone}.\n$TTL 300\n@ SOA ns1 hostmaster 1 3600 900 604800 300\n@ NS ns1\nns1 A 127.0.0.1\n")
    names = open(d / f"{zone}.csv", "w", newline="")
    w = csv.writer(names)
    w.writerow(["name", "slug", "kode", "kecamatan"])
    perf = open(d / f"{zone}.perf", "w")
    n = 0
    for code, district, name in villages:
        slug = slugify(name)
        if slug in taken:
            slug = f"{slug}-{code.replace('.', '')}"
        taken.add(slug)
        zf.write(f"{slug} A {PLATFORM_V4}\n{slug} AAAA {PLATFORM_V6}\n")
        w.writerow([f"{slug}.{zone}", slug, code, district])
        perf.write(f"{slug}.{zone} A\n{slug}.{zone} AAAA\n")
        n += 1
    for f in (zf, names, perf):
        f.close()
    return d / f"{zone}.zone", d / f"{zone}.csv", d / f"{zone}.perf", n


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_knot(d: Path, zones: list[str]) -> tuple[subprocess.Popen, int]:
    port = free_port()
    for sub in ("run", "db"):
        (d / sub).mkdir(exist_ok=True)
    conf = d / "knot.conf"
    zs = "\n".join(f"  - domain: {z}" for z in zones)
    conf.write_text(f"""server:
    rundir: "{d}/run"
    user: root:root
    listen: 127.0.0.1@{port}
database:
    storage: "{d}/db"
template:
  - id: default
    storage: "{d}"
    file: "%s.zone"
    zonefile-sync: -1
    journal-content: none
    semantic-checks: off
zone:
{zs}
""")
    proc = subprocess.Popen([shutil.which("knotd") or "/usr/sbin/knotd", "-c", str(conf)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import dns.message
    import dns.query
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            r = dns.query.udp(dns.message.make_query(zones[-1], "SOA"), "127.0.0.1", port=port, timeout=0.3)
            if r.answer:
                return proc, port
        except Exception:  # noqa: BLE001 - not up yet
            pass
        time.sleep(0.1)
    proc.kill()
    raise SystemExit("knotd did not start")


# ------------------------------------------------------------- measured workers

def worker_ours(names_csv: str, port: int, zone: str, concurrency: int) -> dict:
    import asyncio
    from dns_tools import CheckConfig, check_names_async, make_writer, read_names
    config = CheckConfig(domain=zone, expect_addresses=frozenset({PLATFORM_V4, PLATFORM_V6}),
                         nameservers=(f"127.0.0.1:{port}",), concurrency=concurrency, timeout=2.0, retries=2)
    out = open(os.devnull, "w")
    writer = make_writer("json", out)
    t0 = time.perf_counter()
    summary = asyncio.run(check_names_async(read_names(names_csv), config, writer.write))
    elapsed = time.perf_counter() - t0
    writer.close(summary)
    return {"names": summary.total, "seconds": elapsed, "verdicts": summary.to_dict()["by_verdict"]}


def worker_parallel(names_csv: str, port: int, zone: str, concurrency: int) -> dict:
    from dns_tools import CheckConfig, make_writer, read_names
    from dns_tools.parallel import check_names_parallel
    config = CheckConfig(domain=zone, expect_addresses=frozenset({PLATFORM_V4, PLATFORM_V6}),
                         nameservers=(f"127.0.0.1:{port}",), concurrency=concurrency, timeout=2.0, retries=2)
    out = open(os.devnull, "w")
    writer = make_writer("json", out)
    t0 = time.perf_counter()
    summary = check_names_parallel(read_names(names_csv), config, writer.write)
    elapsed = time.perf_counter() - t0
    writer.close(summary)
    return {"names": summary.total, "seconds": elapsed, "verdicts": summary.to_dict()["by_verdict"]}


def worker_naive(names_csv: str, port: int, zone: str, concurrency: int) -> dict:
    import asyncio
    import dns.asyncresolver
    import dns.exception
    import dns.resolver

    async def main() -> dict:
        res = dns.asyncresolver.Resolver(configure=False)
        res.nameservers = ["127.0.0.1"]
        res.port = port
        res.lifetime = 5
        sem = asyncio.Semaphore(200)
        ok = 0

        async def one(name: str) -> int:
            async with sem:
                try:
                    await res.resolve(name, "A")
                    return 1
                except dns.exception.DNSException:
                    return 0

        with open(names_csv, newline="") as fh:
            names = [r["name"] for r in csv.DictReader(fh)]
        t0 = time.perf_counter()
        results = await asyncio.gather(*(one(n) for n in names))
        ok = sum(results)
        return {"names": len(names), "seconds": time.perf_counter() - t0, "answered": ok}
    return asyncio.run(main())


def run_worker(kind: str, names_csv: Path, port: int, zone: str, concurrency: int) -> dict:
    p = subprocess.run([sys.executable, __file__, "--_worker", kind, "--_names", str(names_csv), "--_port", str(port),
                        "--_zone", zone, "--concurrency", str(concurrency)], capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"{kind} worker failed: {p.stderr[-2000:]}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def run_dnsperf(perf: Path, port: int) -> dict | None:
    exe = shutil.which("dnsperf")
    if not exe:
        return None
    p = subprocess.run([exe, "-s", "127.0.0.1", "-p", str(port), "-d", str(perf), "-n", "1", "-c", "4", "-T", "2",
                        "-q", "1000", "-t", "5"], capture_output=True, text=True)
    qps = re.search(r"Queries per second:\s+([\d.]+)", p.stdout)
    sent = re.search(r"Queries sent:\s+(\d+)", p.stdout)
    comp = re.search(r"Queries completed:\s+(\d+)", p.stdout)
    runtime = re.search(r"Run time \(s\):\s+([\d.]+)", p.stdout)
    if not qps:
        return {"error": p.stdout[-500:] + p.stderr[-500:]}
    return {"qps": float(qps.group(1)), "sent": int(sent.group(1)), "completed": int(comp.group(1)),
            "seconds": float(runtime.group(1))}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--villages", default=default_villages())
    ap.add_argument("--sizes", default="tuban,all", help="comma list of tuban, all")
    ap.add_argument("--concurrency", type=int, default=200)
    ap.add_argument("--skip-naive", action="store_true")
    ap.add_argument("--_worker")
    ap.add_argument("--_names")
    ap.add_argument("--_port", type=int)
    ap.add_argument("--_zone")
    args = ap.parse_args()
    if args._worker:
        fn = {"ours": worker_ours, "parallel": worker_parallel, "naive": worker_naive}[args._worker]
        out = fn(args._names, args._port, args._zone, args.concurrency)
        out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        # forked workers: the largest child's peak, and the sum as an upper bound
        out["children_peak_rss_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(json.dumps(out))
        return 0
    if not shutil.which("knotd") and not os.path.exists("/usr/sbin/knotd"):
        raise SystemExit("knotd not found: apt-get install knot dnsperf")
    villages = read_villages(args.villages)
    sets = {"tuban": ("tubankab.go.id", [v for v in villages if v[0].startswith("35.23.")]),
            "all": ("desa.example", villages)}
    with tempfile.TemporaryDirectory(prefix="dnsbench-") as tmp:
        d = Path(tmp)
        built = {}
        for key in args.sizes.split(","):
            zone, vs = sets[key]
            built[key] = (zone, *build(vs, zone, d))
        proc, port = start_knot(d, [built[k][0] for k in built])
        try:
            print(f"knotd on 127.0.0.1:{port}; {os.cpu_count()} CPUs; concurrency {args.concurrency}")
            for key, (zone, _zf, names_csv, perf, n) in built.items():
                print(f"\n== {key}: {n} names in {zone} ==")
                perf_r = run_dnsperf(perf, port)
                ours = run_worker("ours", names_csv, port, zone, args.concurrency)
                par = run_worker("parallel", names_csv, port, zone, args.concurrency)
                naive = None if args.skip_naive else run_worker("naive", names_csv, port, zone, args.concurrency)
                p_rate_ours = par["names"] / par["seconds"]
                cpus = os.cpu_count() or 1
                print(f"ours x{cpus} processes: {par['names']} names in {par['seconds']:.2f} s = "
                      f"{p_rate_ours:,.0f} names/s, peak RSS parent {par['peak_rss_mb']:.0f} MB + largest "
                      f"worker {par['children_peak_rss_mb']:.0f} MB (x{cpus}), verdicts {par['verdicts']}")
                o_rate = ours["names"] / ours["seconds"]
                print(f"ours    : {ours['names']} names in {ours['seconds']:.2f} s = {o_rate:,.0f} names/s "
                      f"(A+AAAA, {2 * o_rate:,.0f} q/s), peak RSS {ours['peak_rss_mb']:.0f} MB, verdicts {ours['verdicts']}")
                if naive:
                    n_rate = naive["names"] / naive["seconds"]
                    print(f"naive   : {naive['names']} names in {naive['seconds']:.2f} s = {n_rate:,.0f} names/s "
                          f"(A only), peak RSS {naive['peak_rss_mb']:.0f} MB, answered {naive['answered']}")
                    print(f"ratio ours/naive  : {o_rate / n_rate:.2f}x (one process), "
                          f"{p_rate_ours / n_rate:.2f}x (one process per core)")
                if perf_r and "qps" in perf_r:
                    p_rate = perf_r["qps"] / 2
                    print(f"dnsperf : {perf_r['completed']}/{perf_r['sent']} queries in {perf_r['seconds']:.2f} s = "
                          f"{perf_r['qps']:,.0f} q/s = {p_rate:,.0f} names/s (A+AAAA)")
                    print(f"ratio ours/dnsperf: {o_rate / p_rate:.3f}")
                elif perf_r:
                    print(f"dnsperf failed: {perf_r['error']}")
                else:
                    print("dnsperf not installed: ceiling not measured")
        finally:
            proc.terminate()
            proc.wait(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
