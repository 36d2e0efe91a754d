"""Operations: the only code that creates or changes requests and programmes.

Each operation validates its input, checks the actor's rights, changes the records, writes a
revision and flushes. None commits: the caller's :func:`kb.uow.unit_of_work` does, once.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError
from sqlalchemy import select

from kb import access, codes
from kb.catalogue import eligibility
from kb.catalogue.schemas import ProgrammeInputSchema, RequestInputSchema
from kb.codes import N_
from kb.errors import Conflict, Forbidden, Invalid
from kb.extensions import db
from kb.history import apply_changes, json_safe, record_revision, record_revisions
from kb.models import CatalogueRecord, Country, Organisation, Programme, Request, Revision, User
from kb.models.catalogue import ENDED
from kb.models.types import utcnow

OWNER, SECRETARIAT, EITHER = "owner", "secretariat", "either"


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str | None  # None: back to the status before withdrawal
    who: str
    needs_comment: bool = False
    label: str = ""
    #: When set, the action is consequential: the page asks for confirmation with this text.
    confirm: str = ""


_WITHDRAW_NOTE = N_(
    "Withdrawing hides this record from everyone but its owner and the Secretariat, and only "
    "the Secretariat can reinstate it."
)
_COMMON = {
    "submit": Transition(
        frozenset({"draft"}), "submitted", OWNER, label=N_("Submit for publication")
    ),
    "publish": Transition(frozenset({"submitted"}), "open", SECRETARIAT, label=N_("Publish")),
    "return": Transition(
        frozenset({"submitted", "open"}), "draft", SECRETARIAT, True, N_("Return to owner")
    ),
    "reinstate": Transition(frozenset({"withdrawn"}), None, SECRETARIAT, label=N_("Reinstate")),
}
TRANSITIONS: dict[str, dict[str, Transition]] = {
    "request": {
        **_COMMON,
        "mark_matched": Transition(
            frozenset({"open"}), "matched", EITHER, label=N_("Mark matched")
        ),
        "start": Transition(
            frozenset({"open", "matched"}), "in_progress", EITHER, label=N_("Start implementation")
        ),
        "fulfil": Transition(
            frozenset({"matched", "in_progress"}), "fulfilled", EITHER, label=N_("Mark fulfilled")
        ),
        "close": Transition(
            frozenset({"open", "matched", "in_progress"}),
            "closed",
            EITHER,
            label=N_("Close"),
            confirm=N_(
                "Closing tells everyone this need is no longer sought; open proposals stop."
            ),
        ),
        "reopen": Transition(frozenset({"closed"}), "open", SECRETARIAT, label=N_("Reopen")),
        "withdraw": Transition(
            frozenset(
                {"draft", "submitted", "open", "matched", "in_progress", "fulfilled", "closed"}
            ),
            "withdrawn",
            EITHER,
            label=N_("Withdraw"),
            confirm=_WITHDRAW_NOTE,
        ),
    },
    "programme": {
        **_COMMON,
        "close": Transition(
            frozenset({"open"}),
            "closed",
            EITHER,
            label=N_("Close"),
            confirm=N_("Closing takes this programme out of matches and lists of open programmes."),
        ),
        "reopen": Transition(frozenset({"closed"}), "open", EITHER, label=N_("Reopen")),
        "withdraw": Transition(
            frozenset({"draft", "submitted", "open", "closed"}),
            "withdrawn",
            EITHER,
            label=N_("Withdraw"),
            confirm=_WITHDRAW_NOTE,
        ),
    },
}


_SCHEMAS = threading.local()


def _schema(cls: type[Schema]) -> Schema:
    """One instance of an input schema per thread (building one costs more than a load)."""
    found: dict[type[Schema], Schema] = _SCHEMAS.__dict__.setdefault("by_class", {})
    if cls not in found:
        found[cls] = cls()
    return found[cls]


def _load(schema: Schema, data: dict[str, Any], partial: bool = False) -> dict[str, Any]:
    cleaned = {k: v.strip() if isinstance(v, str) else v for k, v in data.items()}
    for key in ("url", "contact_email", "acronym", "website"):
        if cleaned.get(key) == "":
            cleaned[key] = None
    try:
        return schema.load(cleaned, partial=partial)
    except ValidationError as err:
        messages = err.messages if isinstance(err.messages, dict) else {"_": err.messages}
        raise Invalid(_l("Please correct the fields marked."), field_messages(messages)) from err


def field_messages(messages: dict[str, Any]) -> dict[str, list[str]]:
    flat: dict[str, list[str]] = {}
    for field, value in messages.items():
        if isinstance(value, dict):  # list fields report per index
            flat[field] = [m for msgs in value.values() for m in msgs]
        else:
            flat[field] = list(value)
    return flat


def _check_request_refs(data: dict[str, Any]) -> None:
    if "country_code" in data and db.session.get(Country, data["country_code"]) is None:
        raise Invalid(_l("Unknown country."), {"country_code": [_l("Unknown country code.")]})


def _check_programme_refs(data: dict[str, Any]) -> None:
    if "organisation_id" in data and db.session.get(Organisation, data["organisation_id"]) is None:
        raise Invalid(
            _l("Unknown organisation."), {"organisation_id": [_l("Unknown organisation.")]}
        )
    unknown = [c for c in data.get("eligible_countries", []) if db.session.get(Country, c) is None]
    if unknown:
        message = _l("Unknown country code(s): %(codes)s.", codes=", ".join(unknown))
        raise Invalid(message, {"eligible_countries": [message]})


def _status_label(record: CatalogueRecord) -> Any:
    """The record's status, worded when the message is read (agreeing with its kind)."""
    return codes.lazy_label(codes.STATUSES_BY_KIND[record.kind], record.status)


