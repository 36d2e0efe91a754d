"""Initiatives from the CSV/XLSX template (``flask kb import FILE --kind initiatives``, the
Secretariat's import page), through the import machinery of :mod:`kb.transfer`.

Each row goes through :func:`kb.initiatives.operations.create_initiative` or
:func:`~kb.initiatives.operations.update_initiative` (one schema, its messages naming the
column), inside the import's unit of work: every row is tried, so every bad row and column is
reported, and any error rolls back the whole file. A row's ``key`` names the initiative (its
``external_key``, or ``kb-initiative-<id>`` as exports write it): a known key updates it.
Organisations are named in the ``funders``, ``implementers`` and ``partners`` cells by key,
name or acronym; one found nowhere is created and listed for the Secretariat to check.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from kb import codes
from kb.errors import DomainError, Invalid
from kb.extensions import db
from kb.initiatives import operations
from kb.initiatives.schemas import ROLE_OF
from kb.models import Organisation, User
from kb.models.initiative import Initiative
from kb.transfer.formats import COLUMNS, Row, generated_id

#: Columns read as the operation's fields (key and status are the import's own).
FIELDS = tuple(c for c in COLUMNS["initiatives"] if c not in ("key", "status"))
STATUSES = ("draft", "submitted", "published", "withdrawn")
IssueTuple = tuple[int, str, str]
#: A duplicate warning: row, column, message and the title it is about.
DuplicateTuple = tuple[int, str, str, str]


def _norm(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


class Organisations:
    """Organisations named in cells: by key (``external_key``, ``kb-organisation-<id>``), then
    by name, then by acronym (case and accents ignored); the others are created once each."""

    def __init__(self) -> None:
        self.by_key: dict[str, Organisation] = {}
        self.by_name: dict[str, Organisation] = {}
        self.by_acronym: dict[str, Organisation] = {}
        self.by_id: dict[int, Organisation] = {}
        for org in db.session.scalars(select(Organisation)):
            self.by_id[org.id] = org
            if org.external_key:
                self.by_key[org.external_key] = org
            self.by_name.setdefault(_norm(org.name), org)
            if org.acronym:
                self.by_acronym.setdefault(_norm(org.acronym), org)
        self.matched: set[str] = set()
        self.proposed: dict[str, Organisation] = {}

    def find(self, cell: str) -> Organisation | None:
        name = cell.strip()
        found = self.by_key.get(name)
        if found is None and (org_id := generated_id(name, "organisation")) is not None:
            found = self.by_id.get(org_id)
        found = found or self.by_name.get(_norm(name)) or self.by_acronym.get(_norm(name))
        return found or self.proposed.get(_norm(name))

    def resolve(self, cell: str) -> Organisation:
        found = self.find(cell)
        if found is not None:
            if _norm(cell) not in self.proposed:
                self.matched.add(found.display_name)
            return found
        org = Organisation(name=cell.strip()[:200], type="international_organisation")
        org.description = ""
        db.session.add(org)
        db.session.flush()
        self.proposed[_norm(cell)] = org
        return org


def find_existing(key: str) -> Initiative | None:
    found = db.session.scalar(select(Initiative).where(Initiative.external_key == key))
    if found is None and (initiative_id := generated_id(key, "initiative")) is not None:
        found = db.session.get(Initiative, initiative_id)
        if found is not None and found.external_key not in (None, key):
            return None
    return found


def _data(row: Row, orgs: Organisations, number: int, errors: list[IssueTuple]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name in FIELDS:
        if name not in row:
            continue
        value = row[name]
        if name in ROLE_OF:
            names = [v for v in (value or []) if str(v).strip()]
            too_long = [v for v in names if len(str(v)) > 200]
            if too_long:
                message = _("An organisation's name has at most 200 characters.")
                errors.append((number, name, message))
                names = [v for v in names if v not in too_long]
            data[name] = [orgs.resolve(str(v)).id for v in names]
        else:
            data[name] = value
    if data.get("outputs"):
        data["outputs"] = "\n".join(part.strip() for part in str(data["outputs"]).splitlines())
    return data


def _status_action(editor: Any, item: Initiative, target: str) -> str:
    """The moderation action that takes ``item`` to ``target`` in one step (no comment)."""
    for name, transition in operations.allowed_actions(editor, item):
        reached = transition.target or "draft"
        if reached == target and not transition.needs_comment:
            return name
    message = _(
        "An initiative with the status “%(status)s” cannot become “%(target)s” in one step.",
        status=codes.label(codes.INITIATIVE_STATUSES, item.status),
        target=codes.label(codes.INITIATIVE_STATUSES, target),
    )
    raise Invalid(message, {"status": [message]})


def write_rows(
    rows: list[tuple[int, Row]],
    actor: User | None,
    editor: Any,
    comment: str | None,
    progress: Callable[[int], None] | None = None,
) -> tuple[dict[str, int], list[IssueTuple], list[DuplicateTuple], list[str]]:
    """Create or update an initiative per row, in the caller's unit of work (which the caller
    rolls back when errors come back, or for a dry run). Return the counts (created, updated,
    unchanged), the errors and probable duplicates as ``(row, column, message)``, and the
    names of the organisations created."""
    from kb.transfer.validate import title_key

    counts = {"created": 0, "updated": 0, "unchanged": 0}
    errors: list[IssueTuple] = []
    before: dict[str, list[str]] = {}  # existing initiatives by title key, read once
    for initiative_id, title in db.session.execute(select(Initiative.id, Initiative.title)):
        before.setdefault(title_key(title), []).append(_("initiative %(id)s", id=initiative_id))
    orgs = Organisations()
    if progress:
        progress(0)  # before the first write (SQLite: the job record cannot be written after)
    keys: dict[str, int] = {}
    new_titles: dict[str, list[tuple[int, str]]] = {}
    for done, (number, row) in enumerate(rows, start=1):
        key = str(row.get("key") or "").strip()
        status = str(row.get("status") or "").strip() or None
        if not key:
            errors.append((number, "key", _("A key is required (it identifies the record).")))
            continue
        if len(key) > 80:
            errors.append((number, "key", _("At most %(num)s characters.", num=80)))
            continue
        if key in keys:
            errors.append((number, "key", _("The same key is on row %(row)s.", row=keys[key])))
            continue
        keys[key] = number
        if status is not None and status not in STATUSES:
            errors.append((number, "status", _("Unknown status %(status)s.", status=status)))
            continue
        data = _data(row, orgs, number, errors)
        existing = find_existing(key)
        try:
            if existing is None:
                if "title" in data:
                    new_titles.setdefault(title_key(str(data["title"])), []).append(
                        (number, str(data["title"]))
                    )
                operations.create_initiative(
                    actor if actor is not None else None,
                    data,
                    comment=comment,
                    action="imported",
                    status=status or "draft",
                    external_key=key,
                )
                counts["created"] += 1
            else:
                full = {**operations.as_input(existing), **data}
                changes = operations.update_initiative(editor, existing, full, comment=comment)
                action = None
                if status is not None and status != existing.status:
                    action = _status_action(editor, existing, status)
                    operations.change_status(editor, existing, action, comment)
                counts["updated" if changes or action else "unchanged"] += 1
        except DomainError as err:
            for name, messages in (err.fields or {"_": [err.message]}).items():
                errors.extend((number, name, str(m)) for m in messages)
        if progress and done % 100 == 0:
            progress(done)
    if progress:
        progress(len(rows))
    proposed = sorted(o.name for o in orgs.proposed.values())
    return counts, errors, _duplicates(new_titles, before), proposed


def _duplicates(
    new_titles: dict[str, list[tuple[int, str]]], existing: dict[str, list[str]]
) -> list[DuplicateTuple]:
    """New rows whose normalised title is another new row's or an existing initiative's: one
    warning per group, on its first row (grouped by key, not compared pair by pair), worded as
    for the other kinds (:func:`kb.transfer.validate.duplicate_warning`)."""
    from kb.transfer.validate import duplicate_warning

    found: list[DuplicateTuple] = []
    for key, items in new_titles.items():
        rows = [n for n, _title in items]
        warning = duplicate_warning(rows, existing.get(key, []), items[0][1])
        if warning is not None:
            found.append(warning)
    return found
