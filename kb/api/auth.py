"""Who is calling the API: a bearer token, the browser session, or nobody.

A valid bearer token makes its user ``current_user`` for this request only (the session is not
touched), so every view asks the same :mod:`kb.access` functions as the pages. Writes need an
authenticated caller; a read-scope token gets 403 on writes; a session-authenticated write needs
the CSRF token in ``X-CSRFToken`` (token requests need none: a browser never sends them by itself).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app, g, request
from flask_login import current_user
from flask_wtf.csrf import validate_csrf
from wtforms import ValidationError

from kb.api import tokens
from kb.api.problems import Problem
from kb.codes import N_
from kb.models import ApiToken
from kb.models.token import WRITE
from kb.uow import unit_of_work

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_UNSET = object()


@dataclass(frozen=True)
class Principal:
    method: str  # "anonymous" | "session" | "token"
    token: ApiToken | None = None

    @property
    def scope(self) -> str | None:
        if self.method == "token" and self.token is not None:
            return self.token.scope
        return WRITE if self.method == "session" else None


def _bearer_secret() -> str | None:
    """The secret of ``Authorization: Bearer <secret>``; None without the header.

    :raise Problem: 401 for another scheme or an empty value.
    """
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise Problem(
            401,
            "unauthenticated",
            "Use `Authorization: Bearer <token>`.",
            headers={"WWW-Authenticate": 'Bearer realm="api", error="invalid_request"'},
        )
    return value.strip()


def request_token() -> ApiToken | None:
    """The usable token this request presents, or None (cached; never raises).

    Used by the rate limiter's key function, which runs before authentication.
    """
    cached = g.get("kb_api_token", _UNSET)
    if cached is not _UNSET:
        return cached  # type: ignore[no-any-return]
    try:
        secret = _bearer_secret()
    except Problem:
        secret = None
    token = tokens.find_usable(secret) if secret else None
    g.kb_api_token = token
    return token


def authenticate() -> Principal:
    """Work out the caller and enforce the write rules (before every API view).

    :raise Problem: 401 bad or missing credentials for a write, 403 read scope or CSRF.
    """
    secret = _bearer_secret()
    if secret is not None:
        token = request_token()
        if token is None:
            raise Problem(
                401,
                "invalid-token",
                N_(
                    "The bearer token is unknown, revoked or expired, or its account is not active."
                ),
                headers={"WWW-Authenticate": 'Bearer realm="api", error="invalid_token"'},
            )
        current_app.login_manager._update_request_context_with_user(token.user)  # type: ignore[attr-defined]
        if tokens.touch(token):
            with unit_of_work(index=False):
                pass  # commit the last-used time on its own
        principal = Principal("token", token)
    elif getattr(current_user, "is_authenticated", False) and current_user.is_active:
        principal = Principal("session")
    else:
        principal = Principal("anonymous")
    g.kb_principal = principal
    if request.method not in SAFE_METHODS and request.routing_exception is None:
        _check_write(principal)
    return principal


def _check_write(principal: Principal) -> None:
    if principal.method == "anonymous":
        raise Problem(
            401,
            "unauthenticated",
            N_("Writes need a logged-in user or a bearer token."),
            headers={"WWW-Authenticate": 'Bearer realm="api"'},
        )
    if principal.method == "token" and principal.scope != WRITE:
        raise Problem(
            403,
            "insufficient-scope",
            N_("This token has read scope; writes need a write-scope token."),
            headers={"WWW-Authenticate": 'Bearer realm="api", error="insufficient_scope"'},
        )
    if principal.method == "session" and current_app.config.get("WTF_CSRF_ENABLED", True):
        try:
            validate_csrf(request.headers.get("X-CSRFToken") or request.headers.get("X-CSRF-Token"))
        except ValidationError as err:
            raise Problem(403, "csrf-failed", str(err.args[0] if err.args else err)) from err


def principal() -> Principal:
    found: Any = g.get("kb_principal")
    return found if isinstance(found, Principal) else Principal("anonymous")
