"""Row validation for imports: the catalogue's marshmallow schemas, references and keys.

Every row is checked (nothing stops at the first error) so that the report lists every bad
row and field at once. Field names in errors are the file's column names.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from marshmallow import Schema, ValidationError
from sqlalchemy import select

from kb import codes
from kb.catalogue import operations
from kb.catalogue.schemas import OrganisationInputSchema, ProgrammeInputSchema, RequestInputSchema
from kb.errors import Conflict
from kb.extensions import db
from kb.models import Country, Organisation, Programme, Request
from kb.transfer.formats import COLUMNS, Row, generated_id
from search.interface.query import state_code

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
_MODELS: dict[str, tuple[type[Record], str]] = {
    "requests": (Request, "request"),
    "programmes": (Programme, "programme"),
    "organisations": (Organisation, "organisation"),
}
IssueTuple = tuple[int, str, str]
#: A duplicate warning: row, column, message, and the title it is about.
DuplicateTuple = tuple[int, str, str, str]


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
    #: The row as loaded by the input schema (what a new record is created from).
    values: dict[str, Any] | None = None


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
        message = _(
            "“%(action)s” needs a comment for the owner: use that action on the record's page.",
            action=_(transitions[action].label),
        )
    else:
        allowed = [s for s, a in targets.items() if not transitions[a].needs_comment]
        # statuses as the file's status column writes them (codes)
        message = _(
            "The status cannot go from %(status)s to %(target)s in one step; allowed: %(allowed)s.",
            status=record.status,
            target=target,
            allowed=", ".join(allowed) or _("none"),
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
        # looked up once per import, not once per row (10,000 rows: see docs/IMPORT.md)
        self._countries: set[str] | None = None
        self._by_key: dict[str, Record] = {}
        self._orgs: dict[str, Organisation | None] = {}
        self._org_names: dict[str, Organisation] | None = None
        self._schema = _SCHEMAS[kind]()  # one instance for every row: building one is costly

    def check(
        self, rows: list[tuple[int, Row]], progress: Callable[[int], None] | None = None
    ) -> list[Planned]:
        """Check every row; ``progress(done)`` every 100 rows and at the end."""
        planned = []
        with db.session.no_autoflush:
            self._prefetch(rows)
            for done, (number, row) in enumerate(rows, start=1):
                item = self._check_row(number, row)
                if item is not None:
                    planned.append(item)
                if progress and done % 100 == 0:
                    progress(done)
        if progress:
            progress(len(rows))
        return planned

    def _prefetch(self, rows: list[tuple[int, Row]]) -> None:
        """The records the file's keys name, and its organisations, in a few bulk queries."""
        model, kind = _MODELS[self.kind]
        keys = sorted({str(row.get("key") or "").strip() for _, row in rows} - {""})
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            for record in db.session.scalars(select(model).where(model.external_key.in_(chunk))):
                self._by_key[str(record.external_key)] = record
        # generated keys of exports (``kb-request-12``) name records by id
        by_id = {i: k for k in keys if k not in self._by_key and (i := generated_id(k, kind))}
        ids = sorted(by_id)
        for start in range(0, len(ids), 500):
            query = select(model).where(model.id.in_(ids[start : start + 500]))
            for record in db.session.scalars(query):
                if record.external_key in (None, by_id[record.id]):
                    self._by_key[by_id[record.id]] = record
        if self.kind == "programmes":
            org_keys = sorted({str(row.get("organisation") or "").strip() for _, row in rows})
            for start in range(0, len(org_keys), 500):
                chunk = [k for k in org_keys[start : start + 500] if k]
                query = select(Organisation).where(Organisation.external_key.in_(chunk))
                for org in db.session.scalars(query):
                    self._orgs[str(org.external_key)] = org

    def _existing(self, key: str) -> Record | None:
        return self._by_key.get(key)

    def _organisation(self, key: str) -> Organisation | None:
        if key not in self._orgs:
            found = find_existing(Organisation, "organisation", key)
            self._orgs[key] = found if isinstance(found, Organisation) else None
        return self._orgs[key]

    def _known_country(self, code: str) -> bool:
        if self._countries is None:
            self._countries = set(db.session.scalars(select(Country.iso3)))
        return code in self._countries

    def _error(self, row: int, column: str, message: str) -> None:
        self.errors.append((row, column, message))

    def _check_row(self, number: int, row: Row) -> Planned | None:
        before = len(self.errors)
        key = str(row.get("key") or "").strip()
        if not key:
            self._error(number, "key", _("A key is required (it identifies the record)."))
        elif len(key) > 80:
            self._error(number, "key", _("At most %(num)s characters.", num=80))
        elif key in self._keys:
            self._error(number, "key", _("The same key is on row %(row)s.", row=self._keys[key]))
        else:
            self._keys[key] = number
        data = self._input(number, row)
        status = str(row.get("status") or "").strip() or None
        if self.kind in _STATUSES and status is not None and status not in _STATUSES[self.kind]:
            self._error(number, "status", _("Unknown status %(status)s.", status=status))
        values = self._load(number, data)
        self._check_refs(number, values if values is not None else data)
        if len(self.errors) > before or values is None:
            return None
        existing = self._existing(key)
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
        return Planned(number, key, chosen, status, existing, owner, title, action, values)

    def _input(self, number: int, row: Row) -> dict[str, Any]:
        skip = {"key", "status", "country", "organisation"}
        data = {k: row[k] for k in COLUMNS[self.kind] if k in row and k not in skip}
        data = {k: v.strip() if isinstance(v, str) else v for k, v in data.items()}
        data = {k: v for k, v in data.items() if v not in ("", None) or k in _NULLABLE}
        for name in _NULLABLE:
            if name in data and data[name] == "":
                data[name] = None
        country = state_code(str(row.get("country") or "").strip()) if row.get("country") else ""
        if self.kind == "requests" or country:
            data["country_code"] = country or None
        if "eligible_countries" in data and isinstance(data["eligible_countries"], list):
            data["eligible_countries"] = [state_code(str(c)) for c in data["eligible_countries"]]
        if self.kind == "programmes":
            org_key = str(row.get("organisation") or "").strip()
            org = self._organisation(org_key) if org_key else None
            if org is None:
                message = (
                    _("Unknown organisation %(key)s.", key=org_key) if org_key else _("Required.")
                )
                self._error(number, "organisation", message)
            data["organisation_id"] = org.id if org else 0
        return data

    def _load(self, number: int, data: dict[str, Any]) -> dict[str, Any] | None:
        try:
            return self._schema.load(data)
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
        if isinstance(country, str) and len(country) == 3 and not self._known_country(country):
            self._error(number, "country", _("Unknown country code %(code)s.", code=country))
        unknown = [c for c in values.get("eligible_countries", []) if not self._known_country(c)]
        if unknown:
            self._error(
                number,
                "eligible_countries",
                _("Unknown country code(s): %(codes)s.", codes=str(unknown)),
            )

    def _check_name(self, number: int, name: str, existing: Record | None) -> None:
        if name.casefold() in self._names:
            self._error(
                number,
                "name",
                _("The same name is on row %(row)s.", row=self._names[name.casefold()]),
            )
            return
        self._names[name.casefold()] = number
        if self._org_names is None:  # as the directory checks: names unique regardless of case
            self._org_names = {o.name.lower(): o for o in db.session.scalars(select(Organisation))}
        other = self._org_names.get(name.lower())
        if other is not None and other is not existing:
            self._error(number, "name", _("Another organisation already has this name."))

    # --- duplicates ----------------------------------------------------------------------

    def duplicates(self, planned: list[Planned]) -> list[DuplicateTuple]:
        """New rows whose owner and normalised title (:func:`title_key`) are those of an
        existing record or of other rows: one warning per group, on its first row. Grouping by
        a key is linear (a dict), not a comparison of every pair."""
        groups: dict[tuple[Any, str], list[Planned]] = {}
        for item in planned:
            if item.existing is None:
                groups.setdefault((item.owner, title_key(item.title)), []).append(item)
        existing = self._existing_keys({owner for owner, _ in groups})
        found: list[DuplicateTuple] = []
        for key, items in groups.items():
            rows = [i.row for i in items]
            warning = duplicate_warning(rows, existing.get(key, []), str(items[0].title))
            if warning is not None:
                found.append(warning)
        return found

    def _existing_keys(self, owners: set[Any]) -> dict[tuple[Any, str], list[str]]:
        """Existing records of these owners by (owner, title key), in one query."""
        if self.kind == "organisations":
            rows = db.session.execute(select(Organisation.id, Organisation.name)).all()
            keyed = [(None, i, name) for i, name in rows]
        elif self.kind == "requests":
            query = select(Request.country_code, Request.id, Request.title)
            keyed = list(db.session.execute(query.where(Request.country_code.in_(owners))).all())
        else:
            query = select(Programme.organisation_id, Programme.id, Programme.title)
            where = Programme.organisation_id.in_(owners)
            keyed = list(db.session.execute(query.where(where)).all())
        result: dict[tuple[Any, str], list[str]] = {}
        for owner, record_id, title in keyed:
            result.setdefault((owner, title_key(title)), []).append(self._record_label(record_id))
        return result

    def _record_label(self, record_id: int) -> str:
        if self.kind == "requests":
            return _("request %(id)s", id=record_id)
        if self.kind == "programmes":
            return _("programme %(id)s", id=record_id)
        return _("organisation %(id)s", id=record_id)


