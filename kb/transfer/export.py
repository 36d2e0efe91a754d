"""Exports of a filtered list: the list page's query (so only what the viewer may see), in the
list page's order. A list longer than :data:`MAX_ROWS` is refused with a reason, never cut."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from kb import codes
from kb.catalogue import queries
from kb.codes import N_
from kb.errors import DomainError
from kb.extensions import db
from kb.i18n import country_name, format_number
from kb.models import Country, Programme, Request
from kb.transfer.formats import initiative_row, to_row, write
from kb.transfer.headings import CODES, NAMES, column_names

MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}
#: An export is a download of a list, not a backup: cap it (``flask kb export-all`` has no cap).
MAX_ROWS = 20000


class TooManyRows(DomainError):
    """More records match than a download holds."""


def too_many(total: int, plural: str) -> str | None:
    """Why a list of ``total`` records cannot be downloaded (None: it can)."""
    if total <= MAX_ROWS:
        return None
    message = (
        N_(
            "%(total)s requests match: more than the %(max)s a download holds. Narrow the "
            "filters to download them; the Secretariat can export the whole catalogue with "
            "flask kb export-all."
        )
        if plural == "requests"
        else N_(
            "%(total)s programmes match: more than the %(max)s a download holds. Narrow the "
            "filters to download them; the Secretariat can export the whole catalogue with "
            "flask kb export-all."
        )
    )
    return _(message, total=format_number(total), max=format_number(MAX_ROWS))


def export_list(viewer: Any, plural: str, args: Any, fmt: str) -> bytes:
    """The records of ``plural`` the viewer may see, filtered and sorted by ``args`` as on the
    list page, as a ``fmt`` file. The header row names the columns in the interface language;
    ``headings=codes`` in ``args`` gives their codes instead (``kb.transfer.headings``).

    :raise TooManyRows: more than :data:`MAX_ROWS` match.
    """
    kind = plural[:-1]
    filters = queries.Filters.from_args(args, kind)
    if kind == "request":
        query = queries.request_query(viewer, filters)
    else:
        query = queries.programme_query(viewer, filters)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    if (reason := too_many(total or 0, plural)) is not None:
        raise TooManyRows(reason)
    if kind == "programme":
        query = query.options(selectinload(Programme.organisation))
    records = db.session.scalars(query).all()
    names = readable_names()
    rows = [{**to_row(r), **readable(r, names)} for r in records]
    legend = (_("Columns"), column_names())
    headings = CODES if args.get("headings") == CODES else NAMES
    return write(rows, plural, fmt, extra=READABLE[plural], legend=legend, headings=headings)


#: Columns a person reads (names, the record's address, dates) after the import columns, which
#: stay first and unchanged so that an export imports back; import ignores these.
READABLE: dict[str, tuple[str, ...]] = {
    "requests": (
        "link",
        "country_name",
        "themes_names",
        "support_types_names",
        "created_at",
        "updated_at",
        "last_confirmed_at",
    ),
    "programmes": (
        "link",
        "organisation_name",
        "themes_names",
        "support_types_names",
        "eligible_countries_names",
        "created_at",
        "updated_at",
        "last_confirmed_at",
    ),
}


def readable_names() -> dict[str, str]:
    """ISO3 → country name in the interface language, read once per export."""
    return {country.iso3: country_name(country) for country in db.session.scalars(select(Country))}


def readable(record: Request | Programme, countries: dict[str, str]) -> dict[str, Any]:
    """The record's names, link and dates, as a person reads them next to the codes."""
    row: dict[str, Any] = {
        "link": url_for(
            "catalogue.detail", plural=f"{record.kind}s", record_id=record.id, _external=True
        ),
        "themes_names": [codes.label(codes.THEMES, c) for c in record.themes or []],
        "support_types_names": [
            codes.label(codes.SUPPORT_TYPES, c) for c in record.support_types or []
        ],
        "created_at": _day(record.created_at),
        "updated_at": _day(record.updated_at),
        "last_confirmed_at": _day(record.last_confirmed_at),
    }
    if isinstance(record, Request):
        row["country_name"] = countries.get(record.country_code, record.country_code)
    else:
        row["organisation_name"] = record.organisation.display_name
        row["eligible_countries_names"] = [
            countries.get(c, c) for c in record.eligible_countries or []
        ]
    return row


def _day(value: Any) -> str:
    return value.date().isoformat() if value is not None else ""


# --- initiatives ----------------------------------------------------------------------------

READABLE["initiatives"] = (
    "link",
    "funders_names",
    "implementers_names",
    "partners_names",
    "beneficiary_countries_names",
    "themes_names",
    "updated_at",
)


def export_initiatives(viewer: Any, args: Any, fmt: str) -> bytes:
    """The initiatives of the list page (its filters; what ``viewer`` may see), in the
    template's columns; each budget only where its own visibility lets ``viewer`` see it.

    :raise TooManyRows: more than :data:`MAX_ROWS` match.
    """
    from kb.initiatives import queries as initiative_queries

    filters = initiative_queries.Filters.from_args(args)
    query = initiative_queries.initiative_query(viewer, filters)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    if (total or 0) > MAX_ROWS:
        raise TooManyRows(
            _(
                "%(total)s initiatives match: more than the %(max)s a download holds. Narrow "
                "the filters to download them.",
                total=format_number(total or 0),
                max=format_number(MAX_ROWS),
            )
        )
    countries = readable_names()
    rows = []
    for item in db.session.scalars(query):
        row = initiative_row(item, budget=initiative_queries.budget_visible(viewer, item))
        row["link"] = url_for("initiatives.detail", initiative_id=item.id, _external=True)
        for role, column in (
            ("funder", "funders"),
            ("implementer", "implementers"),
            ("partner", "partners"),
        ):
            row[f"{column}_names"] = [o.display_name for o in item.organisations(role)]
        row["beneficiary_countries_names"] = [
            countries.get(c, c) for c in item.beneficiary_countries
        ]
        row["themes_names"] = [codes.label(codes.THEMES, c) for c in item.themes]
        row["updated_at"] = _day(item.updated_at)
        rows.append(row)
    legend = (_("Columns"), column_names())
    headings = CODES if args.get("headings") == CODES else NAMES
    return write(
        rows, "initiatives", fmt, extra=READABLE["initiatives"], legend=legend, headings=headings
    )


def initiative_template(fmt: str) -> bytes:
    """The empty CSV/XLSX template for initiatives: the header row (the columns' codes) and,
    in XLSX, a second sheet naming each column in the reader's language."""
    legend = (_("Columns"), column_names())
    return write([], "initiatives", fmt, legend=legend)
