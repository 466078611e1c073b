"""Themes: folders of templates and static files under ``themes/``.

Templates are addressed as ``theme/<name>/<file>``, so the theme is part of the
template name and Jinja's cache can never hand one village's theme to another.
A theme overrides only what differs: a file missing from it is taken from the
``default`` theme. Inside a theme template, ``{% extends "base.html" %}`` stays
in the same theme (see ``ThemeEnvironment.join_path``).
"""
from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path

from urllib.parse import quote

from flask import (
    Blueprint, abort, current_app, has_request_context, render_template, request,
    send_from_directory,
)
from flask.sansio.app import App
from jinja2 import BaseLoader, Environment, TemplateNotFound
from werkzeug.security import safe_join

from tenants.routing import request_state

from .config import PROJECT_ROOT
from . import fastpaths
from .i18n import select_locale

THEMES_DIR = PROJECT_ROOT / "themes"
DEFAULT_THEME = "default"
PREFIX = "theme/"


@lru_cache(maxsize=None)
def available_themes() -> dict[str, dict]:
    """Theme name -> manifest (``theme.json``), read once per process."""
    themes = {}
    for folder in sorted(THEMES_DIR.iterdir()):
        manifest = folder / "theme.json"
        if manifest.is_file():
            data = json.loads(manifest.read_text(encoding="utf-8"))
            data["id"] = folder.name
            themes[folder.name] = data
    return themes


def theme_name(requested: str | None) -> str:
    return requested if requested in available_themes() else DEFAULT_THEME


def current_theme() -> str:
    if not has_request_context():
        return DEFAULT_THEME
    state = request_state()
    tenant = state.tenant
    return theme_name(state.theme_preview or (tenant.theme if tenant else None))


class ThemeLoader(BaseLoader):
    """Loads ``theme/<name>/<path>`` with fallback to the default theme."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def get_source(self, environment, template):
        if not template.startswith(PREFIX):
            raise TemplateNotFound(template)
        try:
            name, path = template[len(PREFIX):].split("/", 1)
        except ValueError:
            raise TemplateNotFound(template) from None
        for theme in dict.fromkeys((name, DEFAULT_THEME)):
            full = safe_join(str(self.root / theme / "templates"), path)
            if full and os.path.isfile(full):
                mtime = os.path.getmtime(full)
                with open(full, encoding="utf-8") as fh:
                    source = fh.read()
                return source, full, lambda f=full, m=mtime: os.path.getmtime(f) == m
        raise TemplateNotFound(template)


class ThemeEnvironment(Environment):
    """Flask's environment, where a theme template's includes stay in its theme."""

    def __init__(self, app: App, **options) -> None:
        from flask.templating import Environment as FlaskEnvironment

        FlaskEnvironment.__init__(self, app, **options)  # type: ignore[misc]

    def make_globals(self, d):
        read_only = fastpaths.read_only_globals(self, d)
        return read_only if read_only is not None else super().make_globals(d)

    def join_path(self, template: str, parent: str) -> str:
        if parent.startswith(PREFIX) and not template.startswith(PREFIX):
            name = parent[len(PREFIX):].split("/", 1)[0]
            return f"{PREFIX}{name}/{template}"
        return template


def render(template: str, status: int = 200, **context):
    """Render ``template`` in the current village's theme and the page language
    (see ``app.fastpaths.template_environment``)."""
    environment = fastpaths.template_environment(current_app, select_locale())
    html = render_template(environment.get_template(f"{PREFIX}{current_theme()}/{template}"),
                           **context)
    return (html, status) if status != 200 else html


# -- static files -----------------------------------------------------------
bp = Blueprint("themes", __name__)


def _file_hash(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(65536), b""):
            digest.update(chunk)
    return digest.hexdigest()[:12]


def _static_path(theme: str, filename: str) -> str | None:
    for name in dict.fromkeys((theme, DEFAULT_THEME)):
        full = safe_join(str(THEMES_DIR / name / "static"), filename)
        if full and os.path.isfile(full):
            return full
    return None


def theme_static(filename: str, theme: str | None = None) -> str:
    """URL of a theme's static file, with its content hash (cache for a year)."""
    theme = theme_name(theme) if theme else current_theme()
    # Remembered per file (every page links the same few): theme files change only
    # with a deployment, which restarts the workers. In debug, files are being
    # edited: their mtime is part of the key, so an edited file gets a new URL.
    stamp = None
    if current_app.debug:
        full = _static_path(theme, filename)
        stamp = os.path.getmtime(full) if full else None
    return _static_url(theme, filename, stamp)


@lru_cache(maxsize=1024)
def _static_url(theme: str, filename: str, _stamp: float | None) -> str:
    full = _static_path(theme, filename)
    version = _file_hash(full) if full else "0"
    # Built by hand, not with url_for: error pages for a malformed Host have no URL adapter.
    return f"/_tema/{theme}/{quote(filename)}?v={version}"


@bp.route("/_tema/<theme>/<path:filename>")
def static(theme: str, filename: str):
    if theme not in available_themes():
        abort(404)
    full = _static_path(theme, filename)
    if full is None:
        abort(404)
    folder, name = os.path.split(full)
    hashed = "v" in request.args
    response = send_from_directory(folder, name, max_age=31536000 if hashed else 300)
    if hashed:
        response.cache_control.immutable = True
    return response


def init_app(app) -> None:
    app.jinja_env.globals.update(theme_static=theme_static)
    app.register_blueprint(bp)
