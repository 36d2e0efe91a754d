"""From an uploaded Word file to the values of a create form: check, read, resolve, suggest.

Reads the database (countries, organisations) but never writes: nothing is saved until the
person submits the review form to the normal create page.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from kb import access
from kb.directory.lookup import fold, mentioned_countries, state_named
from kb.errors import Invalid
from kb.extensions import db
from kb.models import Country, Organisation, User
from kb.places import eligible as eligible_places
from kb.uploads.convert import as_docx
from kb.uploads.safety import check_size
from kb.wordio.fields import label_of
from kb.wordio.reader import Reading, read_docx
from search.matching.suggest import suggest_codes
from search.text.detect import detect_language


def allowed_kinds(user: User) -> list[str]:
    kinds = []
    if access.can_create_request(user):
        kinds.append("request")
    if access.can_create_programme(user):
        kinds.append("programme")
    return kinds


def read_upload(data: bytes, user: User, kind_hint: str) -> Reading:
    """Check and read ``data``; resolve names; suggest codes and country for free text.

    :raise UnsafeFile: refused file. :raise Invalid: unreadable, or a kind the user may not create.
    """
    check_size(data)
    data, converted_from = as_docx(data)
    reading = read_docx(data)
    reading.converted_from = str(converted_from.name) if converted_from else None
    kinds = allowed_kinds(user)
    if reading.kind is None:
        reading.kind = kind_hint if kind_hint in kinds else kinds[0]
    if reading.kind not in kinds:
        message = (
            _l("This is a request form; your account may not create a request.")
            if reading.kind == "request"
            else _l("This is a programme form; your account may not create a programme.")
        )
        raise Invalid(message, {"file": [message]})
    _suggest_language(reading)
    if not reading.template:
        _suggest(reading, user)
    if reading.kind == "request":
        _resolve_country(reading, user)
    else:
        _resolve_organisation(reading, user)
        _resolve_eligible(reading)
        _resolve_places(reading)
    return reading


def _country(text: str) -> Country | None:
    """The state a cell names: its code or any of its names in the six languages."""
    return state_named(text)


def _suggest_language(reading: Reading) -> None:
    """Fill an empty text language (and working languages) from the words of the text."""
    if reading.values.get("text_language"):
        return
    text = reading.text or "\n".join(
        str(reading.values.get(key) or "") for key in ("title", "description")
    )
    guessed = detect_language(text)
    if guessed is None:
        return
    reading.values["text_language"] = guessed
    _mark_suggested(reading, "text_language")
    if not reading.values.get("languages"):
        reading.values["languages"] = [guessed]
        _mark_suggested(reading, "languages")


def _suggest(reading: Reading, user: User) -> None:
    title = str(reading.values.get("title") or "")
    codes = suggest_codes(title, reading.text, str(reading.values.get("text_language") or "en"))
    for key in ("themes", "support_types"):
        if codes.get(key):
            reading.values[key] = list(codes[key])
            _mark_suggested(reading, key)
    reading.values.setdefault("languages", ["en"])
    if reading.kind == "request":
        mentioned = mentioned_countries(reading.text)
        if user.role == "focal_point" and user.country_code:
            reading.values["country_code"] = user.country_code
            reading.sources["country_code"] = _l("your account (you represent this state)")
        elif mentioned:
            reading.values["country_code"] = mentioned[0]
            _mark_suggested(reading, "country_code")


def _mark_suggested(reading: Reading, key: str) -> None:
    reading.suggested.add(key)
    reading.sources[key] = _l("suggested from the text: please confirm")


def _resolve_country(reading: Reading, user: User) -> None:
    raw = reading.values.get("country_code")
    country = _country(raw) if isinstance(raw, str) else None
    if raw and country is None:
        reading.problem(
            "country_code", _l("Requesting state: “%(name)s” is not a known state", name=raw)
        )
    own = user.country_code if user.role == "focal_point" else None
    if own and country is not None and country.iso3 != own:
        reading.problem(
            "country_code",
            _l("Requesting state: you may only create requests for %(state)s", state=own),
        )
    code = own or (country.iso3 if country else None)
    if code:
        reading.values["country_code"] = code
    else:
        reading.values.pop("country_code", None)


def _resolve_organisation(reading: Reading, user: User) -> None:
    raw = reading.values.pop("organisation_id", None)
    own = user.organisation_id if user.role == "provider" else None
    found = None
    if isinstance(raw, str):
        wanted = fold(raw.strip())
        for org in db.session.scalars(select(Organisation)):
            if wanted in (fold(org.name), fold(org.acronym or ""), fold(org.display_name)):
                found = org
                break
        if found is None:
            reading.problem(
                "organisation_id",
                _l("Provider: “%(name)s” is not a known organisation", name=raw),
            )
    if own and found is not None and found.id != own:
        reading.problem(
            "organisation_id",
            _l("Provider: you may only create programmes for your organisation"),
        )
    chosen = own or (found.id if found else None)
    if chosen:
        reading.values["organisation_id"] = chosen
        if own and not raw:
            reading.sources["organisation_id"] = _l("your account")


def _resolve_eligible(reading: Reading) -> None:
    names = reading.values.get("eligible_countries") or []
    codes: list[str] = []
    for name in names:
        country = _country(name)
        if country is None:
            reading.problem(
                "eligible_countries",
                _l("Eligible states: “%(name)s” is not a known state", name=name),
            )
        elif country.iso3 not in codes:
            codes.append(country.iso3)
    if names:
        reading.values["eligible_countries"] = codes


def _resolve_places(reading: Reading) -> None:
    names = reading.values.get("eligible_places") or []
    found: list[str] = []
    for name in names:
        code = eligible_places.resolve(name)
        if code is None:
            reading.problem(
                "eligible_places",
                _l(
                    "Other eligible places: “%(name)s” is not a known region, sub-region, "
                    "organisation or grouping",
                    name=name,
                ),
            )
        elif code not in found:
            found.append(code)
    if names:
        reading.values["eligible_places"] = found


def form_errors(reading: Reading) -> dict[str, list[str]]:
    """Problems grouped by form field ("" for the whole document), in the interface language."""
    grouped: dict[str, list[str]] = {}
    for key, message in reading.problems:
        grouped.setdefault(key, []).append(str(message))
    return grouped


def source_notes(reading: Reading) -> list[tuple[str, str]]:
    """``(Word label, where it was read)`` for the review page, in the interface language."""
    kind = reading.kind or "request"
    return [(_(label_of(kind, key)), str(where)) for key, where in reading.sources.items()]


def form_data(reading: Reading) -> dict[str, Any]:
    """Values ready for ``RequestForm(data=...)`` / ``ProgrammeForm(data=...)``."""
    return dict(reading.values)