def title_key(text: str) -> str:
    """The blocking key of duplicate detection: case, accents, punctuation, numbers and word
    order ignored, plural ``s`` dropped ("Critical infrastructure plans (2)" = "critical
    infrastructure plan")."""
    words = re.findall(r"[^\W\d_]+", _norm(text))
    return " ".join(sorted(w[:-1] if len(w) > 3 and w.endswith("s") else w for w in words))


def duplicate_warning(rows: list[int], known: list[str], title: str) -> DuplicateTuple | None:
    """The warning, on the first of ``rows``, about new rows that share a title key with each
    other or with the existing records ``known`` ("request 12"); None for one row that matches
    nothing. Worded in the current language."""
    if len(rows) > 1:
        listed = ", ".join(str(n) for n in rows)
        if known:
            message = _(
                "On %(num)s rows (%(rows)s), and as %(records)s: “%(title)s”.",
                num=len(rows), rows=listed, records=", ".join(known), title=title,
            )  # fmt: skip
        else:
            message = _(
                "On %(num)s rows (%(rows)s): “%(title)s”.", num=len(rows), rows=listed, title=title
            )
        return (rows[0], "title", message, title)
    if known:
        message = _("Same as %(records)s: “%(title)s”.", records=", ".join(known), title=title)
        return (rows[0], "title", message, title)
    return None


def duplicate_headline(issues: list[Any]) -> str:
    """One line for the report, in the current language: "37 titles appear more than once or
    match existing records: “a”, “b”, … (32 more)"."""
    if not issues:
        return ""
    titles = [f"“{getattr(i, 'subject', '') or i.message}”" for i in issues]
    shown = ", ".join(titles[:5])
    if len(titles) > 5:
        shown = _("%(titles)s … (%(num)s more)", titles=shown, num=len(titles) - 5)
    return ngettext(
        "%(num)s title appears more than once or matches existing records: %(titles)s",
        "%(num)s titles appear more than once or match existing records: %(titles)s",
        len(titles),
        titles=shown,
    )
