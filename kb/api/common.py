"""Helpers shared by the API resources: pages with totals and links, ETags, JSON bodies.

New resources (matches, notifications) reuse these: ``load_visible`` for the parent record,
``ApiPage`` for lists, ``json_body`` for input and ``record_etag``/``check_if_match`` for
conditional updates.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any, TypeVar

from flask import Response, current_app, json, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from marshmallow import Schema
from sqlalchemy import Select, update

from kb import access
from kb.api.problems import Problem
from kb.codes import N_
from kb.errors import NotFound
from kb.extensions import db
from kb.models import CatalogueRecord
from kb.views import Rows, as_rows

MAX_INT = 2**31 - 1
T = TypeVar("T")

# --- loading --------------------------------------------------------------------------------


def get_or_404(model: type[T], ident: int, message: str | None = None) -> T:
    """The row with this id; 404 (with ``message``, a translatable text) when there is none."""
    obj = db.session.get(model, ident) if 0 < ident <= MAX_INT else None
    if obj is None:
        raise NotFound(message or _l("No such resource."))
    return obj


def load_visible(model: type[T], record_id: int) -> T:
    """The record, or 404 when it does not exist *or* the caller may not see it (as the UI)."""
    record = db.session.get(model, record_id) if 0 < record_id <= MAX_INT else None
    if record is None or not access.can_view(current_user, record):  # type: ignore[arg-type]
        raise NotFound(_l("No such record, or you may not see it."))
    return record


# --- pagination -----------------------------------------------------------------------------


def per_page(args: Mapping[str, Any]) -> int:
    return int(args.get("per_page") or current_app.config["PER_PAGE"])


def page_links(page: int, pages: int) -> dict[str, str | None]:
    """Absolute links to this list's self, first, last, prev and next pages (same filters)."""
    args = request.args.to_dict(flat=False)
    view_args = request.view_args or {}

    def link(number: int) -> str:
        return url_for(
            request.endpoint or "", **view_args, **{**args, "page": [str(number)]}, _external=True
        )

    return {
        "self": link(page),
        "first": link(1),
        "last": link(pages),
        "prev": link(min(page - 1, pages)) if page > 1 else None,
        "next": link(page + 1) if page < pages else None,
    }


def link_header(links: Mapping[str, str | None]) -> str:
    return ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items() if url)


class ApiPage:
    """One page of a query with the total from a count query (never ``len()`` of all rows).

    Unlike the HTML pages, a page past the end is empty rather than clamped to the last page.
    """

    def __init__(self, query: Select[Any] | Rows, page: int, size: int) -> None:
        rows = as_rows(query)
        self.total: int = rows.count()
        self.page, self.per_page = page, size
        self.pages = max(math.ceil(self.total / size), 1)
        self.items: list[Any] = rows.fetch((page - 1) * size, size) if page <= self.pages else []

    @classmethod
    def of_list(cls, items: list[Any], page: int, size: int) -> ApiPage:
        """The same for a short list already in memory (e.g. a record's revisions)."""
        self = cls.__new__(cls)
        self.total, self.page, self.per_page = len(items), page, size
        self.pages = max(math.ceil(self.total / size), 1)
        self.items = items[(page - 1) * size : page * size]
        return self

    def envelope(self) -> dict[str, Any]:
        return {
            "items": self.items,
            "total": self.total,
            "page": self.page,
            "per_page": self.per_page,
            "pages": self.pages,
            "links": page_links(self.page, self.pages),
        }

    def headers(self) -> dict[str, str]:
        return {
            "X-Total-Count": str(self.total),
            "Link": link_header(page_links(self.page, self.pages)),
        }


def page_response(schema: Schema, page: ApiPage) -> Response:
    """A page as the API answers it (``schema``'s JSON of its envelope, with its headers):
    what :func:`kb.fragments.json_response` keeps."""
    response = current_app.json.response(schema.dump(page.envelope()))
    response.headers.update(page.headers())
    return response


PAGE_HEADERS = {
    "X-Total-Count": {"description": "Items over all pages.", "schema": {"type": "integer"}},
    "Link": {"description": "RFC 8288 first, last, prev, next.", "schema": {"type": "string"}},
}


# --- ETags ----------------------------------------------------------------------------------


def record_etag(record: CatalogueRecord, schema: Schema) -> str:
    """A strong ETag over the record's representation (without its links)."""
    data = schema.dump(record)
    data.pop("links", None)
    digest = hashlib.sha256(json.dumps(data, sort_keys=True).encode("utf-8")).hexdigest()
    return digest[:32]


