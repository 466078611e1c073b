"""Secret links (PPID and complaint tracking, invitations, password resets) never reach
the access log or the error log."""
from __future__ import annotations

import runpy
from datetime import timedelta
from pathlib import Path

from app.logmask import mask_secret_paths

ROOT = Path(__file__).resolve().parent.parent
SECRET = "mVmhoXiKFSg8XH9iyblc-A6wx8oJM9iZ"


def test_secret_path_segments_are_masked_and_nothing_else():
    assert mask_secret_paths(f"GET /ppid/lacak/{SECRET}?baru=1 HTTP/1.1") == \
        "GET /ppid/lacak/***?baru=1 HTTP/1.1"
    assert mask_secret_paths(f"/pengaduan/lacak/{SECRET}") == "/pengaduan/lacak/***"
    assert mask_secret_paths(f"/admin/undangan/{SECRET}") == "/admin/undangan/***"
    assert mask_secret_paths(f"/admin/reset/{SECRET}") == "/admin/reset/***"
    assert mask_secret_paths("/berita/panen-raya") == "/berita/panen-raya"


def test_the_production_access_log_masks_them(monkeypatch):
    from gunicorn.config import Config

    monkeypatch.delenv("DESA_ENV", raising=False)
    settings = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))
    logger = settings["logger_class"](Config())

    class Response:
        status, sent, headers = "200 OK", 10, [("Location", f"/ppid/lacak/{SECRET}")]

    environ = {"REQUEST_METHOD": "GET", "RAW_URI": f"/ppid/lacak/{SECRET}",
               "PATH_INFO": f"/ppid/lacak/{SECRET}", "SERVER_PROTOCOL": "HTTP/1.1",
               "HTTP_REFERER": f"https://jlodro.tubankab.go.id/ppid/lacak/{SECRET}"}
    atoms = logger.atoms(Response(), [], environ, timedelta(milliseconds=3))
    assert SECRET not in repr(atoms)
    assert atoms["r"] == "GET /ppid/lacak/*** HTTP/1.1"


def test_a_500_on_a_tracking_page_logs_no_secret(app, client, monkeypatch, caplog):
    from app.ppid import views

    def broken(token):
        raise RuntimeError("boom")

    monkeypatch.setattr(views, "_request_by_token", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    try:
        answer = client.get(f"/ppid/lacak/{SECRET}", headers={"Host": "jlodro.tubankab.go.id"})
    finally:
        app.config.pop("PROPAGATE_EXCEPTIONS", None)
    assert answer.status_code == 500
    assert SECRET not in caplog.text and "/ppid/lacak/***" in caplog.text
