"""A form posted with a body over the one upload limit (``KB_MAX_UPLOAD_MB``) gets its own
page back, the file field saying the limit (413), rather than a bare error page.

Werkzeug refuses such a body when anything first reads the form, which is the CSRF check
before any view runs; so the error handler (``kb.web``) asks here for the page of the form
that was posted. Each upload view registers the function that draws its empty form with the
message (:func:`form_page_for`); that function checks access as the view does and never
reads the request's body.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import request

FormPage = Callable[..., Any]

_PAGES: dict[str, FormPage] = {}


def form_page_for(endpoint: str) -> Callable[[FormPage], FormPage]:
    """Register the function drawing ``endpoint``'s form after a body over the limit. It
    takes the view's URL arguments and returns the page (status 413), a redirect to sign in
    or an ``abort`` as the view would."""

    def register(page: FormPage) -> FormPage:
        _PAGES[endpoint] = page
        return page

    return register


def too_large_page() -> Any | None:
    """The form page of this request's endpoint, or None (then the plain error page)."""
    page = _PAGES.get(request.endpoint or "")
    if page is None or request.method != "POST":
        return None
    return page(**(request.view_args or {}))
