"""Cross-cutting web concerns: error pages, security headers, template helpers."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import Flask, Response, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from kb import access, codes, history
from kb.api import problems
from kb.errors import DomainError
from kb.extensions import db

#: A CSP that the pages satisfy: no inline scripts or styles, everything from this origin.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'; "
    "object-src 'none'"
)


def init_app(app: Flask) -> None:
    app.after_request(_security_headers)
    app.teardown_request(_rollback_on_error)
    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)
    app.jinja_env.globals.update(codes=codes, access=access, is_stale=is_stale, today=date.today)
    app.jinja_env.filters["label"] = lambda value, table: codes.label(getattr(codes, table), value)
    app.jinja_env.filters["when"] = _format_when
    app.jinja_env.filters["revision_sentence"] = history.sentence


def _security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if "text/html" in response.content_type:
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _rollback_on_error(exc: BaseException | None) -> None:
    if exc is not None:
        db.session.rollback()


def _render_error(status: int, title: str, message: str) -> tuple[str, int]:
    return render_template("error.html", status=status, title=title, message=message), status


def _domain_error(err: DomainError) -> Any:
    if problems.is_api_request():
        return problems.problem_for(err)
    db.session.rollback()
    titles = {403: "Not allowed", 404: "Not found", 409: "Not possible now", 422: "Invalid input"}
    return _render_error(err.status_code, titles.get(err.status_code, "Error"), err.message)


def _csrf_error(err: CSRFError) -> Any:
    if problems.is_api_request():
        return problems.problem_response(403, slug="csrf-failed", detail=err.description or "")
    return _render_error(
        400, "Form expired", "The form was too old or incomplete. Go back, reload and try again."
    )


def _http_error(err: HTTPException) -> Any:
    if problems.is_api_request():
        return problems.problem_for(err)
    if err.code is None or err.code < 400:
        return err
    return _render_error(err.code, err.name, err.description or "")


def _unexpected_error(err: Exception) -> Any:
    if problems.is_api_request():
        return problems.problem_for(err)
    db.session.rollback()
    ref = secrets.token_hex(6)
    from flask import current_app

    current_app.logger.exception("Unhandled error (ref %s)", ref)
    return _render_error(
        500,
        "Something went wrong",
        f"The error was logged with reference {ref}. Nothing was saved.",
    )


def _format_when(value: datetime | None) -> str:
    if value is None:
        return "—"
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.strftime("%d %b %Y")


def is_stale(record: Any) -> bool:
    from flask import current_app

    limit = timedelta(days=current_app.config["STALE_AFTER_DAYS"])
    confirmed = record.last_confirmed_at
    if confirmed.tzinfo is None:
        confirmed = confirmed.replace(tzinfo=UTC)
    return datetime.now(UTC) - confirmed > limit
