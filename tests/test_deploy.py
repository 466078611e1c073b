"""The production shape: a node behind a buffering front, supervised so that a killed
gunicorn master never leaves workers holding the port."""
from __future__ import annotations

import configparser
import os
import re
import runpy
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
GUNICORN = Path(sys.executable).with_name("gunicorn")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _port_is_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def test_killed_master_leaves_no_worker_holding_the_port(tmp_path):
    """kill -9 of the master while both workers are held by slow clients: the workers
    go with it and the port is free for the restart (they used to stay, port taken)."""
    port = _free_port()
    env = dict(os.environ, FLASK_APP="wsgi", DATABASE_URL=f"sqlite:///{tmp_path / 'node.db'}", REDIS_URL="",
               INSTANCE_PATH=str(tmp_path), GUNICORN_BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY="2",
               GUNICORN_CMD_ARGS="--access-logfile /dev/null")
    env.pop("DESA_ENV", None)
    master = subprocess.Popen([str(GUNICORN), "-c", str(DEPLOY / "gunicorn.conf.py"), "wsgi:app"], cwd=ROOT,
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    held: list[socket.socket] = []
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=3).read()
                break
            except OSError:
                if time.monotonic() > deadline or master.poll() is not None:
                    pytest.fail("gunicorn did not start: " + master.stderr.read().decode()[-2000:])
                time.sleep(0.2)
        children = subprocess.run(["pgrep", "-P", str(master.pid)], capture_output=True, text=True).stdout
        workers = [int(pid) for pid in children.split()]
        assert len(workers) == 2
        for _ in workers:  # each worker is now inside a request that never finishes
            conn = socket.create_connection(("127.0.0.1", port))
            conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: loc")
            held.append(conn)
        time.sleep(0.5)
        os.kill(master.pid, signal.SIGKILL)
        master.wait()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            alive = [pid for pid in workers if Path(f"/proc/{pid}").exists()]
            if not alive and _port_is_free(port):
                break
            time.sleep(0.1)
        else:
            pytest.fail(f"workers {alive} outlived their master; port free: {_port_is_free(port)}")
    finally:
        for conn in held:
            conn.close()
        for pid in workers:
            if Path(f"/proc/{pid}").exists():
                os.kill(pid, signal.SIGKILL)
        if master.poll() is None:
            master.kill()


@pytest.mark.parametrize("proxy_count, starts", [("", False), ("0", False), ("1", True)])
def test_production_node_needs_its_front_declared(monkeypatch, proxy_count, starts):
    monkeypatch.setenv("DESA_ENV", "production")
    monkeypatch.setenv("PROXY_COUNT", proxy_count)
    if starts:
        settings = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
        assert settings["worker_class"] == "sync" and callable(settings["post_fork"])
    else:
        with pytest.raises(SystemExit, match="buffering proxy"):
            runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))


def test_compose_reaches_the_nodes_only_through_nginx():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"nginx"}
    nodes = {name for name, service in services.items() if service.get("build") and "command" not in service}
    assert nodes == {"app1", "app2"}
    for name in nodes:
        assert services[name]["environment"]["PROXY_COUNT"] == "1"
        assert services[name]["environment"]["DESA_ENV"] == "production"
    assert {"postgres", "redis", "minio"} <= set(services)
    front = (DEPLOY / "nginx-compose.conf").read_text()
    assert set(re.findall(r"server (app\d):8000", front)) == nodes
    for directive in ("client_header_timeout", "proxy_request_buffering on", "proxy_buffering on"):
        assert directive in front and directive in (DEPLOY / "nginx.conf").read_text()


def test_systemd_unit_kills_the_whole_node():
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str
    unit.read_string((DEPLOY / "desa.service").read_text())
    service = unit["Service"]
    assert service["KillMode"] == "control-group"
    assert service["Restart"] == "always"
    assert "-c deploy/gunicorn.conf.py" in service["ExecStart"]
    assert '"-c", "deploy/gunicorn.conf.py"' in (ROOT / "Dockerfile").read_text()
