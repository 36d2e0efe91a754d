"""Requests, programmes and initiatives serialised into search documents."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any

from marshmallow import fields
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from kb import access
from kb.catalogue.schemas import RecordTextSchema
from kb.extensions import db
from kb.models import CatalogueRecord, Country, Programme, Request
from kb.models.initiative import Initiative
from search.matching import eligibility
from search.matching.codes import REGIONS
from search.places import state_groups


def _regions(record: CatalogueRecord) -> list[str]:
    if isinstance(record, Request):
        return [record.country.region]
    assert isinstance(record, Programme)
    # Every state's group (from the gazetteer): a programme listing only regions reaches
    # the groups of those regions' states, not only of the states it lists. One open to
    # all reaches every group (and says ``global``): the Region facet and filter then count
    # the programmes open to a group's states, as the lists' region filter does.
    reached = eligibility.regions_reached(record.audience(), state_groups())
    return [*REGIONS, eligibility.GLOBAL] if reached == [eligibility.GLOBAL] else reached


def _countries(record: CatalogueRecord) -> list[str]:
    if isinstance(record, Request):
        return [record.country_code]
    assert isinstance(record, Programme)
    if record.eligible_countries:
        return list(record.eligible_countries)
    return states_of_places(record.audience())


def states_of_places(audience: Mapping[str, Any]) -> list[str]:
    """The states a programme listing only regions is open to, when one of them is a place
    beyond the UN regional groups (Eastern Africa, the EAC …), by the one rule
    (``eligibility.open_to``); otherwise ``[]``.

    They are the document's ``countries``, which the ``place`` filter reads as "open to
    these states only": its ``regions`` (the UN groups it reaches) cannot tell Senegal from
    Kenya for a programme open to Eastern Africa. UN groups alone or ``global``: the groups
    say it exactly, nothing is listed."""
    listed = audience.get("eligible_regions") or []
    if eligibility.is_open_to_all(audience) or all(r in REGIONS for r in listed):
        return []
    return sorted(
        state for state, group in state_groups().items()
        if eligibility.open_to(audience, state, group)
    )  # fmt: skip


def _available(record: CatalogueRecord) -> bool:
    """Programmes: the availability rule (``search.matching.eligibility.AVAILABLE``) on
    the day the document is made; documents of programmes that lapse since are rewritten
    each day (``SearchService.refresh_lapsed``).  Requests have no such rule: True."""
    if isinstance(record, Programme):
        return eligibility.available(record.availability(), date.today())
    return True


def _status(record: CatalogueRecord) -> str:
    """The status as read on the day the document is made: a programme past its end date or
    application deadline reads ``ended`` (``Programme.effective_status``, the one rule)."""
    if isinstance(record, Programme):
        return record.effective_status(date.today())
    return record.status


class SearchDocumentSchema(RecordTextSchema):
    """The document shape of ``search.interface.documents.DocumentDict``."""

    id = fields.Function(lambda r: r.ref)
    kind = fields.String()
    regions = fields.Function(_regions)
    countries = fields.Function(_countries)
    organisation_name = fields.Function(
        lambda r: r.organisation.display_name if isinstance(r, Programme) else None
    )
    organisation_type = fields.Function(
        lambda r: r.organisation.type if isinstance(r, Programme) else "member_state"
    )
    provider_country = fields.Function(
        lambda r: r.organisation.country_code if isinstance(r, Programme) else None
    )
    available = fields.Function(_available)
    status = fields.Function(_status)
    visibility = fields.String()
    access = fields.Function(access.record_tokens)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


_SCHEMA = SearchDocumentSchema()


def country_names() -> dict[str, str]:
    return {iso3: name for iso3, name in db.session.execute(select(Country.iso3, Country.name))}


def to_document(record: CatalogueRecord | Initiative, names: Mapping[str, str]) -> dict[str, Any]:
    if isinstance(record, Initiative):
        return initiative_document(record, names)
    doc = _SCHEMA.dump(record)
    # the states named by the record itself (a programme's listed states, not those of the
    # places it is open to): their names are words of the record
    named = record.eligible_countries if isinstance(record, Programme) else doc["countries"]
    doc["country_names"] = [names.get(code, code) for code in named]
    return doc


def initiative_document(item: Initiative, names: Mapping[str, str]) -> dict[str, Any]:
    """An initiative as a search document: its beneficiary states are its ``countries`` (the
    place filter reads them), its work status its ``status``, its funders' and implementers'
    names its organisation names; funders, implementers and beneficiary states are facets.
    The budget is not in the document."""
    from kb.initiatives.queries import access_tokens

    regions_of = _country_regions()
    organisations = [*item.organisations("funder"), *item.organisations("implementer")]
    states = list(item.beneficiary_countries)
    return {
        "id": f"initiative:{item.id}",
        "kind": "initiative",
        "title": item.title,
        "description": item.description,
        "text_language": item.text_language,
        "themes": list(item.themes),
        "support_types": list(item.support_types),
        "languages": [],
        "regions": sorted({regions_of[s] for s in states if s in regions_of}),
        "countries": states,
        "country_names": [names.get(code, code) for code in states],
        "organisation_name": "; ".join(dict.fromkeys(o.display_name for o in organisations)),
        "organisation_type": None,
        "provider_country": None,
        "status": item.work_status,
        "available": True,
        "visibility": item.visibility,
        "access": access_tokens(item),
        "created_at": item.created_at.isoformat(),
        "updated_at": item.updated_at.isoformat(),
        "funders": [str(o.id) for o in item.organisations("funder")],
        "implementers": [str(o.id) for o in item.organisations("implementer")],
        "beneficiaries": states,
    }


def _country_regions() -> dict[str, str]:
    """ISO3 → UN regional group, read once per request or drain batch."""
    from flask import g, has_app_context

    if has_app_context() and "kb_country_regions" in g:
        return g.kb_country_regions  # type: ignore[no-any-return]
    found = dict(db.session.execute(select(Country.iso3, Country.region)).all())
    if has_app_context():
        g.kb_country_regions = found
    return found


def load_records(
    refs: set[tuple[str, int]],
) -> dict[tuple[str, int], CatalogueRecord | Initiative]:
    """Records by ``(kind, id)``, with what their documents need loaded in the same query."""
    found: dict[tuple[str, int], CatalogueRecord | Initiative] = {}
    initiative_ids = [i for kind, i in refs if kind == "initiative"]
    if initiative_ids:
        for item in db.session.scalars(select(Initiative).where(Initiative.id.in_(initiative_ids))):
            found[("initiative", item.id)] = item
    request_ids = [i for kind, i in refs if kind == "request"]
    programme_ids = [i for kind, i in refs if kind == "programme"]
    if request_ids:
        query = select(Request).where(Request.id.in_(request_ids))
        for r in db.session.scalars(query.options(joinedload(Request.country))):
            found[("request", r.id)] = r
    if programme_ids:
        query = select(Programme).where(Programme.id.in_(programme_ids))
        for p in db.session.scalars(query.options(joinedload(Programme.organisation))):
            found[("programme", p.id)] = p
    return found


def all_documents(batch: int = 500) -> Iterator[dict[str, Any]]:
    """Every request, programme and initiative as a document, read in batches."""
    names = country_names()
    models: tuple[tuple[Any, Any], ...] = (
        (Request, joinedload(Request.country)),
        (Programme, joinedload(Programme.organisation)),
        (Initiative, selectinload(Initiative.partners)),
    )
    for model, option in models:
        last = 0
        while True:
            rows = db.session.scalars(
                select(model).where(model.id > last).order_by(model.id).limit(batch).options(option)
            ).all()
            if not rows:
                break
            for record in rows:
                yield to_document(record, names)
            last = rows[-1].id
            db.session.expire_all()


def all_refs() -> set[str]:
    refs = {f"request:{i}" for i in db.session.scalars(select(Request.id))}
    refs |= {f"initiative:{i}" for i in db.session.scalars(select(Initiative.id))}
    return refs | {f"programme:{i}" for i in db.session.scalars(select(Programme.id))}
