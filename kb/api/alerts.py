"""Saved searches and their alerts, for the signed-in caller only (the pages' rules)."""

from __future__ import annotations

from typing import Any

from flask import g, url_for
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate
from werkzeug.datastructures import MultiDict

from kb.alerts import operations
from kb.alerts.searches import FREQUENCIES, KINDS, MAX_NAME, SAVED_KINDS, results_path
from kb.api.common import json_body
from kb.api.docs import body_doc, errors
from kb.api.problems import Problem, flatten_messages
from kb.models import SavedSearch
from kb.uow import unit_of_work

blp = Blueprint(
    "api_alerts",
    __name__,
    url_prefix="",
    description="Your saved searches: what they watch, how often you hear of new matches.",
)


class SavedSearchSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    kind = fields.String(metadata={"description": ", ".join(KINDS)})
    params = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "the list's or search page's arguments, {name: [values]}"},
    )
    frequency = fields.String(metadata={"description": ", ".join(FREQUENCIES)})
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    last_sent_at = fields.DateTime(allow_none=True)
    new_last_7_days = fields.Method("_recent")
    links = fields.Method("_links")

    def _recent(self, saved: SavedSearch) -> int:
        if "kb_recent_alerts" not in g:  # one query for the whole list
            g.kb_recent_alerts = operations.recent_counts(current_user)
        return int(g.kb_recent_alerts.get(saved.id, 0))

    def _links(self, saved: SavedSearch) -> dict[str, str]:
        return {
            "self": url_for("api_alerts.saved_search", saved_id=saved.id, _external=True),
            "results": results_path(saved, lambda *a, **k: url_for(*a, _external=True, **k)),
        }


class SavedSearchListSchema(Schema):
    total = fields.Integer()
    items = fields.List(fields.Nested(SavedSearchSchema))


class SavedSearchBodySchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(SAVED_KINDS))
    params = fields.Dict(
        keys=fields.String(validate=validate.Length(max=40)),
        values=fields.List(
            fields.String(validate=validate.Length(max=500)), validate=validate.Length(max=20)
        ),
        load_default=dict,
        metadata={
            "description": 'as in the page\'s address: {"q": ["cert"], "theme": ["cybercrime"]}'
        },
    )
    name = fields.String(load_default="", validate=validate.Length(max=MAX_NAME))
    frequency = fields.String(load_default="app", validate=validate.OneOf(list(FREQUENCIES)))


class SavedSearchPatchSchema(Schema):
    name = fields.String(validate=validate.Length(max=MAX_NAME))
    frequency = fields.String(validate=validate.OneOf(list(FREQUENCIES)))


def _signed_in() -> None:
    if not (current_user.is_authenticated and current_user.is_active):
        raise Problem(401, "unauthenticated", "Log in or send a bearer token.")


def _load(schema: Schema) -> dict[str, Any]:
    try:
        return schema.load(json_body())
    except ValidationError as err:
        raise Problem(422, errors=flatten_messages(err.messages)) from err


def _owned(saved_id: int) -> SavedSearch:
    _signed_in()
    return operations.owned(current_user, saved_id)


@blp.route("/saved-searches", endpoint="saved_searches")
@blp.response(200, SavedSearchListSchema)
@errors(blp, 401)
def saved_searches() -> Any:
    """Your saved searches, newest first, with how many new matches each found in 7 days."""
    _signed_in()
    items = operations.searches_of(current_user)
    return {"total": len(items), "items": items}


@blp.route("/saved-searches", methods=["POST"], endpoint="save_search")
@body_doc(blp, SavedSearchBodySchema)
@blp.response(201, SavedSearchSchema)
@errors(blp, 400, 401, 403, 409, 415, 422)
def save_search() -> Any:
    """Save a filtered list (``requests``, ``programmes``) or a search (``search``); you then
    hear of new records that match it (in the app, or by e-mail at once or in a digest)."""
    body = _load(SavedSearchBodySchema())
    args = MultiDict([(k, v) for k, values in body["params"].items() for v in values])
    with unit_of_work():
        saved = operations.save_search(
            current_user, body["kind"], args, body["name"], body["frequency"]
        )
    return saved, 201


@blp.route("/saved-searches/<int:saved_id>", endpoint="saved_search")
@blp.response(200, SavedSearchSchema)
@errors(blp, 401, 404)
def saved_search(saved_id: int) -> Any:
    """One of your saved searches."""
    return _owned(saved_id)


@blp.route("/saved-searches/<int:saved_id>", methods=["PATCH"], endpoint="update_saved_search")
@body_doc(blp, SavedSearchPatchSchema)
@blp.response(200, SavedSearchSchema)
@errors(blp, 400, 401, 403, 404, 415, 422)
def update_saved_search(saved_id: int) -> Any:
    """Rename a saved search or change how often you hear of it (``app`` stops e-mails)."""
    saved = _owned(saved_id)
    body = _load(SavedSearchPatchSchema())
    with unit_of_work():
        operations.update_search(
            saved, body.get("name", saved.name), body.get("frequency", saved.frequency)
        )
    return saved


@blp.route(
    "/saved-searches/<int:saved_id>/delete", methods=["POST"], endpoint="delete_saved_search"
)
@blp.response(204)
@errors(blp, 401, 403, 404)
def delete_saved_search(saved_id: int) -> Any:
    """Delete a saved search and its alerts (a POST, as on the page: no route of the API
    uses the DELETE method, so that catalogue records are never deleted by accident)."""
    saved = _owned(saved_id)
    with unit_of_work():
        operations.delete_search(saved)
    return ""
