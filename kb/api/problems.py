"""Errors as RFC 9457 problem details: one JSON shape for every API error, mapped in one place.

``kb.web``'s error handlers hand every error raised under ``/api/`` to :func:`problem_for`.
The body always has ``type``, ``title``, ``status``, ``detail``, ``instance``, ``errors``
(``{field: [messages]}``, possibly empty) and ``request_id``; 5xx are logged with that id and
never show a stack trace.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from flask import Response, current_app, g, json, request, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from kb.codes import N_
from kb.errors import DomainError
from kb.extensions import db

API_PREFIX = "/api/"
PROBLEM_MEDIA_TYPE = "application/problem+json"

#: slug → (status, title, what it means). ``type`` is the URL of ``/api/v1/problems/<slug>``.
PROBLEM_TYPES: dict[str, tuple[int, str, str]] = {
    "bad-request": (
        400,
        N_("Bad request"),
        N_("The request could not be read (e.g. malformed JSON)."),
    ),
    "unauthenticated": (
        401,
        N_("Authentication required"),
        N_("Log in (browser session) or send `Authorization: Bearer <token>`."),
    ),
    "invalid-token": (
        401,
        N_("Invalid token"),
        N_("The bearer token is unknown, revoked or expired, or its account is not active."),
    ),
    "forbidden": (403, N_("Not allowed"), N_("Your role may not do this to this record.")),
    "insufficient-scope": (
        403,
        N_("Token scope too narrow"),
        N_("A read-scope token was used for a write. Create a write-scope token."),
    ),
    "csrf-failed": (
        403,
        N_("CSRF token missing or invalid"),
        N_(
            "Writes authenticated by the session cookie need the `X-CSRFToken` header "
            "(get it from `GET /api/v1/me`). Token-authenticated requests need none."
        ),
    ),
    "not-found": (404, N_("Not found"), N_("No such resource, or you may not see it.")),
    "conflict": (
        409,
        N_("Not possible now"),
        N_("The record's status does not allow this action."),
    ),
    "precondition-failed": (
        412,
        N_("Precondition failed"),
        N_(
            "`If-Match` does not match the current ETag: someone changed the record. "
            "GET it again, reapply your change and retry with the new ETag."
        ),
    ),
    "payload-too-large": (413, N_("Payload too large"), N_("The request body is too large.")),
    "unsupported-media-type": (
        415,
        N_("Unsupported media type"),
        N_("Send request bodies as `application/json`."),
    ),
    "validation-error": (
        422,
        N_("Invalid input"),
        N_("One or more fields are invalid; `errors` lists the messages per field."),
    ),
    "precondition-required": (
        428,
        N_("Precondition required"),
        N_("Updates must send `If-Match` with the ETag of the version they change."),
    ),
    "rate-limited": (
        429,
        N_("Too many requests"),
        N_("The rate limit was reached; retry after `Retry-After` seconds."),
    ),
    "unavailable": (
        503,
        N_("Temporarily unavailable"),
        N_(
            "This part of the service is being prepared (e.g. the search index is being "
            "rebuilt after an update); retry after `Retry-After` seconds."
        ),
    ),
    "internal-error": (
        500,
        N_("Internal error"),
        N_(
            "Something went wrong on our side. It was logged with the `request_id`; "
            "nothing was saved."
        ),
    ),
}
_DEFAULT_SLUGS = {
    400: "bad-request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not-found",
    409: "conflict",
    412: "precondition-failed",
    413: "payload-too-large",
    415: "unsupported-media-type",
    422: "validation-error",
    428: "precondition-required",
    429: "rate-limited",
    500: "internal-error",
    503: "unavailable",
}
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class Problem(HTTPException):
    """An API error raised by the API's own code (auth, preconditions, media types)."""

    def __init__(
        self,
        status: int,
        slug: str | None = None,
        detail: str = "",
        errors: Mapping[str, list[str]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(description=detail)
        self.code = status
        self.slug = slug or _DEFAULT_SLUGS.get(status)
        self.detail = detail
        self.errors = dict(errors or {})
        self.extra_headers = dict(headers or {})


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)


def request_id() -> str:
    """The id of this request: the client's ``X-Request-ID`` if sane, else a new one."""
    rid = g.get("kb_request_id")
    if rid is None:
        incoming = request.headers.get("X-Request-ID", "")
        rid = incoming if _REQUEST_ID.match(incoming) else secrets.token_hex(8)
        g.kb_request_id = rid
    return str(rid)


def type_uri(slug: str | None) -> str:
    if slug is None or slug not in PROBLEM_TYPES:
        return "about:blank"
    return url_for("api_meta.problem_type", slug=slug, _external=True)


def problem_response(
    status: int,
    *,
    slug: str | None = None,
    detail: str = "",
    errors: Mapping[str, list[str]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    slug = slug or _DEFAULT_SLUGS.get(status)
    # title and detail in the language of Accept-Language (kb.i18n); type and errors' keys stay
    title = _(PROBLEM_TYPES[slug][1]) if slug in PROBLEM_TYPES else _phrase(status)
    body = {
        "type": type_uri(slug),
        "title": title,
        "status": status,
        "detail": _(detail)
        if detail
        else (_(PROBLEM_TYPES[slug][2]) if slug in PROBLEM_TYPES else title),
        "instance": request.path,
        # messages marked N_() are worded here; lazy or already worded ones pass unchanged
        "errors": {str(k): [_(str(m)) for m in v] for k, v in (errors or {}).items()},
        "request_id": request_id(),
    }
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_MEDIA_TYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def problem_for(err: BaseException) -> Response | HTTPException:
    """Map any exception raised while serving an API request to a problem response."""
    if isinstance(err, Problem):
        return problem_response(
            err.code or 500,
            slug=err.slug,
            detail=err.detail,
            errors=err.errors,
            headers=err.extra_headers,
        )
    if isinstance(err, DomainError):
        db.session.rollback()
        return problem_response(err.status_code, detail=err.message, errors=err.fields)
    if isinstance(err, HTTPException):
        return _http_problem(err)
    return _server_error(err)


def _http_problem(err: HTTPException) -> Response | HTTPException:
    status = err.code or 500
    if status < 400:
        return err  # 304 Not Modified, redirects
    if status >= 500:
        return _server_error(err)
    data: dict[str, Any] = getattr(err, "data", None) or {}
    errors = flatten_messages(data["messages"]) if "messages" in data else {}
    headers = {k: v for k, v in err.get_headers() if k.lower() in {"allow", "retry-after"}}
    detail = str(data.get("message") or "") or _detail_for(err, status)
    return problem_response(status, detail=detail, errors=errors, headers=headers)


def _detail_for(err: HTTPException, status: int) -> str:
    if status == 422:
        return _("One or more parameters are invalid; see errors.")
    if status == 429:
        return _("Rate limit reached (%(limit)s). Retry later.", limit=err.description)
    if status == 404:
        return _("No such resource, or you may not see it.")
    if status == 413:  # the one upload limit (KB_MAX_UPLOAD_MB), in the app's words
        from kb.uploads.safety import upload_limit

        megabytes = round(upload_limit() / 1048576)
        return _("The request body is too large: the limit is %(limit)s MB.", limit=megabytes)
    return str(err.description or _phrase(status))


def _server_error(err: BaseException) -> Response:
    db.session.rollback()
    rid = request_id()
    current_app.logger.error(
        "API error %s on %s %s", rid, request.method, request.path, exc_info=err
    )
    return problem_response(
        500,
        detail=_("The error was logged with request id %(rid)s. Nothing was saved.", rid=rid),
    )


def flatten_messages(messages: Any) -> dict[str, list[str]]:
    """``{"json": {"themes": {0: ["Unknown code."]}}}`` → ``{"themes": ["Unknown code."]}``.

    The request location level (json, query, …) and list indexes are dropped; nested
    objects join their keys with dots. Messages without a field go under ``_body``.
    """
    flat: dict[str, list[str]] = {}

    def walk(value: Any, key: str) -> None:
        if isinstance(value, Mapping):
            for sub, inner in value.items():
                if isinstance(sub, int) or str(sub).isdigit():
                    walk(inner, key)
                elif not key and sub in {"json", "query", "querystring", "headers", "form"}:
                    walk(inner, "")
                else:
                    walk(inner, f"{key}.{sub}" if key else str(sub))
        elif isinstance(value, list | tuple):
            for inner in value:
                walk(inner, key)
        else:
            flat.setdefault(key or "_body", []).append(str(value))

    walk(messages, "")
    return flat


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
