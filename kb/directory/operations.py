"""Organisations: created and edited by the Secretariat, with history.

A change of name, acronym or type rewrites the search documents of the organisation's
programmes (they carry its name and type).
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from sqlalchemy import func, select

from kb import access
from kb.catalogue.operations import field_messages
from kb.catalogue.schemas import OrganisationInputSchema
from kb.errors import Conflict, Forbidden, Invalid
from kb.extensions import db
from kb.history import apply_changes, json_safe, queue_for_index, record_revision
from kb.models import Country, Organisation, Programme, User
from kb.models.types import utcnow


def _load(data: dict[str, Any]) -> dict[str, Any]:
    cleaned = {k: (v.strip() or None) if isinstance(v, str) else v for k, v in data.items()}
    cleaned["description"] = cleaned.get("description") or ""
    try:
        values = OrganisationInputSchema().load(cleaned)
    except ValidationError as err:
        raise Invalid(
            _l("Please correct the fields marked."), field_messages(err.messages)
        ) from err
    if values.get("country_code") and db.session.get(Country, values["country_code"]) is None:
        raise Invalid(_l("Unknown country."), {"country_code": [_l("Unknown country code.")]})
    return values


def _check_unique_name(name: str, own_id: int | None) -> None:
    query = select(Organisation.id).where(func.lower(Organisation.name) == name.lower())
    found = db.session.scalar(query)
    if found is not None and found != own_id:
        message = _l("An organisation with this name exists.")
        raise Conflict(message, {"name": [message]})


def create_organisation(
    actor: User,
    data: dict[str, Any],
    external_key: str | None = None,
    comment: str | None = None,
) -> Organisation:
    """Add an organisation (``external_key``: the key of an imported row; ``comment``: on the
    revision).

    :raise Forbidden: not Secretariat. :raise Invalid: bad fields. :raise Conflict: name taken.
    """
    if not access.is_secretariat(actor):
        raise Forbidden(_l("Only the Secretariat adds organisations."))
    values = _load(data)
    _check_unique_name(values["name"], None)
    org = Organisation(**values, external_key=external_key)
    db.session.add(org)
    db.session.flush()
    changes = {k: [None, json_safe(v)] for k, v in values.items()}
    record_revision(org, actor, "created", changes, comment)
    return org


def update_organisation(
    actor: User, org: Organisation, data: dict[str, Any], comment: str | None = None
) -> dict[str, Any]:
    """Apply an edit; reindex the organisation's programmes when what they show changed."""
    if not access.is_secretariat(actor):
        raise Forbidden(_l("Only the Secretariat edits organisations."))
    values = _load(data)
    _check_unique_name(values["name"], org.id)
    changes = apply_changes(org, values)  # type: ignore[arg-type]
    if changes:
        org.updated_at = utcnow()
        db.session.flush()
        record_revision(org, actor, "edited", changes, comment)
        if {"name", "acronym", "type"} & set(changes):
            query = select(Programme.id).where(Programme.organisation_id == org.id)
            for programme_id in db.session.scalars(query):
                queue_for_index("programme", programme_id)
    return changes
