"""Requests and programmes: list, read, create, update, history and lifecycle actions.

One blueprint per kind, built from :data:`KINDS` (as the HTML pages do), so each kind has its
own paths and schemas in the spec. Views parse, load with the caller's visibility (404 as the
pages), ask :mod:`kb.access`, call one operation inside ``unit_of_work`` and serialise.
Record-level resources added later (e.g. ``/requests/<id>/matches``) go in their own module
and reuse ``load_visible`` and ``ApiPage`` from :mod:`kb.api.common`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Response
from flask.views import MethodView
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError

from kb import access, fragments
from kb.api import schemas
from kb.api.common import (
    IF_MATCH_OPTIONAL,
    IF_MATCH_REQUIRED,
    IF_NONE_MATCH,
    PAGE_HEADERS,
    RECORD_HEADERS,
    ApiPage,
    check_if_match,
    json_body,
    load_visible,
    lock_for_update,
    not_modified,
    page_response,
    per_page,
    record_headers,
)
from kb.api.docs import body_doc, errors, partial_schema
from kb.api.problems import Problem, flatten_messages
from kb.catalogue import operations, queries
from kb.errors import Forbidden, Invalid
from kb.history import revisions_for
from kb.models import CatalogueRecord, Programme, Request
from kb.uow import unit_of_work

RECORD_ID = "<int(min=1, max=2147483647):record_id>"


@dataclass(frozen=True)
class ApiKind:
    kind: str
    plural: str
    model: type[Request] | type[Programme]
    create: Callable[..., CatalogueRecord]
    query: Callable[..., Any]
    may_create: Callable[[Any], bool]
    body: type[Schema]
    output: type[Schema]
    page: type[Schema]
    filters: type[Schema]


KINDS = (
    ApiKind(
        "request",
        "requests",
        Request,
        operations.create_request,
        queries.request_query,
        access.can_create_request,
        schemas.RequestBodySchema,
        schemas.ApiRequestSchema,
        schemas.RequestPageSchema,
        schemas.RequestFilterArgsSchema,
    ),
    ApiKind(
        "programme",
        "programmes",
        Programme,
        operations.create_programme,
        queries.programme_query,
        access.can_create_programme,
        schemas.ProgrammeBodySchema,
        schemas.ApiProgrammeSchema,
        schemas.ProgrammePageSchema,
        schemas.ProgrammeFilterArgsSchema,
    ),
)


def build_blueprint(kind: ApiKind) -> Blueprint:
    blp = Blueprint(
        f"api_{kind.plural}",
        __name__,
        url_prefix=f"/{kind.plural}",
        description=f"{kind.plural.capitalize()}: what the caller may see, as on the pages.",
    )
    output = kind.output()
    page_schema = kind.page()
    patch_body = partial_schema(kind.body)
    actions = sorted(operations.TRANSITIONS[kind.kind])

    @blp.route("", endpoint="records")
    class Records(MethodView):
        @blp.arguments(kind.filters, location="query")
        @blp.response(200, kind.page, headers=PAGE_HEADERS)
        @errors(blp, 422)
        def get(self, args: dict[str, Any]) -> Any:
            """List with the pages' filters and sorts; totals count only what you may see."""
            filters = queries.Filters.from_args(args, kind.kind)
            if filters.ignored:
                raise Invalid(
                    _l("Unknown code."), {name: [_l("Unknown code.")] for name in filters.ignored}
                )

            def render() -> Response:
                page = ApiPage(kind.query(current_user, filters), args["page"], per_page(args))
                return page_response(page_schema, page)

            return fragments.json_response(f"api-{kind.plural}", render)

        @body_doc(blp, kind.body)
        @blp.response(201, kind.output, headers=RECORD_HEADERS)
        @errors(blp, 400, 401, 403, 413, 415, 422)
        def post(self) -> Any:
            """Create a draft (focal points: their state's requests; providers: their
            organisation's programmes; the Secretariat: any)."""
            if not kind.may_create(current_user):
                raise Forbidden(
                    _l("Your role may not create requests.")
                    if kind.plural == "requests"
                    else _l("Your role may not create programmes.")
                )
            data = json_body()
            with unit_of_work():
                record = kind.create(current_user, data)
            headers = record_headers(record, output)
            headers["Location"] = output.dump(record)["links"]["self"]
            return record, 201, headers

    @blp.route(f"/{RECORD_ID}", endpoint="record")
    class Record(MethodView):
        @blp.doc(parameters=[IF_NONE_MATCH])
        @blp.response(200, kind.output, headers=RECORD_HEADERS)
        @blp.alt_response(304, description="Not modified (your ETag is current).")
        @errors(blp, 404)
        def get(self, record_id: int) -> Any:
            """One record (404 when it does not exist or you may not see it)."""
            record = load_visible(kind.model, record_id)
            return not_modified(record, output) or (record, 200, record_headers(record, output))

        @blp.doc(parameters=[IF_MATCH_REQUIRED])
        @body_doc(blp, patch_body)
        @blp.response(200, kind.output, headers=RECORD_HEADERS)
        @errors(blp, 400, 401, 403, 404, 412, 413, 415, 422, 428)
        def patch(self, record_id: int) -> Any:
            """Change some fields. Requires `If-Match` (428 without it, 412 when stale)."""
            record = load_visible(kind.model, record_id)
            if not access.can_edit(current_user, record):
                raise Forbidden(_l("You may not edit this record."))
            check_if_match(record, output)
            patch = json_body()
            with unit_of_work():
                lock_for_update(record)
                check_if_match(record, output)
                # Validate the resulting record, not only the fields sent (e.g. date order).
                data = {**kind.body().dump(record), **patch}
                operations.update_record(current_user, record, data)
            return record, 200, record_headers(record, output)

    @blp.route(f"/{RECORD_ID}/revisions", endpoint="revisions")
    @blp.arguments(schemas.PageArgsSchema, location="query")
    @blp.response(200, schemas.RevisionPageSchema, headers=PAGE_HEADERS)
    @errors(blp, 403, 404, 422)
    def revisions(args: dict[str, Any], record_id: int) -> Any:
        """The record's history, newest first: the owner and the Secretariat only (else 403)."""
        record = load_visible(kind.model, record_id)
        if not access.can_see_history(current_user, record):
            raise Forbidden(_l("Only the owner and the Secretariat may see the history."))
        page = ApiPage.of_list(revisions_for(record), args["page"], per_page(args))
        return page.envelope(), 200, page.headers()

    @blp.route(f"/{RECORD_ID}/actions", endpoint="actions")
    @blp.response(200, schemas.ActionListSchema)
    @errors(blp, 404)
    def allowed_actions(record_id: int) -> Any:
        """The lifecycle actions you may apply now (empty for anonymous callers)."""
        record = load_visible(kind.model, record_id)
        items = [
            {"name": name, **vars(t)}
            for name, t in operations.allowed_actions(current_user, record)
        ]
        return {"status": record.status, "items": items}

    @blp.route(f"/{RECORD_ID}/actions/<any({', '.join(actions)}):action>", methods=["POST"])
    @blp.doc(parameters=[IF_MATCH_OPTIONAL])
    @body_doc(blp, schemas.ActionBodySchema, required=False)
    @blp.response(200, kind.output, headers=RECORD_HEADERS)
    @errors(blp, 400, 401, 403, 404, 409, 412, 413, 415, 422)
    def apply_action(record_id: int, action: str) -> Any:
        """Apply a lifecycle action (see `GET …/actions`); `return` needs a comment.

        409 when the record's status does not allow it; 403 when your role may not.
        """
        record = load_visible(kind.model, record_id)
        try:
            body = schemas.ActionBodySchema().load(json_body(required=False))
        except ValidationError as err:
            raise Problem(422, errors=flatten_messages(err.messages)) from err
        check_if_match(record, output, required=False)
        with unit_of_work():
            lock_for_update(record)
            check_if_match(record, output, required=False)
            operations.change_status(current_user, record, action, body["comment"])
        return record, 200, record_headers(record, output)

    @blp.route(f"/{RECORD_ID}/confirm", methods=["POST"])
    @blp.response(200, kind.output, headers=RECORD_HEADERS)
    @errors(blp, 401, 403, 404)
    def confirm(record_id: int) -> Any:
        """The owner says the record is still current (resets the freshness clock)."""
        record = load_visible(kind.model, record_id)
        with unit_of_work():
            operations.confirm_current(current_user, record)
        return record, 200, record_headers(record, output)

    if kind.kind == "request":

        @blp.route(f"/{RECORD_ID}/suggestions/accept", methods=["POST"])
        @blp.doc(parameters=[IF_MATCH_OPTIONAL])
        @blp.response(200, kind.output, headers=RECORD_HEADERS)
        @errors(blp, 401, 403, 404, 412, 422)
        def accept_suggestions(record_id: int) -> Any:
            """A need posted in prose: its `suggested_themes` and `suggested_support_types`
            become its `themes` and `support_types` (the requesting state or the
            Secretariat; one revision). To choose other codes, `PATCH` them instead."""
            record = load_visible(kind.model, record_id)
            check_if_match(record, output, required=False)
            with unit_of_work():
                lock_for_update(record)
                check_if_match(record, output, required=False)
                operations.accept_suggestions(current_user, record)
            return record, 200, record_headers(record, output)

    return blp


BLUEPRINTS = [build_blueprint(kind) for kind in KINDS]
