"""The served check against the real platform under gunicorn with TLS on 127.0.0.1.

A throw-away SQLite database is migrated and provisioned by the real CLI, gunicorn
serves ``wsgi:app`` with a certificate for ``*.tubankab.go.id`` made by trustme,
and dns_tools proves which village answers on each name."""
from __future__ import annotations

import http.client
import os
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dns_tools import CheckConfig, ExpectedName, check_names

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def platform_tls(tmp_path_factory):
    trustme = pytest.importorskip("trustme")
    if not GUNICORN.exists():
        pytest.skip("gunicorn is not installed in this environment")
    tmp = tmp_path_factory.mktemp("platform")
    ca = trustme.CA()
    cert = ca.issue_cert("*.tubankab.go.id", "tubankab.go.id")
    cert.private_key_and_cert_chain_pem.write_to_path(str(tmp / "server.pem"))
    ca.cert_pem.write_to_path(str(tmp / "ca.pem"))
    env = dict(os.environ, FLASK_APP="wsgi", INSTANCE_PATH=str(tmp / "instance"),
               DATABASE_URL=f"sqlite:///{tmp / 'platform.db'}", REDIS_URL="")
    flask = [sys.executable, "-m", "flask"]
    for args in (["db", "upgrade"], ["tenants", "import"], ["tenants", "status", "kebonsari", "suspended"]):
        subprocess.run([*flask, *args], cwd=ROOT, env=env, check=True, capture_output=True, timeout=120)
    port = _free_port()
    proc = subprocess.Popen(
        [str(GUNICORN), "--bind", f"127.0.0.1:{port}", "--workers", "1",
         "--certfile", str(tmp / "server.pem"), "--keyfile", str(tmp / "server.pem"), "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    # Ready when a worker answers over TLS: the master accepts connections before
    # its worker has imported the app, which takes long on a loaded machine.
    context = ssl.create_default_context(cafile=str(tmp / "ca.pem"))
    context.check_hostname = False  # readiness only; the test itself checks the names
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=5, context=context)
        try:
            conn.request("GET", "/healthz", headers={"Host": "tubankab.go.id"})
            conn.getresponse().read()
            break
        except (OSError, ssl.SSLError):
            time.sleep(0.2)
        finally:
            conn.close()
    else:
        proc.kill()
        pytest.fail("gunicorn did not start: " + proc.stderr.read().decode()[-2000:])
    yield {"connect": f"127.0.0.1:{port}", "ca_file": str(tmp / "ca.pem")}
    proc.terminate()
    proc.wait(timeout=10)


def test_platform_serves_the_right_village_on_each_name(platform_tls):
    config = CheckConfig(domain="tubankab.go.id", checks=frozenset({"http"}),
                         http_connect=platform_tls["connect"], ca_file=platform_tls["ca_file"],
                         http_timeout=5)
    names = [
        ExpectedName("", "jlodro", "35.23.01.2001", "Kenduruan"),
        ExpectedName("", "sumurgung-montong", "35.23.10.2008", "Montong"),
        # a right name, but the expected code belongs to another village
        ExpectedName("", "sumurgung-tuban", "35.23.10.2008", "Tuban"),
        # no such village on the platform: the app answers 404, never another village
        ExpectedName("", "tidakada", "35.23.99.2001", "-"),
        # suspended: 503, not served
        ExpectedName("", "kebonsari", "35.23.16.1014", "Tuban"),
    ]
    results = {}
    check_names(names, config, lambda r: results.__setitem__(r.slug, r))
    assert results["jlodro"].verdict == "ok", results["jlodro"].detail
    assert results["jlodro"].served_kode == "35.23.01.2001"
    assert results["jlodro"].tls_days_left > 30
    assert results["sumurgung-montong"].verdict == "ok", results["sumurgung-montong"].detail
    assert results["sumurgung-tuban"].verdict == "not_served"
    assert results["tidakada"].verdict == "not_served"
    assert results["kebonsari"].verdict == "not_served"
    assert results["kebonsari"].http_status == 503
