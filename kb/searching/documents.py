"""Requests and programmes serialised (marshmallow dumps) into search documents."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any

from marshmallow import fields
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from kb import access
from kb.catalogue.schemas import RecordTextSchema
from kb.extensions import db
from kb.models import CatalogueRecord, Country, Programme, Request
from search.matching import eligibility
from search.places import state_groups


def _regions(record: CatalogueRecord) -> list[str]:
    if isinstance(record, Request):
        return [record.country.region]
    assert isinstance(record, Programme)
    # Every state's group (from the gazetteer): a programme listing only regions reaches
    # the groups of those regions' states, not only of the states it lists.
    return eligibility.regions_reached(record.audience(), state_groups())


def _countries(record: CatalogueRecord) -> list[str]:
    if isinstance(record, Request):
        return [record.country_code]
    assert isinstance(record, Programme)
    return list(record.eligible_countries)


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


def to_document(record: CatalogueRecord, names: Mapping[str, str]) -> dict[str, Any]:
    doc = _SCHEMA.dump(record)
    doc["country_names"] = [names.get(code, code) for code in doc["countries"]]
    return doc


def load_records(refs: set[tuple[str, int]]) -> dict[tuple[str, int], CatalogueRecord]:
    """Records by ``(kind, id)``, with what their documents need loaded in the same query."""
    found: dict[tuple[str, int], CatalogueRecord] = {}
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
    """Every request and programme as a document, read in batches."""
    names = country_names()
    for model, option in (
        (Request, joinedload(Request.country)),
        (Programme, joinedload(Programme.organisation)),
    ):
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
    return refs | {f"programme:{i}" for i in db.session.scalars(select(Programme.id))}
