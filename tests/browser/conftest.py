"""Live server + Chromium for the browser tests.

The session ``app`` (tests/conftest.py) is served by werkzeug on a free port
of 127.0.0.1; villages are reached as ``<slug>.localhost:<port>`` (a dev
domain the app knows, which Chromium resolves to loopback by itself) and the
portal as ``localhost:<port>``. Skips with a reason when Chromium, the
Playwright package or axe-core (``npm ci`` in tests/browser) is missing.
"""
from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = Path(os.environ.get("SHOTS_DIR", "/tmp/shots"))


@pytest.fixture(scope="session")
def live_server(app):
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"localhost:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture(scope="package")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("python package playwright is not installed")
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"chromium not found at {CHROMIUM} (apt-get install -y chromium)")
    if not AXE.is_file():
        pytest.skip(f"axe-core missing: run `npm ci` in {HERE}")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def shots_dir():
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS
