"""The REST API under ``/api/v1``: flask-smorest blueprints over the same operations, queries
and access rules as the pages, plus personal API tokens and the interactive docs.

``init_app`` wires, in this order: request ids and response headers, the rate limiter (API
paths only), authentication, the OpenAPI spec and the blueprints. Add a resource by writing a
module with a flask-smorest ``Blueprint`` and listing it in :func:`_blueprints`.
"""

from __future__ import annotations

import time
from typing import Any

from flask import Flask, Response, current_app, g, request
from flask_limiter import Limiter
from flask_smorest import Blueprint
from limits import parse_many

from kb.api.problems import API_PREFIX, request_id

API_V1 = "/api/v1"


def init_app(app: Flask) -> None:
    from kb.api.docs import SECURITY_SCHEMES, KbApi
    from kb.api.meta import docs_page
    from kb.api.tokens_page import bp as tokens_bp
    from kb.extensions import csrf

    app.config.setdefault("API_TITLE", "Capacity Exchange API")
    app.config.setdefault("API_VERSION", "1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", API_V1)
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault(
        "API_SPEC_OPTIONS",
        {
            "info": {
                "description": "ICT-security capacity-building requests and programmes. "
                "Errors are RFC 9457 problem details; see docs/API.md. This reference is "
                "in English; the responses speak the request's Accept-Language (ar, en, es, "
                "fr, ru, zh): problem titles and details, validation messages and the labels "
                "of the code lists."
            },
            "servers": [{"url": "/"}],
            "security": [{"bearerAuth": []}, {"cookieAuth": []}, {}],
        },
    )

    app.before_request(_start)
    app.after_request(_finish)
    _init_limiter(app)
    app.before_request(_authenticate)

    api = KbApi(app)
    for name, scheme in SECURITY_SCHEMES.items():
        api.spec.components.security_scheme(name, scheme)
    for blp in _blueprints():
        csrf.exempt(blp)  # checked in kb.api.auth for session-authenticated writes only
        api.register_blueprint(blp, url_prefix=API_V1 + (blp.url_prefix or ""))
    app.extensions["kb_api"] = api
    app.register_blueprint(docs_page)
    app.register_blueprint(tokens_bp, url_prefix="/account/tokens")


def _blueprints() -> list[Blueprint]:
    from kb.api import (
        alerts,
        codes,
        consultations,
        directory,
        initiatives,
        matching,
        meta,
        records,
        search,
    )

    return [
        meta.blp,
        *records.BLUEPRINTS,
        matching.blp,
        directory.blp,
        consultations.blp,
        initiatives.blp,
        alerts.blp,
        search.blp,
        codes.blp,
    ]


def _is_api() -> bool:
    return request.path.startswith(API_PREFIX)


def _start() -> None:
    # Tests may reuse one app context for several requests: start from a clean slate.
    for key in ("kb_request_id", "kb_api_token", "kb_principal"):
        g.pop(key, None)
    if _is_api():
        request_id()


def _authenticate() -> None:
    if _is_api():
        from kb.api.auth import authenticate

        authenticate()


def _finish(response: Response) -> Response:
    if not _is_api():
        return response
    response.headers["X-Request-ID"] = request_id()
    response.headers.setdefault("Cache-Control", "private, no-cache")
    response.vary.update({"Authorization", "Cookie"})
    try:
        _rate_limit_headers(response)
    except Exception:  # storage unreachable: the limiter already logged it
        current_app.logger.warning("Rate-limit headers unavailable", exc_info=True)
    return response


def _rate_limit_headers(response: Response) -> None:
    limiter = _limiter()
    current = limiter.current_limit if limiter is not None else None
    if current is None:
        return
    reset_in = max(int(current.reset_at - time.time()), 0)
    response.headers["X-RateLimit-Limit"] = str(current.limit.amount)
    response.headers["X-RateLimit-Remaining"] = str(current.remaining)
    response.headers["X-RateLimit-Reset"] = str(reset_in)
    if response.status_code == 429:
        response.headers["Retry-After"] = str(max(reset_in, 1))


# --- rate limits ----------------------------------------------------------------------------


def _limiter() -> Limiter | None:
    found: Any = current_app.extensions.get("kb_limiter")
    return found if isinstance(found, Limiter) else None


def rate_limit_key() -> str:
    """Per token for valid bearer tokens, else per client address."""
    from kb.api.auth import request_token

    token = request_token()
    return f"token:{token.id}" if token is not None else f"ip:{request.remote_addr or '-'}"


def _init_limiter(app: Flask) -> None:
    """One limiter per app (tests build many apps), shared by every API path."""
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "kb-api")
    # If Redis is down, serve (unlimited, logged) rather than fail every API call.
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    app.config.setdefault("API_RATE_LIMIT", "120/minute")
    parse_many(str(app.config["API_RATE_LIMIT"]))  # a typo fails at start, not per request
    limiter = Limiter(
        rate_limit_key,
        application_limits=[lambda: str(app.config["API_RATE_LIMIT"])],
        application_limits_exempt_when=lambda: not _is_api(),
        headers_enabled=False,
    )
    limiter.init_app(app)
    app.extensions["kb_limiter"] = limiter
