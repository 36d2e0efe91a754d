"""Cross-cutting web concerns: error pages, security headers, template helpers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import Flask, Response, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from werkzeug.exceptions import HTTPException

from kb import access, codes, history
from kb.api import problems
from kb.codes import N_
from kb.errors import DomainError
from kb.extensions import db
from kb.i18n import current_language, direction
from kb.places import eligible as eligible_places

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
    app.jinja_env.filters["revision_sentence"] = history.sentence
    app.jinja_env.globals["change_text"] = history.change_text
    app.jinja_env.filters["eligible_place"] = eligible_places.label


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
    titles = {
        403: _("Not allowed"),
        404: _("Not found"),
        409: _("Not possible now"),
        422: _("Invalid input"),
    }
    return _render_error(err.status_code, titles.get(err.status_code, _("Error")), _(err.message))


def _csrf_error(err: CSRFError) -> Any:
    if problems.is_api_request():
        return problems.problem_response(403, slug="csrf-failed", detail=err.description or "")
    return _render_error(
        400,
        _("Form expired"),
        _("The form was too old or incomplete. Go back, reload and try again."),
    )


def _http_error(err: HTTPException) -> Any:
    if problems.is_api_request():
        return problems.problem_for(err)
    if err.code is None or err.code < 400:
        return err
    if err.code == 413:  # the one upload limit (KB_MAX_UPLOAD_MB), in the app's words
        from kb.uploads.safety import too_large_message
        from kb.uploads.too_large import too_large_page

        try:
            page = too_large_page()  # the form that was posted, its file field saying why
        except HTTPException as refused:  # that form's own access rule (403, 404)
            return _http_error(refused)
        if page is not None:
            return page
        return _render_error(413, _("File too large"), too_large_message())
    return _render_error(err.code, http_error_title(err.code, err.name), http_error_text(err))


def _unexpected_error(err: Exception) -> Any:
    if problems.is_api_request():
        return problems.problem_for(err)
    db.session.rollback()
    ref = problems.request_id()
    from flask import current_app

    current_app.logger.exception("Unhandled error (ref %s)", ref)
    title = "Something went wrong"
    message = f"The error was logged with reference {ref}. Nothing was saved."
    lang = "en"
    try:  # choosing the reader's language may read their profile, from the database
        title = _("Something went wrong")
        message = _("The error was logged with reference %(ref)s. Nothing was saved.", ref=ref)
        lang = current_language()
        return _render_error(500, title, message)
    except Exception:  # the page needs what failed (the database is down: the header's
        # cached parts, the signed-in user, their notifications): a page of its own
        current_app.logger.warning("Error page drawn without the layout (ref %s)", ref)
        return _bare_error_page(title, message, lang)


def _bare_error_page(title: str, message: str, lang: str) -> tuple[str, int]:
    """The 500 page without the layout or anything else that may read the database."""
    css = url_for("static", filename="site.css")
    page = (
        f'<!doctype html><html lang="{escape(lang)}" dir="{direction(lang)}"><head>'
        f'<meta charset="utf-8"><title>{escape(title)} · Capacity Exchange</title>'
        f'<link rel="stylesheet" href="{escape(css)}"></head><body>'
        f'<main id="main" class="wrap"><section class="error-page"><h1>{escape(title)}</h1>'
        f"<p>{escape(message)}</p></section></main></body></html>"
    )
    return page, 500


_HTTP_TITLES = {
    400: N_("Bad request"),
    401: N_("Not signed in"),
    403: N_("Not allowed"),
    404: N_("Not found"),
    405: N_("Method not allowed"),
    409: N_("Not possible now"),
    413: N_("File too large"),
    415: N_("Unsupported file type"),
    422: N_("Invalid input"),
    429: N_("Too many requests"),
    500: N_("Something went wrong"),
}


def http_error_title(code: int, name: str) -> str:
    title = _HTTP_TITLES.get(code)
    return _(title) if title else name


def http_error_text(err: HTTPException) -> str:
    """Werkzeug's default descriptions are English; a page that set its own keeps it."""
    default = type(err).description
    if err.description and err.description != default:
        return _(err.description)
    if err.code == 404:
        return _("There is no page at this address, or it is not visible to you.")
    return ""


def is_stale(record: Any) -> bool:
    from flask import current_app

    limit = timedelta(days=current_app.config["STALE_AFTER_DAYS"])
    confirmed = record.last_confirmed_at
    if confirmed.tzinfo is None:
        confirmed = confirmed.replace(tzinfo=UTC)
    return datetime.now(UTC) - confirmed > limit