def _created(
    record: CatalogueRecord, actor: User | None, data: dict[str, Any], action: str
) -> None:
    db.session.add(record)
    db.session.flush()
    changes = {k: [None, json_safe(v)] for k, v in data.items()}
    changes["status"] = [None, record.status]
    record_revision(record, actor, action, changes)


def create_request(actor: User | None, data: dict[str, Any], **extra: Any) -> Request:
    """Create a draft request.

    ``actor`` None is the trusted loader (seed, import), which may also pass ``extra``
    columns (status, timestamps, external_key).

    :raise Invalid: bad fields. :raise Forbidden: not this state's focal point or Secretariat.
    """
    values = _load(_schema(RequestInputSchema), data)
    if actor is not None and not access.can_create_request(actor, values["country_code"]):
        raise Forbidden(_l("You may only create requests for the state you represent."))
    _check_request_refs(values)
    record = Request(**values, **_defaults(actor, extra))
    suggested = suggest_missing_codes(record)
    _created(record, actor, {**values, **suggested}, "created" if actor else "imported")
    return record


def suggest_missing_codes(record: Request) -> dict[str, Any]:
    """Store codes suggested from the text for each list the owner left empty, and clear
    suggestions for lists the owner filled; return the suggestion fields that changed."""
    fields = ("title", "description", "text_language", "themes", "support_types")
    values = suggested_codes({name: getattr(record, name) for name in fields})
    if record.id is None:  # a new record: every suggestion is a change
        for key, value in values.items():
            setattr(record, key, value)
        return {key: value for key, value in values.items() if value}
    return apply_changes(record, values)


def suggested_codes(values: dict[str, Any]) -> dict[str, list[str]]:
    """``suggested_themes`` / ``suggested_support_types`` of a request with these ``values``:
    codes suggested from the text for a list left empty, none for a list filled in."""
    from search.matching.suggest import suggest_codes

    empty = [field for field in ("themes", "support_types") if not values.get(field)]
    guess = (  # the text is read only when a list is empty (bulk imports: most rows are full)
        suggest_codes(
            values.get("title") or "",
            values.get("description") or "",
            values.get("text_language") or "en",
        )
        if empty
        else {}
    )
    return {
        f"suggested_{field}": list(guess[field]) if field in empty else []
        for field in ("themes", "support_types")
    }


def accept_suggestions(
    actor: User,
    record: Request,
    themes: list[str] | None = None,
    support_types: list[str] | None = None,
) -> dict[str, list[Any]]:
    """The owner or the Secretariat accepts the suggested codes (or the ``themes`` /
    ``support_types`` they chose instead, in one step): they become the request's codes,
    with a revision. Return the changes.

    :raise Forbidden: may not edit. :raise Invalid: unknown codes, or nothing to accept.
    """
    if not access.can_edit(actor, record):
        raise Forbidden(_l("Only the requesting state or the Secretariat can accept suggestions."))
    chosen = {
        "themes": record.suggested_themes if themes is None else themes,
        "support_types": record.suggested_support_types if support_types is None else support_types,
    }
    data = {field: value for field, value in chosen.items() if value}
    if not data:
        raise Invalid(_l("There is nothing to accept."), {"themes": [_l("Choose a theme.")]})
    values = _load(_schema(RequestInputSchema), data, partial=True)
    changes = apply_changes(record, values)
    changes.update(suggest_missing_codes(record))
    if changes:
        record.updated_at = utcnow()
        db.session.flush()
        record_revision(record, actor, "accepted_suggestions", changes)
    return changes


