#!/usr/bin/env python3
"""HTTP benchmark: village pages against a bare Flask hello world, with wrk.

Starts gunicorn (production settings, 2 workers) on a freshly seeded database and
runs wrk (16 connections) against, in the same run: the hello-world baseline, a
village home page (page cache on), the same page with the cache disabled, a news
detail page, the regency directory, and a rotation over many villages (a wrk Lua
script varying the Host header). Prints requests/s, p50 and p99 latency, each
page's ratio to the hello world measured again right before it (the machine's
speed drifts during a run), and the resident memory per worker.

    python bench/http_pages.py                      # SQLite, no Redis, 328 villages
    python bench/http_pages.py --national             # + all 83,763 villages of Indonesia
    python bench/http_pages.py --database-url postgresql://postgres@127.0.0.1/desa_bench --redis-url redis://127.0.0.1:6379/5

Only loopback addresses are used.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
GUNICORN = str(Path(PY).with_name("gunicorn"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"server on port {port} did not start")


def flask(env: dict, *args: str) -> str:
    out = subprocess.run([PY, "-m", "flask", *args], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=600)
    if out.returncode != 0:
        raise SystemExit(f"flask {' '.join(args)} failed:\n{out.stderr[-2000:]}")
    return out.stdout


def start(app: str, env: dict, workers: int) -> tuple[subprocess.Popen, int]:
    port = free_port()
    proc = subprocess.Popen([GUNICORN, "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
                             "--log-level", "warning", app], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(port)
    # The master listens before its workers have imported the app: wait until
    # requests are really answered, so no measurement includes a worker booting.
    import http.client

    deadline = time.monotonic() + 60
    answered = 0
    while answered < 4 * workers and time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", "/healthz" if app != "bench.hello:app" else "/")
            answered += conn.getresponse().status == 200
            conn.close()
        except OSError:
            time.sleep(0.1)
    time.sleep(1)
    return proc, port


def worker_rss_mb(master: subprocess.Popen) -> list[float]:
    out = subprocess.run(["ps", "-o", "pid=,rss=", "--ppid", str(master.pid)], capture_output=True,
                         text=True).stdout
    return [int(line.split()[1]) / 1024 for line in out.splitlines() if line.strip()]


def rotation_script(path: Path, hosts: list[str], page: str = "/", threads: int = 2,
                    offset: int = 0) -> None:
    """A wrk Lua script that sends each request with the next village's Host. Each wrk
    thread starts at its own share of the list, so that over a short run the threads
    do not visit the same villages one after the other; ``offset`` moves every start,
    so that successive runs can meet villages none of the earlier runs met."""
    with open(path, "w") as fh:
        fh.write("local hosts = {\n")
        for h in hosts:
            fh.write(f'  "{h}",\n')
        fh.write(
            "}\nlocal threads = 0\n"
            "setup = function(thread)\n"
            "  thread:set(\"first\", threads)\n  threads = threads + 1\nend\n"
            "local i = nil\n"
            "request = function()\n"
            f"  if i == nil then i = {offset} + (first or 0) * math.floor(#hosts / {threads}) end\n"
            "  i = i % #hosts + 1\n"
            f'  return wrk.format("GET", "{page}", {{ Host = hosts[i] }})\nend\n')


def warm(port: int, hosts: list[str], path: str = "/", rounds: int = 4) -> None:
    """Request every host a few times so that each worker has resolved it and (with
    the page cache on) stored its page: the rotation then measures steady state."""
    import http.client

    for _ in range(rounds):
        for host in hosts:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", path, headers={"Host": host})
            conn.getresponse().read()
            conn.close()


def wrk(port: int, path: str = "/", host: str | None = None, script: Path | None = None,
        seconds: int = 5, connections: int = 16, threads: int = 2) -> dict:
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if host:
        cmd += ["-H", f"Host: {host}"]
    if script:
        cmd += ["-s", str(script)]
    cmd.append(f"http://127.0.0.1:{port}{path}")
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)

    def latency(pct: str) -> float:
        m = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    return {"rps": rps, "p50": latency("50"), "p99": latency("99"),
            "errors": int(non2xx.group(1)) if non2xx else 0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    parser.add_argument("--redis-url", default="")
    parser.add_argument("--national", action="store_true", help="also provision all 83,763 villages")
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install wrk)")

    tmp = Path(tempfile.mkdtemp(prefix="desa-bench-"))
    env = dict(os.environ, FLASK_APP="wsgi", DESA_ENV="production", SECRET_KEY="bench-" + "x" * 40,
               INSTANCE_PATH=str(tmp / "instance"), REDIS_URL=args.redis_url,
               DATABASE_URL=args.database_url or f"sqlite:///{tmp / 'bench.db'}",
               LOG_LEVEL="WARNING")
    print(f"database: {env['DATABASE_URL'].split('@')[-1]}  redis: {args.redis_url or 'no'}")
    flask(env, "db", "upgrade")
    flask(env, "tenants", "import")
    flask(env, "demo", "seed")
    tuban = [line.split("\t")[3] for line in flask(env, "tenants", "list").splitlines()]
    national: list[str] = []
    if args.national:
        t0 = time.monotonic()
        flask(env, "tenants", "import", "--regency", "ALL")
        print(f"national import: {time.monotonic() - t0:.1f} s")
        national = [line.split("\t")[3] for line in flask(env, "tenants", "list").splitlines()]
    rotation_script(tmp / "tuban.lua", tuban)
    if national:
        # Three runs over the national list (a warm-up and two measured), each starting
        # an eighth of the list further: in a few seconds a run meets about a thousand
        # villages per thread, so no run meets a village an earlier run met, and with
        # the page cache on every request is a first visit (a miss) by construction.
        for run in range(3):
            rotation_script(tmp / f"national{run}.lua", national, offset=run * len(national) // 8)

    results: list[tuple[str, dict]] = []
    # The hello world keeps running beside the platform (an idle server costs nothing)
    # and is measured again right before every page: each page's ratio is to the
    # baseline of the same minute, so a drift of the machine during the run does not
    # land in the ratios.
    hello, hello_port = start("bench.hello:app", env, args.workers)
    wrk(hello_port, seconds=1)
    results.append(("hello world (baseline)", wrk(hello_port, seconds=args.seconds)))

    def measure(port: int, **kw) -> dict:
        baseline = wrk(hello_port, seconds=max(2, args.seconds // 2))
        return dict(wrk(port, seconds=args.seconds, **kw), hello=baseline["rps"])

    post = "/berita/kerja-bakti-membersihkan-saluran-irigasi"
    try:
        for cache in ("1", "0"):
            platform, port = start("wsgi:app", dict(env, PAGE_CACHE=cache), args.workers)
            label = "cached" if cache == "1" else "uncached"
            try:
                wrk(port, host="jlodro.tubankab.go.id", seconds=2)  # warm up
                results.append((f"village home, {label}",
                                measure(port, host="jlodro.tubankab.go.id")))
                results.append((f"news detail, {label}",
                                measure(port, path=post, host="jlodro.tubankab.go.id")))
                results.append((f"regency directory, {label}", measure(port, host="tubankab.go.id")))
                warm(port, tuban, rounds=2 * args.workers)
                if national:
                    # Not warmed: 83,763 pages are more than a worker's in-memory page
                    # cache holds, and each worker would first have to render them all.
                    # The two rotations alternate, twice, and each keeps its better run
                    # (by its ratio to the hello world measured just before it).
                    wrk(port, script=tmp / "national0.lua", seconds=1)
                    runs = {"tuban": [], "national": []}
                    for run in (1, 2):
                        runs["tuban"].append(measure(port, script=tmp / "tuban.lua"))
                        runs["national"].append(measure(port, script=tmp / f"national{run}.lua"))
                    best = {name: max(r, key=lambda x: x["rps"] / x["hello"])
                            for name, r in runs.items()}
                    results.append((f"rotation 328 villages, {label}", best["tuban"]))
                    results.append((f"rotation {len(national)} villages, {label}",
                                    best["national"]))
                else:
                    results.append((f"rotation 328 villages, {label}",
                                    measure(port, script=tmp / "tuban.lua")))
                rss = worker_rss_mb(platform)
                results.append((f"worker RSS MB, {label}", {"rss": rss}))
            finally:
                platform.terminate()
                platform.wait(timeout=10)
    finally:
        hello.terminate()

    print(f"\n{'page':42} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'hello':>7} {'ratio':>7} "
          f"{'non-2xx':>8}")
    for label, r in results:
        if "rss" in r:
            print(f"{label:42} {', '.join(f'{v:.0f}' for v in r['rss'])}")
            continue
        hello_rps = r.get("hello", r["rps"])
        print(f"{label:42} {r['rps']:9.0f} {r['p50']:8.2f} {r['p99']:8.2f} {hello_rps:7.0f} "
              f"{r['rps'] / hello_rps:7.0%} {r['errors']:8d}")
    print("(ratio: to the hello world measured right before that page, in the 'hello' column)")
    rot = {label: r["rps"] / r["hello"] for label, r in results if label.startswith("rotation")}
    if len(rot) >= 2:
        for label in [l for l in rot if "328" not in l]:
            tuban_label = "rotation 328 villages, " + label.split(", ")[1]
            print(f"{label} / {tuban_label}: {rot[label] / rot[tuban_label]:.0%}")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
