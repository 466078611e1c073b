"""Settings from environment variables.

Defaults give the embedded shape (SQLite in ``instance/``, media in a local
folder, no Redis) so that a new user runs the product with one command; the
production shape (PostgreSQL, Redis, S3) is selected by setting variables.
"""
from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_PATH", PROJECT_ROOT / "instance"))

#: The development key. Refused when ``DESA_ENV=production``.
DEFAULT_SECRET_KEY = "dev-only-not-secret-change-me"


def _list(value: str | None) -> list[str]:
    return [part.strip().lower() for part in (value or "").split(",") if part.strip()]


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _database_url(raw: str | None) -> str:
    if not raw:
        return f"sqlite:///{INSTANCE_DIR / 'desa.db'}"
    # Accept the common spellings and use psycopg 3 for PostgreSQL.
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix):]
    return raw


class ConfigError(RuntimeError):
    """The configuration is unusable (for example the default key in production)."""


def load_config(env: dict[str, str] | None = None) -> dict[str, object]:
    """Build the Flask config mapping from ``env`` (``os.environ`` by default)."""
    env = dict(os.environ if env is None else env)
    production = env.get("DESA_ENV", "development").lower() == "production"
    secret = env.get("SECRET_KEY") or DEFAULT_SECRET_KEY
    if production and secret == DEFAULT_SECRET_KEY:
        raise ConfigError(
            "SECRET_KEY belum diatur: set a long random SECRET_KEY before starting "
            "in production mode (DESA_ENV=production)."
        )
    base_domain = (env.get("BASE_DOMAIN") or "tubankab.go.id").strip().lower().rstrip(".")
    # Development domains map <slug>.localhost onto a village: a Host anyone can send,
    # so never in production (pages would link to it).
    dev_domains = _list(env.get("DEV_DOMAINS", "" if production else "localhost"))
    if production and dev_domains:
        raise ConfigError(
            f"DEV_DOMAINS={','.join(dev_domains)} is for development only: unset it when "
            "DESA_ENV=production."
        )
    return {
        "DESA_ENV": "production" if production else "development",
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": _database_url(env.get("DATABASE_URL")),
        # Connections idle this long are pinged before use (see app.database).
        "DATABASE_PING_AFTER_IDLE": float(env.get("DATABASE_PING_AFTER_IDLE") or 10),
        "BASE_DOMAIN": base_domain,
        # Development domains: <slug>.localhost works in browsers without /etc/hosts.
        "DEV_DOMAINS": dev_domains,
        # The scheme of every absolute URL the platform writes (links, feeds, sitemaps).
        "PREFERRED_URL_SCHEME": (env.get("PREFERRED_URL_SCHEME")
                                 or ("https" if production else "http")).lower(),
        # Hosts that show the regency directory besides the base domain and www.
        "PORTAL_EXTRA_HOSTS": _list(env.get("PORTAL_EXTRA_HOSTS", "127.0.0.1,::1")),
        "MEDIA_ROOT": env.get("MEDIA_ROOT") or str(INSTANCE_DIR / "media"),
        "REDIS_URL": env.get("REDIS_URL") or None,
        "S3_BUCKET": env.get("S3_BUCKET") or None,
        "S3_ENDPOINT_URL": env.get("S3_ENDPOINT_URL") or None,
        "S3_PREFIX": env.get("S3_PREFIX", ""),
        "S3_REGION": env.get("S3_REGION") or env.get("AWS_DEFAULT_REGION") or "ap-southeast-3",
        "LOG_LEVEL": (env.get("LOG_LEVEL") or "INFO").upper(),
        # Number of reverse proxies in front of the app whose X-Forwarded-* we trust.
        "PROXY_COUNT": int(env.get("PROXY_COUNT") or 0),
        # Regency whose villages the portal directory lists ("ALL": every village).
        "PORTAL_REGENCY": env.get("PORTAL_REGENCY", "35.23"),
        "TENANT_DEFAULT_STATUS": env.get("TENANT_DEFAULT_STATUS", "active"),
        # Cache of anonymous public pages (PAGE_CACHE=0 disables it, e.g. for benchmarks).
        "PAGE_CACHE": _bool(env.get("PAGE_CACHE"), True),
        # Memory budget of the page cache in each worker (with Redis: of its local copy).
        "PAGE_CACHE_MEMORY_MB": int(env.get("PAGE_CACHE_MEMORY_MB") or 32),
        # Hosts each worker keeps resolved in memory (least recently used out first).
        "TENANT_CACHE_SIZE": int(env.get("TENANT_CACHE_SIZE") or 20_000),
        # The optimisations of app/fastpaths.py (FAST_PATHS=0: the plain paths, same pages).
        "FAST_PATHS": _bool(env.get("FAST_PATHS"), True),
        "POSTS_PER_PAGE": int(env.get("POSTS_PER_PAGE") or 10),
        # Years after closing that a citizen's personal data in a PPID request or a
        # complaint is kept (UU 27/2022: no longer than its purpose needs).
        "PPID_RETENTION_YEARS": int(env.get("PPID_RETENTION_YEARS") or 5),
        # Tile server of the /peta map (a Leaflet URL template); none: no tiles.
        "MAP_TILE_URL": (env.get("MAP_TILE_URL") or "").strip(),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool(env.get("SESSION_COOKIE_SECURE"), production),
        # Failed logins allowed per account and address, and per address (app.auth.ratelimit).
        "LOGIN_LIMITS_PAIR": env.get("LOGIN_LIMITS_PAIR")
        or "5 per 15 minutes; 10 per hour; 20 per day",
        "LOGIN_LIMITS_ADDRESS": env.get("LOGIN_LIMITS_ADDRESS") or "100 per hour",
        # Admin sessions end after this long unused, and this long after login at most.
        "SESSION_IDLE_MINUTES": int(env.get("SESSION_IDLE_MINUTES") or 30),
        "SESSION_LIFETIME_HOURS": int(env.get("SESSION_LIFETIME_HOURS") or 12),
        "MAX_CONTENT_LENGTH": int(env.get("MAX_UPLOAD_MB") or 20) * 1024 * 1024,
        # Outgoing mail (invitations). Without SMTP_HOST the link is shown to the sender.
        "SMTP_HOST": env.get("SMTP_HOST") or None,
        "SMTP_PORT": int(env.get("SMTP_PORT") or 587),
        "SMTP_USERNAME": env.get("SMTP_USERNAME") or None,
        "SMTP_PASSWORD": env.get("SMTP_PASSWORD") or None,
        # starttls (default), ssl (implicit TLS, usually port 465) or none (a local relay).
        "SMTP_SECURITY": (env.get("SMTP_SECURITY") or "starttls").lower(),
        "MAIL_FROM": env.get("MAIL_FROM") or f"Platform Desa <noreply@{base_domain}>",
        "WTF_CSRF_TIME_LIMIT": None,
    }
