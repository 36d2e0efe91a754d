"""Configuration from ``KB_*`` environment variables (documented in docs/OPERATIONS.md)."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

#: Every setting that can come from the environment, with its default.
ENV_DEFAULTS: dict[str, str | None] = {
    "KB_DATABASE_URL": None,  # default: sqlite:///<instance>/kb.sqlite3
    "KB_SECRET_KEY": None,  # default: generated once into <instance>/secret_key (0600)
    "KB_SEARCH_BACKEND": "whoosh",
    "KB_SEARCH_DIR": None,  # default: <instance>/search-index
    "KB_SECURE_COOKIES": "0",  # set to 1 behind HTTPS
    "KB_LOGIN_MAX_FAILURES": "5",
    "KB_LOGIN_WINDOW_MINUTES": "15",
    "KB_STALE_AFTER_DAYS": "365",
    "KB_PER_PAGE": "20",
    "KB_PUBLIC_URL": "http://127.0.0.1:5000",  # base of links in emails
    "KB_SMTP_HOST": None,  # email notifications are sent only when set
    "KB_SMTP_PORT": "25",
    "KB_SMTP_FROM": "Capacity Exchange <no-reply@capacity.exchange>",
    "KB_MATCH_CONFIG": None,  # JSON object overriding search.matching.MatchConfig fields
    "KB_API_RATE_LIMIT": "120/minute",
    "KB_REDIS_URL": None,  # rate-limit storage shared by workers; default: per-process memory
}


def _env(name: str) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else ENV_DEFAULTS[name]


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
        "LOGIN_MAX_FAILURES": int(_env("KB_LOGIN_MAX_FAILURES") or 5),
        "LOGIN_WINDOW_MINUTES": int(_env("KB_LOGIN_WINDOW_MINUTES") or 15),
        "STALE_AFTER_DAYS": int(_env("KB_STALE_AFTER_DAYS") or 365),
        "PER_PAGE": int(_env("KB_PER_PAGE") or 20),
        "PUBLIC_URL": _env("KB_PUBLIC_URL"),
        "SMTP_HOST": _env("KB_SMTP_HOST"),
        "SMTP_PORT": int(_env("KB_SMTP_PORT") or 25),
        "SMTP_FROM": _env("KB_SMTP_FROM"),
        "MATCH_CONFIG": json.loads(_env("KB_MATCH_CONFIG") or "{}"),
        "API_RATE_LIMIT": _env("KB_API_RATE_LIMIT"),
        "REDIS_URL": _env("KB_REDIS_URL"),
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        "WTF_CSRF_TIME_LIMIT": None,
    }