def create_programme(actor: User | None, data: dict[str, Any], **extra: Any) -> Programme:
    """Create a draft programme (``actor`` and ``extra`` as for :func:`create_request`).

    :raise Invalid: bad fields. :raise Forbidden: not this organisation's provider.
    """
    values = _load(_schema(ProgrammeInputSchema), data)
    if actor is not None and not access.can_create_programme(actor, values["organisation_id"]):
        raise Forbidden(_l("You may only create programmes for the organisation you represent."))
    _check_programme_refs(values)
    record = Programme(**values, **_defaults(actor, extra))
    _created(record, actor, values, "created" if actor else "imported")
    return record


def import_records(
    model: type[Request] | type[Programme],
    rows: list[tuple[dict[str, Any], dict[str, Any]]],
    user: User | None = None,
    comment: str | None = None,
) -> list[int]:
    """The trusted loader creates many records at once (bulk imports); return their ids.

    ``rows`` are ``(values, extra)``: ``values`` already loaded by the model's input schema and
    checked against countries and organisations (``kb.transfer.validate`` does both, row by
    row, so that every bad row is reported), ``extra`` the loader's columns: ``external_key``
    (required: the new ids are read back by it), ``status``, ``published_at``,
    ``created_by_id``. Each record gets the ``imported`` revision :func:`create_request` /
    :func:`create_programme` would write, naming ``user`` (None: no one) with ``comment``.
    The records, revisions and search-queue entries are written with one multi-row insert
    each (an ORM flush inserts row by row on SQLite), in the caller's transaction.
    """
    if not rows:
        return []
    table = model.__table__

    records: list[dict[str, Any]] = []
    changes_of: dict[str, dict[str, list[Any]]] = {}
    for values, extra in rows:
        suggested = suggested_codes(values) if model is Request else {}
        record = {**values, **suggested, **_defaults(None, extra)}
        key = str(record["external_key"])
        changes = {k: [None, json_safe(v)] for k, v in values.items()}
        changes.update({k: [None, v] for k, v in suggested.items() if v})
        changes["status"] = [None, record["status"]]
        records.append(record)
        changes_of[key] = changes
    # every row names every column (a multi-row insert): the model's defaults where a row
    # has no value, as the ORM would apply them (timestamps: now)
    defaults: dict[str, Any] = {}
    for column in table.columns:
        default = column.default
        if column.primary_key or default is None:
            continue
        callable_ = getattr(default, "is_callable", False)
        defaults[column.key] = default.arg(None) if callable_ else getattr(default, "arg", None)
    columns = dict.fromkeys([*defaults, *(name for record in records for name in record)])
    db.session.execute(table.insert(), [{**columns, **defaults, **r} for r in records])
    ids: dict[str, int] = {}
    keys = list(changes_of)
    for start in range(0, len(keys), 500):
        query = select(model.id, model.external_key).where(
            model.external_key.in_(keys[start : start + 500])
        )
        ids.update({str(key): record_id for record_id, key in db.session.execute(query)})
    entries = [(ids[key], changes) for key, changes in changes_of.items()]
    record_revisions(model.kind, entries, "imported", user, comment)
    return [record_id for record_id, _ in entries]


def _defaults(actor: User | None, extra: dict[str, Any]) -> dict[str, Any]:
    if actor is not None:
        return {"status": "draft", "created_by_id": actor.id}
    return {"status": "draft", **extra}


def update_record(
    actor: User,
    record: CatalogueRecord,
    data: dict[str, Any],
    partial: bool = False,
    comment: str | None = None,
    flush: bool = True,
) -> dict[str, list[Any]]:
    """Apply an edit; return the changes (empty when nothing changed: no revision then).

    ``comment`` goes on the revision (imports say where the change came from). ``flush=False``
    leaves the change to the next flush (bulk imports: one flush for many rows).

    :raise Forbidden: may not edit. :raise Invalid: bad fields.
    """
    if not access.can_edit(actor, record):
        raise Forbidden(_l("You may not edit this record."))
    if isinstance(record, Request):
        values = _load(_schema(RequestInputSchema), data, partial)
        owner_field = "country_code"
        message = _l("Only the Secretariat can change the requesting state.")
        _check_request_refs(values)
    else:
        values = _load(_schema(ProgrammeInputSchema), data, partial)
        owner_field = "organisation_id"
        message = _l("Only the Secretariat can change the organisation.")
        _check_programme_refs(values)
    moved = values.get(owner_field, getattr(record, owner_field)) != getattr(record, owner_field)
    if moved and not access.is_secretariat(actor):
        raise Invalid(message, {owner_field: [message]})
    changes = apply_changes(record, values)
    if changes and isinstance(record, Request):
        changes.update(suggest_missing_codes(record))
    if changes:
        now = utcnow()
        record.updated_at = now
        record.last_confirmed_at = now
        if flush:
            db.session.flush()
        record_revision(record, actor, "edited", changes, comment)
    return changes


