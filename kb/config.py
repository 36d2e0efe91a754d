"""Configuration from ``KB_*`` environment variables (documented in docs/OPERATIONS.md)."""

from __future__ import annotations

import json
import os
import re
import secrets
from pathlib import Path
from typing import Any

#: Every setting that can come from the environment, with its default.
ENV_DEFAULTS: dict[str, str | None] = {
    "KB_DATABASE_URL": None,  # default: sqlite:///<instance>/kb.sqlite3
    "KB_SECRET_KEY": None,  # default: generated once into <instance>/secret_key (0600)
    "KB_SEARCH_BACKEND": "whoosh",
    "KB_SEARCH_DIR": None,  # default: <instance>/search-index
    "KB_SEARCH_LIMITMB": None,  # MB of postings per whoosh writer; default: from memory
    "KB_SEARCH_PROCS": None,  # whoosh rebuild processes; default: from memory and cores
    "KB_SEARCH_URL": None,  # postgres backend; default: KB_DATABASE_URL when it is PostgreSQL
    "KB_SEARCH_TABLE": "search_documents",  # postgres backend: its table (and _vocab, _meta)
    "KB_SECURE_COOKIES": "0",  # set to 1 behind HTTPS
    "KB_LOGIN_MAX_FAILURES": "5",  # failures (per account and address) before sign-in slows down
    "KB_LOGIN_WINDOW_MINUTES": "15",  # how long failures count
    "KB_PROXY_HOPS": "0",  # reverse proxies in front of the app whose X-Forwarded-* to trust
    "KB_REQUIRE_2FA": "0",  # 1: Secretariat accounts must use two-factor sign-in (TOTP)
    "KB_STALE_AFTER_DAYS": "365",
    "KB_PER_PAGE": "20",
    "KB_PUBLIC_URL": "http://127.0.0.1:5000",  # base of links in emails
    "KB_SMTP_HOST": None,  # email notifications are sent only when set
    "KB_SMTP_PORT": "25",
    "KB_SMTP_FROM": "Capacity Exchange <no-reply@capacity.exchange>",
    "KB_MATCH_CONFIG": None,  # JSON object overriding search.matching.MatchConfig fields
    "KB_API_RATE_LIMIT": "120/minute",
    "KB_REDIS_URL": None,  # rate-limit storage shared by workers; default: per-process memory
    "KB_QUEUE_URL": None,  # redis://… : jobs go to Dramatiq workers; default: run in-process
    "KB_JOB_RETRIES": "3",  # retries of a failed job before it is listed as failed
    "KB_EMBEDDED_JOBS": None,  # without a queue: background (after the response) | inline
    "KB_QUEUE_HEARTBEAT_MS": "60000",  # a worker silent this long is dead: its jobs are requeued
    "KB_QUEUE_MAINTENANCE_CHANCE": "10000",  # per million broker calls: look for dead workers
    "KB_WORKER_THREADS": "2",  # jobs run at once by one `flask kb worker`
    "KB_WORKER_STOP_SECONDS": "5",  # on SIGTERM, running jobs may end; then they are requeued
    "KB_MAX_UPLOAD_MB": "10",  # the one upload limit (imports, Word documents)
    "KB_SOFFICE": None,  # LibreOffice for .doc/.odt/.rtf uploads; default: on PATH; "off": none
    "KB_CONVERT_TIMEOUT": "60",  # seconds one LibreOffice conversion may take
    "KB_LOG_FORMAT": "text",  # text | json (one JSON object per line, with the request id)
    "KB_LOG_LEVEL": "INFO",
    "KB_FRAGMENT_CACHE_MB": "16",  # rendered page fragments kept per process (0: none)
}


#: The default of the one upload limit, ``KB_MAX_UPLOAD_MB`` (stated once: ``ENV_DEFAULTS``).
DEFAULT_UPLOAD_MB = int(ENV_DEFAULTS["KB_MAX_UPLOAD_MB"] or 10)
#: Room for a form's other fields next to the largest allowed file.
FORM_OVERHEAD_BYTES = 64 * 1024


def upload_limit_bytes(megabytes: int) -> int:
    return megabytes * 1024 * 1024


def _env(name: str) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else ENV_DEFAULTS[name]


def _int_env(name: str, minimum: int = 0) -> int | None:
    """An integer setting, or None when unset; a clear error names a bad value."""
    raw = _env(name)
    if raw is None:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {raw!r}") from None
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, not {value}")
    return value


