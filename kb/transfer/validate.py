"""Row validation for imports: the catalogue's marshmallow schemas, references and keys.

Every row is checked (nothing stops at the first error) so that the report lists every bad
row and field at once. Field names in errors are the file's column names.
"""

from __future__ import annotations

import difflib
import unicodedata
from dataclasses import dataclass
from typing import Any

from marshmallow import Schema, ValidationError
from sqlalchemy import func, select

from kb import codes
from kb.catalogue import operations
from kb.catalogue.schemas import OrganisationInputSchema, ProgrammeInputSchema, RequestInputSchema
from kb.errors import Conflict
from kb.extensions import db
from kb.models import Country, Organisation, Programme, Request
from kb.transfer.formats import COLUMNS, Row, generated_id

SIMILARITY = 0.85
_SCHEMAS: dict[str, type[Schema]] = {
    "requests": RequestInputSchema,
    "programmes": ProgrammeInputSchema,
    "organisations": OrganisationInputSchema,
}
_STATUSES = {"requests": codes.REQUEST_STATUSES, "programmes": codes.PROGRAMME_STATUSES}
#: Schema field → file column, where they differ.
_COLUMN_OF = {"country_code": "country", "organisation_id": "organisation"}
_NULLABLE = ("url", "contact_email", "acronym", "website", "start_date", "end_date")
Record = Request | Programme | Organisation
IssueTuple = tuple[int, str, str]


@dataclass
class Planned:
    """A valid row: what to write, and the record it updates (None: create one).

    ``status`` is None when the row leaves it empty (new records are then drafts); ``action``
    is the lifecycle action that moves an existing record to the row's status, if it differs.
    """

    row: int
    key: str
    data: dict[str, Any]
    status: str | None
    existing: Record | None
    owner: Any
    title: str
    action: str | None = None


def status_action(editor: Any, record: Request | Programme, target: str) -> str:
    """The one lifecycle action that takes ``record`` to ``target``, as the record's page would.

    :raise Conflict: no action ``editor`` may apply now leads there (the message names the
        statuses that can be reached), or it needs a comment for the owner (return to draft).
    """
    targets = operations.status_targets(editor, record)
    transitions = operations.TRANSITIONS[record.kind]
    action = targets.get(target)
    if action is not None and not transitions[action].needs_comment:
        return action
    if action is not None:
        message = (
            f"{transitions[action].label} needs a comment for the owner: use that action on "
            f"the {record.kind}'s page."
        )
    else:
        allowed = [s for s, a in targets.items() if not transitions[a].needs_comment]
        message = (
            f"A {record.status} {record.kind} cannot become {target} in one step; "
            f"allowed: {', '.join(allowed) or 'none'}."
        )
    raise Conflict(message, {"status": [message]})


def column_of(name: str) -> str:
    """The file column of a schema or operation field (``country_code`` → ``country``)."""
    return _COLUMN_OF.get(name, name)


def find_existing(model: type[Record], kind: str, key: str) -> Record | None:
    """The record with this external key, or with the id of a generated ``kb-…`` key."""
    found = db.session.scalar(select(model).where(model.external_key == key))
    if found is None and (record_id := generated_id(key, kind)) is not None:
        found = db.session.get(model, record_id)
        if found is not None and found.external_key not in (None, key):
            return None
    return found


