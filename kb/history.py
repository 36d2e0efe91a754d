"""Revisions: every create, edit and status change leaves one."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import insert, select

from kb import codes
from kb.extensions import db
from kb.i18n import country_name, format_moment, join_names
from kb.models import CatalogueRecord, Match, Organisation, Revision, SearchQueueEntry, User
from kb.models.types import utcnow


def json_safe(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


def apply_changes(record: CatalogueRecord, data: dict[str, Any]) -> dict[str, list[Any]]:
    """Set ``data`` on ``record``; return ``{field: [old, new]}`` for the fields that changed."""
    changes: dict[str, list[Any]] = {}
    for field, new in data.items():
        old = getattr(record, field)
        if isinstance(old, list) or isinstance(new, list):
            same = list(old or []) == list(new or [])
        else:
            same = old == new
        if not same:
            changes[field] = [json_safe(old), json_safe(new)]
            setattr(record, field, new)
    return changes


def record_revision(
    record: CatalogueRecord | Match | Organisation,
    user: User | None,
    action: str,
    changes: dict[str, list[Any]] | None = None,
    comment: str | None = None,
) -> Revision:
    """Add a revision for ``record`` (which must have been flushed so it has an id)."""
    revision = Revision(
        record_kind=record.kind,
        record_id=record.id,
        user_id=user.id if user is not None else None,
        action=action,
        changes=changes or {},
        comment=comment,
    )
    db.session.add(revision)
    if record.kind in ("request", "programme"):
        queue_for_index(record.kind, record.id)
    elif record.kind == "match":  # a declined pair leaves the stored suggestions
        db.session.info.setdefault("changed_refs", set()).add(("match", record.id))
    return revision


def record_revisions(
    kind: str,
    entries: list[tuple[int, dict[str, list[Any]]]],
    action: str,
    user: User | None = None,
    comment: str | None = None,
) -> None:
    """:func:`record_revision` for many records of ``kind`` at once (``entries``: record id and
    changes), with their search-queue entries: one multi-row insert each (bulk imports)."""
    if not entries:
        return
    now, user_id = utcnow(), user.id if user is not None else None
    db.session.execute(
        insert(Revision),
        [
            {
                "record_kind": kind,
                "record_id": record_id,
                "user_id": user_id,
                "at": now,
                "action": action,
                "changes": changes,
                "comment": comment,
            }
            for record_id, changes in entries
        ],
    )
    db.session.execute(
        insert(SearchQueueEntry),
        [{"record_kind": kind, "record_id": i, "enqueued_at": now} for i, _ in entries],
    )
    db.session.info.setdefault("changed_refs", set()).update((kind, i) for i, _ in entries)


def queue_for_index(kind: str, record_id: int) -> None:
    """Same transaction: the index and match suggestions learn of it only if it commits."""
    db.session.add(SearchQueueEntry(record_kind=kind, record_id=record_id))
    db.session.info.setdefault("changed_refs", set()).add((kind, record_id))


#: Session key: the states whose requests' stored matches a change of matching history (an
#: initiative's beneficiary states, before and after) can move, for ``match.refresh``.
MATCH_STATES = "match_states"


def touch_match_states(states: Iterable[str]) -> None:
    """Same transaction: these states' requests are relisted after the commit (and their
    regional groups', whose track records they hold; see ``MatchService.refresh_records``)."""
    db.session.info.setdefault(MATCH_STATES, set()).update(s for s in states if s)


def revisions_for(record: CatalogueRecord | Match | Organisation) -> list[Revision]:
    return list(
        db.session.scalars(
            select(Revision)
            .where(Revision.record_kind == record.kind, Revision.record_id == record.id)
            .order_by(Revision.at.desc(), Revision.id.desc())
        )
    )


#: Actions recorded under other names by earlier versions, read as today's.
ACTION_ALIASES = {"submitted": "submit", "confirm": "confirmed", "expire": "expired"}


def actor_phrase(user: User | None) -> str:
    """Who acted, as people recognise them: "ITU (provider.itu@…)", "Kenya (focal.kenya@…)"."""
    if user is None:
        return _("the system")
    if user.role == "provider" and user.organisation is not None:
        who = user.organisation.acronym or user.organisation.name
    elif user.role == "focal_point" and user.country is not None:
        who = country_name(user.country)
    elif user.role == "secretariat":
        who = _("the Secretariat")
    else:
        who = user.name
    local = user.email.split("@", 1)[0]
    return f"{who} ({local}@…)"


def sentence(rev: Revision) -> str:
    """A revision as one sentence: "Accepted by ITU (provider.itu@…) on 3 Dec 2026, 10:42 UTC"."""
    words = codes.HISTORY_ACTIONS.get(rev.record_kind, {})
    code = ACTION_ALIASES.get(rev.action, rev.action)
    action = codes.label(words, code) if code in words else code.replace("_", " ").capitalize()
    return _(
        "%(action)s by %(actor)s on %(moment)s",
        action=action,
        actor=actor_phrase(rev.user),
        moment=format_moment(rev.at),
    )


#: The code list of each field holding codes: a revision's values read as their labels.
CHANGE_CODES = {
    "themes": codes.THEMES,
    "suggested_themes": codes.THEMES,
    "support_types": codes.SUPPORT_TYPES,
    "suggested_support_types": codes.SUPPORT_TYPES,
    "languages": codes.LANGUAGES,
    "interpretation_languages": codes.LANGUAGES,
    "text_language": codes.LANGUAGES,
    "visibility": codes.VISIBILITIES,
    "urgency": codes.URGENCIES,
    "delivery_mode": codes.DELIVERY_MODES,
    "cost_model": codes.COST_MODELS,
}
#: Fields holding states (ISO alpha-3 codes): read as the states' names.
CHANGE_STATES = {"country_code", "eligible_countries"}


def change_text(kind: str, field: str, value: Any) -> str:
    """A field's value before or after an edit as a record's history shows it, in the
    interface language: codes as their labels (a list separated as the language separates
    names: "A, B", "A، B", "A、B"), states by name,
    places as named, yes/no fields in words, nothing as a dash."""
    if value is True or value is False:
        return _("Yes") if value else _("No")
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, list):
        return join_names(change_text(kind, field, item) for item in value)
    value = str(value)
    if field == "status":
        return codes.status_label(kind, value)
    if field in CHANGE_CODES:
        return codes.label(CHANGE_CODES[field], value)
    if field in CHANGE_STATES:
        return country_name(value) or value
    if field == "eligible_regions":
        from kb.places import eligible  # the gazetteer's names, loaded when first needed

        return eligible.label(value)
    return value