def last_modified(record: CatalogueRecord) -> datetime:
    return max(record.updated_at, record.last_confirmed_at)


def record_headers(record: CatalogueRecord, schema: Schema) -> dict[str, str]:
    response = Response()
    response.set_etag(record_etag(record, schema))
    response.last_modified = last_modified(record)
    return {"ETag": response.headers["ETag"], "Last-Modified": response.headers["Last-Modified"]}


def not_modified(record: CatalogueRecord, schema: Schema) -> Response | None:
    """A 304 response when ``If-None-Match`` names the current ETag, else None."""
    if request.if_none_match and request.if_none_match.contains_weak(record_etag(record, schema)):
        response = Response(status=304)
        response.headers.update(record_headers(record, schema))
        return response
    return None


def lock_for_update(record: CatalogueRecord) -> None:
    """Hold the record's row until the unit of work ends, then re-read it.

    A no-op ``UPDATE`` takes the row lock on PostgreSQL and the write lock on SQLite, so a
    concurrent writer waits; the ``If-Match`` check made after this sees the committed version,
    and of two writers holding the same ETag exactly one succeeds (the other gets 412).
    """
    model = type(record)
    db.session.execute(
        update(model).where(model.id == record.id).values(id=model.id),
        execution_options={"synchronize_session": False},
    )
    db.session.refresh(record)


def check_if_match(record: CatalogueRecord, schema: Schema, required: bool = True) -> None:
    """Refuse a lost update: 428 without ``If-Match`` (when required), 412 when it is stale."""
    if not request.if_match:
        if required:
            raise Problem(428, detail=N_("Send If-Match with the ETag you read (GET this record)."))
        return
    if request.if_match.star_tag:
        return
    if not request.if_match.contains(record_etag(record, schema)):
        raise Problem(
            412,
            detail=N_("The record changed since you read it: GET it again and retry."),
            headers=record_headers(record, schema),
        )


IF_MATCH_REQUIRED = {
    "name": "If-Match",
    "in": "header",
    "required": True,
    "description": "The ETag of the version you change. Missing: 428; stale: 412.",
    "schema": {"type": "string"},
}
IF_MATCH_OPTIONAL = {**IF_MATCH_REQUIRED, "required": False}
IF_MATCH_OPTIONAL["description"] = "Optional here; when sent and stale: 412."
IF_NONE_MATCH = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "description": "An ETag you hold: 304 when unchanged.",
    "schema": {"type": "string"},
}
RECORD_HEADERS = {
    "ETag": {
        "description": "Version of the record; send it as If-Match to update.",
        "schema": {"type": "string"},
    },
    "Last-Modified": {"description": "When the record last changed.", "schema": {"type": "string"}},
}


# --- bodies ---------------------------------------------------------------------------------


def json_body(required: bool = True) -> dict[str, Any]:
    """The request's JSON object.

    :raise Problem: 415 not JSON, 400 unreadable, 422 not an object or bad characters.
    """
    raw = request.get_data(cache=True)
    if not raw.strip():
        if required:
            raise Problem(
                422, detail=N_("Send a JSON object."), errors={"_body": [N_("Required.")]}
            )
        return {}
    if not request.is_json:
        raise Problem(415, detail=N_("Send the body as application/json."))
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as err:
        raise Problem(400, detail=N_("The body is not valid JSON.")) from err
    if not isinstance(data, dict):
        raise Problem(
            422, detail=N_("Send a JSON object."), errors={"_body": [N_("Expected an object.")]}
        )
    errors = _unstorable(data)
    if errors:
        raise Problem(422, detail=N_("Some values cannot be stored."), errors=errors)
    return data


def _unstorable(data: Mapping[str, Any]) -> dict[str, list[str]]:
    """Values no database column can hold: NUL characters, lone surrogates, NaN/Infinity."""
    errors: dict[str, list[str]] = {}

    def check(value: Any) -> str | None:
        if isinstance(value, str):
            if "\x00" in value:
                return N_("Contains a NUL character.")
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return N_("Contains invalid characters.")
        elif isinstance(value, int | float) and not isinstance(value, bool):
            if isinstance(value, float) and not math.isfinite(value):
                return N_("Must be a finite number.")
            if abs(value) > MAX_INT:
                return N_("Number out of range.")
        elif isinstance(value, list):
            return next((m for m in map(check, value) if m), None)
        elif isinstance(value, dict):
            inner = [check(k) for k in value] + [check(v) for v in value.values()]
            return next((m for m in inner if m), None)
        return None

    for key, value in data.items():
        message = check(key) or check(value)
        if message:
            errors[str(key).encode("utf-8", "replace").decode()] = [message]
    return errors