def allowed_actions(actor: Any, record: CatalogueRecord) -> list[tuple[str, Transition]]:
    """The transitions ``actor`` may apply to ``record`` now (for buttons)."""
    result = []
    for name, transition in TRANSITIONS[record.kind].items():
        if record.status in transition.sources and _may(actor, record, transition):
            result.append((name, transition))
    return result


def status_targets(actor: Any, record: CatalogueRecord) -> dict[str, str]:
    """The statuses ``actor`` may move ``record`` to now, each with the action that does it."""
    targets: dict[str, str] = {}
    for name, transition in allowed_actions(actor, record):
        targets.setdefault(transition.target or _status_before_withdrawal(record), name)
    return targets


def _may(actor: Any, record: CatalogueRecord, transition: Transition) -> bool:
    if access.is_secretariat(actor):
        return True
    return transition.who in (OWNER, EITHER) and access.owns(actor, record)


def change_status(
    actor: User, record: CatalogueRecord, action: str, comment: str | None = None
) -> str:
    """Apply the lifecycle ``action``; return the new status.

    :raise Invalid: unknown action or missing comment. :raise Conflict: not allowed from the
        current status. :raise Forbidden: the actor may not do it.
    """
    transition = TRANSITIONS[record.kind].get(action)
    if transition is None:
        raise Invalid(_l("Unknown action."), {"action": [_l("Unknown action.")]})
    if not (access.can_view(actor, record) and _may(actor, record, transition)):
        raise Forbidden(_l("You may not do this to this record."))
    if record.status not in transition.sources:
        raise Conflict(
            _l(
                "A record with the status %(status)s cannot be changed this way.",
                status=_status_label(record),
            )
        )
    comment = (comment or "").strip() or None
    if transition.needs_comment and not comment:
        raise Invalid(_l("Say why, for the owner."), {"comment": [_l("A comment is required.")]})
    return apply_transition(actor, record, action, comment)


def apply_transition(
    actor: User | None, record: CatalogueRecord, action: str, comment: str | None = None
) -> str:
    """Apply ``action`` without permission checks (callers check; see :func:`change_status`).

    Used directly when one operation moves another record along, e.g. an accepted match
    marking its request matched.
    """
    transition = TRANSITIONS[record.kind][action]
    target = transition.target or _status_before_withdrawal(record)
    now = utcnow()
    old = record.status
    record.status = target
    record.updated_at = now
    if action == "publish":
        record.published_at = now
        record.return_comment = None
    if action == "return":
        record.return_comment = comment
    if action == "submit":
        record.return_comment = None
    db.session.flush()
    record_revision(record, actor, action, {"status": [old, target]}, comment)
    return target


def _status_before_withdrawal(record: CatalogueRecord) -> str:
    revisions = db.session.scalars(
        db.select(Revision)
        .where(Revision.record_kind == record.kind, Revision.record_id == record.id)
        .where(Revision.action == "withdraw")
        .order_by(Revision.id.desc())
    )
    last = revisions.first()
    return str(last.changes["status"][0]) if last else "draft"


def confirm_current(actor: User, record: CatalogueRecord) -> None:
    """The owner says the record is still current (resets the freshness clock)."""
    if not access.can_edit(actor, record):
        raise Forbidden(_l("Only the owner can confirm this record."))
    old = record.last_confirmed_at
    record.last_confirmed_at = utcnow()
    db.session.flush()
    record_revision(
        record, actor, "confirmed", {"last_confirmed_at": [json_safe(old), json_safe(utcnow())]}
    )


def close_expired(today: Any) -> list[Programme]:
    """Close open programmes no longer available on ``today`` — past their end date or
    application deadline (the one rule, ``eligibility.status_clause``) — with one revision
    each saying why.  Lists already read them as ``ended`` before this runs."""
    expired = db.session.scalars(
        db.select(Programme).where(eligibility.status_clause(ENDED, today))
    ).all()
    for programme in expired:
        reason = _why_closed(programme, today)
        programme.status = "closed"
        programme.updated_at = utcnow()
        db.session.flush()
        record_revision(programme, None, "expired", {"status": ["open", "closed"]}, reason)
    return list(expired)


def _why_closed(programme: Programme, today: Any) -> str:
    """The revision comment of an automatic closure (stored text, as other system notes)."""
    ended = programme.end_date is not None and programme.end_date < today
    deadline = programme.application_deadline
    late = deadline is not None and deadline < today
    # stored in English, worded in the reader's language when shown (the ``note`` filter)
    if ended and late:
        return N_("End date and application deadline passed.")
    if ended:
        return N_("End date passed.")
    if late:
        return N_("Application deadline passed.")
    return N_("No longer available.")
