"""The document the app hands in, and its validation into a normalised record."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, TypedDict

from search.interface.errors import InvalidDocument
from search.text.analysis import fold
from search.text.detect import analysis_language

KINDS = ("request", "programme", "initiative")
REGIONS = (
    "Africa",
    "Asia-Pacific",
    "Eastern Europe",
    "Latin America and the Caribbean",
    "Western Europe and Others",
    "global",
)
_REGION_BY_FOLD = {fold(r): r for r in REGIONS}
LIST_FIELDS = (
    "themes",
    "support_types",
    "languages",
    "regions",
    "countries",
    "country_names",
    "access",
    "funders",
    "implementers",
    "beneficiaries",
)


class DocumentDict(TypedDict, total=False):
    """Shape of the plain dict the app passes to ``upsert`` / ``rebuild``."""

    id: str
    kind: Literal["request", "programme", "initiative"]
    title: str
    description: str
    text_language: str
    themes: list[str]
    support_types: list[str]
    languages: list[str]
    regions: list[str]
    countries: list[str]
    country_names: list[str]
    organisation_name: str | None
    organisation_type: str | None
    #: ISO3 of the state where the offering organisation is based (programmes).
    provider_country: str | None
    status: str
    #: False when the app's availability rule says the record cannot be taken up now
    #: (a closed or ended programme); such records rank below the others.  Default True.
    available: bool
    visibility: str
    access: list[str]
    created_at: str
    updated_at: str
    #: Initiatives: the organisations funding and implementing them (opaque keys, e.g. ids)
    #: and the states where the work happens (ISO3).  Facets of their own.
    funders: list[str]
    implementers: list[str]
    beneficiaries: list[str]


@dataclass(frozen=True, slots=True)
class Record:
    """A validated, normalised document."""

    id: str
    kind: str
    title: str
    description: str
    text_language: str
    themes: tuple[str, ...]
    support_types: tuple[str, ...]
    languages: tuple[str, ...]
    regions: tuple[str, ...]
    countries: tuple[str, ...]
    country_names: tuple[str, ...]
    organisation_name: str
    organisation_type: str
    provider_country: str
    status: str
    #: ``"available"`` or ``"unavailable"`` (a tag field, see ``TAG_FIELDS``).
    availability: str
    visibility: str
    access: tuple[str, ...]
    created_at: int  # epoch seconds, UTC
    updated_at: int
    funders: tuple[str, ...] = ()
    implementers: tuple[str, ...] = ()
    beneficiaries: tuple[str, ...] = ()

    def tags(self, name: str) -> tuple[str, ...]:
        """Values of a filter/facet field as a tuple (empty when unset)."""
        value = getattr(self, name)
        if isinstance(value, tuple):
            return value
        return (value,) if value else ()


def canonical_region(value: str) -> str:
    """``"latin america and the caribbean"`` -> ``"Latin America and the Caribbean"``."""
    return _REGION_BY_FOLD.get(fold(value.strip()), value.strip())


def _epoch(value: Any, name: str) -> int:
    if value in (None, ""):
        return 0
    if isinstance(value, datetime):
        dt = value
    else:
        try:
            dt = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError as exc:
            raise InvalidDocument(f"{name}: not an ISO-8601 date: {value!r}") from exc
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(dt.timestamp())


def _list(doc: Mapping[str, Any], name: str) -> list[str]:
    value = doc.get(name) or []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple | set | frozenset):
        raise InvalidDocument(f"{name}: expected a list of strings")
    out = [str(v).strip() for v in value if v is not None and str(v).strip()]
    return list(dict.fromkeys(out))


def _str(doc: Mapping[str, Any], name: str) -> str:
    value = doc.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidDocument(f"{name}: expected a string")
    return value


def validate(doc: Mapping[str, Any]) -> Record:
    """Check and normalise an incoming document dict; raise ``InvalidDocument``."""
    if not isinstance(doc, Mapping):
        raise InvalidDocument("document must be a mapping")
    doc_id = _str(doc, "id").strip()
    if not doc_id:
        raise InvalidDocument("id is required")
    kind = _str(doc, "kind").strip().lower()
    if kind not in KINDS:
        raise InvalidDocument(f"{doc_id}: kind must be one of {KINDS}, not {kind!r}")
    title, description = _str(doc, "title"), _str(doc, "description")
    return Record(
        id=doc_id,
        kind=kind,
        title=title,
        description=description,
        # the language the text is analysed in: as declared, unless the script says otherwise
        text_language=analysis_language(_str(doc, "text_language"), f"{title}\n{description}"),
        themes=tuple(v.lower() for v in _list(doc, "themes")),
        support_types=tuple(v.lower() for v in _list(doc, "support_types")),
        languages=tuple(v.lower() for v in _list(doc, "languages")),
        regions=tuple(canonical_region(v) for v in _list(doc, "regions")),
        countries=tuple(v.upper() for v in _list(doc, "countries")),
        country_names=tuple(_list(doc, "country_names")),
        organisation_name=_str(doc, "organisation_name"),
        organisation_type=_str(doc, "organisation_type").strip().lower(),
        provider_country=_str(doc, "provider_country").strip().upper(),
        status=_str(doc, "status").strip().lower(),
        availability="unavailable" if doc.get("available", True) is False else "available",
        visibility=_str(doc, "visibility").strip().lower(),
        access=tuple(_list(doc, "access")),
        created_at=_epoch(doc.get("created_at"), "created_at"),
        updated_at=_epoch(doc.get("updated_at"), "updated_at"),
        funders=tuple(_list(doc, "funders")),
        implementers=tuple(_list(doc, "implementers")),
        beneficiaries=tuple(v.upper() for v in _list(doc, "beneficiaries")),
    )