def _norm(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def similar(a: str, b: str) -> bool:
    """Titles (or names) close enough to be the same thing (accents and case folded)."""
    return difflib.SequenceMatcher(None, _norm(a), _norm(b)).ratio() >= SIMILARITY


class Validator:
    """Checks the rows of one kind for ``editor`` (who imports, for status changes); collects
    ``errors`` as ``(row, column, message)``."""

    def __init__(self, kind: str, editor: Any) -> None:
        self.kind = kind
        self.editor = editor
        self.errors: list[IssueTuple] = []
        self._keys: dict[str, int] = {}
        self._names: dict[str, int] = {}
        self._titles: dict[Any, list[tuple[str, str]]] = {}

    def check(self, rows: list[tuple[int, Row]]) -> list[Planned]:
        planned = []
        for number, row in rows:
            item = self._check_row(number, row)
            if item is not None:
                planned.append(item)
        return planned

    def _error(self, row: int, column: str, message: str) -> None:
        self.errors.append((row, column, message))

    def _check_row(self, number: int, row: Row) -> Planned | None:
        before = len(self.errors)
        key = str(row.get("key") or "").strip()
        if not key:
            self._error(number, "key", "A key is required (it identifies the record).")
        elif len(key) > 80:
            self._error(number, "key", "At most 80 characters.")
        elif key in self._keys:
            self._error(number, "key", f"The same key is on row {self._keys[key]}.")
        else:
            self._keys[key] = number
        data = self._input(number, row)
        status = str(row.get("status") or "").strip() or None
        if self.kind in _STATUSES and status is not None and status not in _STATUSES[self.kind]:
            self._error(number, "status", f"Unknown status {status}.")
        values = self._load(number, data)
        self._check_refs(number, values if values is not None else data)
        if len(self.errors) > before or values is None:
            return None
        model, kind = {
            "requests": (Request, "request"),
            "programmes": (Programme, "programme"),
            "organisations": (Organisation, "organisation"),
        }[self.kind]
        existing = find_existing(model, kind, key)
        if self.kind == "organisations":
            self._check_name(number, values["name"], existing)
        action = None
        record = existing if isinstance(existing, Request | Programme) else None
        if record is not None and status is not None and status != record.status:
            try:
                action = status_action(self.editor, record, status)
            except Conflict as err:
                self._error(number, "status", err.message)
                return None
        owner = values.get("country_code") if self.kind == "requests" else None
        owner = values.get("organisation_id", owner)
        title = values.get("title") or values.get("name") or ""
        chosen = values if self.kind == "organisations" else data
        return Planned(number, key, chosen, status, existing, owner, title, action)

    def _input(self, number: int, row: Row) -> dict[str, Any]:
        skip = {"key", "status", "country", "organisation"}
        data = {k: row[k] for k in COLUMNS[self.kind] if k in row and k not in skip}
        data = {k: v.strip() if isinstance(v, str) else v for k, v in data.items()}
        data = {k: v for k, v in data.items() if v not in ("", None) or k in _NULLABLE}
        for name in _NULLABLE:
            if name in data and data[name] == "":
                data[name] = None
        country = str(row.get("country") or "").strip().upper()
        if self.kind == "requests" or country:
            data["country_code"] = country or None
        if "eligible_countries" in data and isinstance(data["eligible_countries"], list):
            data["eligible_countries"] = [str(c).upper() for c in data["eligible_countries"]]
        if self.kind == "programmes":
            org_key = str(row.get("organisation") or "").strip()
            org = find_existing(Organisation, "organisation", org_key) if org_key else None
            if org is None:
                message = f"Unknown organisation {org_key}." if org_key else "Required."
                self._error(number, "organisation", message)
            data["organisation_id"] = org.id if org else 0
        return data

    def _load(self, number: int, data: dict[str, Any]) -> dict[str, Any] | None:
        try:
            return _SCHEMAS[self.kind]().load(data)
        except ValidationError as err:
            messages = err.messages if isinstance(err.messages, dict) else {"_": err.messages}
            for name, value in messages.items():
                column = column_of(name)
                found = value.values() if isinstance(value, dict) else [value]
                for group in found:
                    for message in group if isinstance(group, list) else [group]:
                        self._error(number, column, str(message))
            return None

    def _check_refs(self, number: int, values: dict[str, Any]) -> None:
        country = values.get("country_code")
        if isinstance(country, str) and len(country) == 3 and not db.session.get(Country, country):
            self._error(number, "country", f"Unknown country code {country}.")
        unknown = [
            c for c in values.get("eligible_countries", []) if not db.session.get(Country, c)
        ]
        if unknown:
            self._error(number, "eligible_countries", f"Unknown country code(s): {unknown}.")

    def _check_name(self, number: int, name: str, existing: Record | None) -> None:
        if name.casefold() in self._names:
            self._error(number, "name", f"The same name is on row {self._names[name.casefold()]}.")
            return
        self._names[name.casefold()] = number
        same_name = func.lower(Organisation.name) == name.lower()  # as the directory checks
        other = db.session.scalar(select(Organisation).where(same_name))
        if other is not None and other is not existing:
            self._error(number, "name", "Another organisation already has this name.")

    # --- duplicates ----------------------------------------------------------------------

    def duplicates(self, planned: list[Planned]) -> list[IssueTuple]:
        """New rows whose owner and title resemble an existing record or an earlier row."""
        found: list[IssueTuple] = []
        seen: list[Planned] = []
        for item in planned:
            if item.existing is None:
                for other_row, other_title in self._candidates(item, seen):
                    found.append((item.row, "title", f"Similar to {other_row}: {other_title!r}."))
            seen.append(item)
        return found

    def _candidates(self, item: Planned, seen: list[Planned]) -> list[tuple[str, str]]:
        result = []
        for other in seen:
            if other.owner == item.owner and similar(item.title, other.title):
                result.append((f"row {other.row}", other.title))
        for label, title in self._existing_titles(item.owner):
            if similar(item.title, title):
                result.append((label, title))
        return result

    def _existing_titles(self, owner: Any) -> list[tuple[str, str]]:
        if owner not in self._titles:
            self._titles[owner] = self._query_titles(owner)
        return self._titles[owner]

    def _query_titles(self, owner: Any) -> list[tuple[str, str]]:
        if self.kind == "organisations":
            rows = db.session.execute(select(Organisation.id, Organisation.name)).all()
            return [(f"organisation {i}", name) for i, name in rows]
        if self.kind == "requests":
            query = select(Request.id, Request.title).where(Request.country_code == owner)
        else:
            query = select(Programme.id, Programme.title).where(Programme.organisation_id == owner)
        return [(f"{self.kind[:-1]} {i}", title) for i, title in db.session.execute(query).all()]