def load_secret_key(instance_path: Path) -> str:
    """Return ``KB_SECRET_KEY`` or a key generated once into the instance folder (mode 0600)."""
    configured = _env("KB_SECRET_KEY")
    if configured:
        return configured
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def from_environment(instance_path: Path, secret_key: str | None = None) -> dict[str, Any]:
    """Build the Flask config mapping from the environment (``secret_key`` wins if given)."""
    secure = _env("KB_SECURE_COOKIES") == "1"
    return {
        "SECRET_KEY": secret_key or load_secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": _env("KB_DATABASE_URL")
        or f"sqlite:///{instance_path / 'kb.sqlite3'}",
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SEARCH_BACKEND": _env("KB_SEARCH_BACKEND"),
        "SEARCH_DIR": _env("KB_SEARCH_DIR") or str(instance_path / "search-index"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_DURATION": 14 * 24 * 3600,
        "SEARCH_LIMITMB": _int_env("KB_SEARCH_LIMITMB", minimum=16),
        "SEARCH_PROCS": _int_env("KB_SEARCH_PROCS", minimum=1),
        "SEARCH_URL": _env("KB_SEARCH_URL"),
        "SEARCH_TABLE": _env("KB_SEARCH_TABLE"),
        "LOGIN_MAX_FAILURES": _int_env("KB_LOGIN_MAX_FAILURES", minimum=1),
        "LOGIN_WINDOW_MINUTES": _int_env("KB_LOGIN_WINDOW_MINUTES", minimum=1),
        "PROXY_HOPS": _int_env("KB_PROXY_HOPS", minimum=0),
        "REQUIRE_2FA": _env("KB_REQUIRE_2FA") == "1",
        "STALE_AFTER_DAYS": _int_env("KB_STALE_AFTER_DAYS", minimum=1),
        "PER_PAGE": _int_env("KB_PER_PAGE", minimum=1),
        "PUBLIC_URL": _env("KB_PUBLIC_URL"),
        "SMTP_HOST": _env("KB_SMTP_HOST"),
        "SMTP_PORT": _int_env("KB_SMTP_PORT", minimum=1),
        "SMTP_FROM": _env("KB_SMTP_FROM"),
        "MATCH_CONFIG": json.loads(_env("KB_MATCH_CONFIG") or "{}"),
        "API_RATE_LIMIT": _env("KB_API_RATE_LIMIT"),
        "REDIS_URL": _env("KB_REDIS_URL"),
        "QUEUE_URL": _env("KB_QUEUE_URL"),
        "JOB_RETRIES": _int_env("KB_JOB_RETRIES", minimum=0),
        "EMBEDDED_JOBS": _env("KB_EMBEDDED_JOBS"),
        "QUEUE_HEARTBEAT_MS": _int_env("KB_QUEUE_HEARTBEAT_MS", minimum=1000),
        "QUEUE_MAINTENANCE_CHANCE": _int_env("KB_QUEUE_MAINTENANCE_CHANCE", minimum=1),
        "WORKER_THREADS": _int_env("KB_WORKER_THREADS", minimum=1),
        "WORKER_STOP_SECONDS": _int_env("KB_WORKER_STOP_SECONDS", minimum=0),
        "MAX_UPLOAD_MB": _int_env("KB_MAX_UPLOAD_MB", minimum=1),
        "SOFFICE": _env("KB_SOFFICE"),
        "CONVERT_TIMEOUT": _int_env("KB_CONVERT_TIMEOUT", minimum=1),
        "LOG_FORMAT": _env("KB_LOG_FORMAT"),
        "LOG_LEVEL": _env("KB_LOG_LEVEL"),
        "FRAGMENT_CACHE_MB": _int_env("KB_FRAGMENT_CACHE_MB", minimum=0),
        # a request body may hold the largest allowed file plus the form's other fields
        "MAX_CONTENT_LENGTH": upload_limit_bytes(
            _int_env("KB_MAX_UPLOAD_MB", minimum=1) or DEFAULT_UPLOAD_MB
        )
        + FORM_OVERHEAD_BYTES,
        "WTF_CSRF_TIME_LIMIT": None,
    }


def check_search(config: dict[str, Any]) -> None:
    """Complete and check the search settings once overrides are applied.

    The postgres backend needs a PostgreSQL URL: ``KB_SEARCH_URL``, else the app's database
    when that is PostgreSQL.  Anything else stops the app at start-up with a message."""
    if config.get("SEARCH_BACKEND") != "postgres":
        return
    url = config.get("SEARCH_URL") or ""
    database = str(config.get("SQLALCHEMY_DATABASE_URI") or "")
    if not url and database.startswith("postgresql"):
        url = config["SEARCH_URL"] = database
    if not str(url).startswith(("postgresql", "postgres://")):
        raise ValueError(
            "KB_SEARCH_BACKEND=postgres needs a PostgreSQL database: set KB_SEARCH_URL "
            "(postgresql+psycopg://user@host/db) or use PostgreSQL for KB_DATABASE_URL"
        )
    table = str(config.get("SEARCH_TABLE") or "")
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,29}", table):
        raise ValueError(
            f"KB_SEARCH_TABLE must be a lowercase SQL name of up to 30 characters, not {table!r}"
        )
