"""Figures for the landscape report and the briefing pack: only what the viewer may see."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from markupsafe import Markup, escape
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import joinedload

from kb import access, codes
from kb.catalogue.eligibility import states_clause
from kb.codes import N_
from kb.extensions import db
from kb.i18n import day_element, format_day
from kb.initiatives.queries import overlap_list
from kb.matching.queries import MatchFilters, supply_and_demand, unmet_count, unmet_needs
from kb.models import Match, Programme, Request
from kb.models.initiative import InitiativeOverlap
from kb.reports import counts

#: Unmet needs a report lists (worst first).
UNMET_LISTED = 200
#: Organisations and states listed in a "who does what where" breakdown (the most frequent).
WORK_LISTED = 15
#: Possible overlaps between initiatives a report or a briefing pack lists (highest first).
OVERLAPS_LISTED = 100


@dataclass
class Period:
    start: date
    end: date

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        return (
            datetime.combine(self.start, time.min, tzinfo=UTC),
            datetime.combine(self.end, time.max, tzinfo=UTC),
        )

    @property
    def start_label(self) -> str:
        return format_day(self.start)

    @property
    def end_label(self) -> str:
        return format_day(self.end)

    def html(self) -> Markup:
        """The period for a page: two ``<time>`` elements."""
        return Markup("%s – %s") % (day_element(self.start), day_element(self.end))

    def label(self) -> str:
        """The period in the interface language's date style (3 déc. 2025 to 3 déc. 2026)."""
        return f"{self.start_label} – {self.end_label}"


@dataclass
class Breakdown:
    """Counts by code for one dimension, in code-list order, with labels."""

    title: str
    rows: list[tuple[str, int, int]]  # (label, requests, programmes)
    #: What the two numbers count, when not requests and programmes (msgids).
    first: str = ""
    second: str = ""

    @property
    def max(self) -> int:
        return max([1, *(max(r, p) for _, r, p in self.rows)])


@dataclass
class Landscape:
    period: Period
    #: Records created in the period that the viewer may see.
    request_total: int = 0
    programme_total: int = 0
    breakdowns: list[Breakdown] = field(default_factory=list)
    #: Initiatives (the work: planned, ongoing, completed) created in the period.
    initiative_total: int = 0
    #: Who does what where: initiatives beside offers (programmes).
    work: list[Breakdown] = field(default_factory=list)
    work_listed: int = WORK_LISTED
    supply_demand: dict[str, dict[str, tuple[int, int]]] = field(default_factory=dict)
    unmet: list[tuple[Request, float]] = field(default_factory=list)
    match_counts: dict[str, int] = field(default_factory=dict)
    by_month: list[tuple[str, int, int]] = field(default_factory=list)
    unmet_total: int = 0
    #: When the stored counts were computed, if a record changed since (else ``None``).
    as_of: datetime | None = None
    #: Possible overlaps between initiatives the viewer may see (any verdict), and how many.
    overlaps: list[InitiativeOverlap] = field(default_factory=list)
    overlap_total: int = 0


def _in_period(model: type[Request] | type[Programme], viewer: Any, period: Period) -> Any:
    start, end = period.bounds
    return (
        select(model)
        .where(access.visible_clause(model, viewer))
        .where(model.created_at >= start, model.created_at <= end)
        .order_by(model.created_at)
    )


def _count_codes(records: list[Any], attr: str) -> Counter[str]:
    counter: Counter[str] = Counter()
    for record in records:
        counter.update(getattr(record, attr))
    return counter


def landscape(viewer: Any, period: Period, threshold: float) -> Landscape:
    """The report from stored counts (:mod:`kb.reports.counts`): no record is loaded but
    the listed unmet needs."""
    found = counts.totals(viewer, period.start, period.end)
    report = Landscape(
        period,
        request_total=found[("request", "total", "")],
        programme_total=found[("programme", "total", "")],
    )
    for title, table, dimension in (
        (N_("Themes"), codes.THEMES, "theme"),
        (N_("Support types"), codes.SUPPORT_TYPES, "support_type"),
        (N_("Languages"), codes.LANGUAGES, "language"),
    ):
        rows = [
            (label, found[("request", dimension, code)], found[("programme", dimension, code)])
            for code, label in table.items()
        ]
        report.breakdowns.append(Breakdown(title, [r for r in rows if r[1] or r[2]]))
    region_rows = [
        (label, found[("request", "region", c)], found[("programme", "region", c)])
        for c, label in codes.ELIGIBLE_REGIONS.items()
    ]
    report.breakdowns.append(Breakdown(N_("Regions (programmes: open to)"), region_rows))
    org_rows = [
        (label, 0, found[("programme", "org_type", c)])
        for c, label in codes.ORGANISATION_TYPES.items()
    ]
    report.breakdowns.append(Breakdown(N_("Provider types (programmes)"), org_rows))
    report.initiative_total = found[("initiative", "total", "")]
    report.work = who_does_what_where(found)
    report.supply_demand = supply_and_demand(viewer)
    report.unmet = unmet_needs(viewer, MatchFilters(), threshold, limit=UNMET_LISTED)
    report.unmet_total = unmet_count(viewer, MatchFilters(), threshold)
    report.match_counts = match_counts(viewer, period)
    report.by_month = _by_month(found)
    report.as_of = counts.lag(viewer)
    report.overlaps, report.overlap_total = overlap_list(viewer, OVERLAPS_LISTED)
    return report


INITIATIVES, OFFERS = N_("initiatives"), N_("programmes")


def who_does_what_where(found: counts.Totals) -> list[Breakdown]:
    """Initiatives beside offers (programmes) by theme, region, funder, implementer (for a
    programme: its provider), beneficiary state and work status, from the stored counts."""
    from kb.i18n import country_name
    from kb.models import Country, Organisation

    def pair(dimension: str, code: str) -> tuple[int, int]:
        return found[("initiative", dimension, code)], found[("programme", dimension, code)]

    def coded(title: str, table: dict[str, str], dimension: str) -> Breakdown:
        rows = [(label, *pair(dimension, code)) for code, label in table.items()]
        return Breakdown(title, [r for r in rows if r[1] or r[2]], INITIATIVES, OFFERS)

    def top(dimension: str) -> list[tuple[str, int, int]]:
        codes_ = {c for k, d, c in found if d == dimension and k in ("initiative", "programme")}
        ranked = sorted(codes_, key=lambda c: (-sum(pair(dimension, c)), c))[:WORK_LISTED]
        return [(code, *pair(dimension, code)) for code in ranked if sum(pair(dimension, code))]

    def organisations(dimension: str) -> list[tuple[str, int, int]]:
        rows = top(dimension)
        ids = [int(code) for code, _a, _b in rows if code.isdigit()]
        orgs = db.session.scalars(select(Organisation).where(Organisation.id.in_(ids)))
        names = {str(o.id): o.display_name for o in orgs}
        return [(names.get(code, code), a, b) for code, a, b in rows]

    states = top("beneficiary")
    known = db.session.scalars(select(Country).where(Country.iso3.in_([c for c, *_ in states])))
    state_names = {c.iso3: country_name(c) for c in known}
    return [
        coded(N_("Themes"), codes.THEMES, "theme"),
        coded(N_("Regions (initiatives: where; programmes: open to)"), codes.ELIGIBLE_REGIONS,
              "region"),
        Breakdown(N_("Funders (initiatives)"), organisations("funder"), INITIATIVES, OFFERS),
        Breakdown(N_("Implementers (programmes: providers)"), organisations("implementer"),
                  INITIATIVES, OFFERS),
        Breakdown(N_("Beneficiary states (initiatives)"),
                  [(state_names.get(c, c), a, b) for c, a, b in states], INITIATIVES, OFFERS),
        coded(N_("Work status"), codes.WORK_STATUSES, "work_status"),
    ]  # fmt: skip


def _by_month(found: counts.Totals) -> list[tuple[str, int, int]]:
    months: dict[str, list[int]] = {}
    for (kind, dimension, day), n in found.items():
        if dimension == "day" and n:
            pair = months.setdefault(day[:7], [0, 0])
            pair[0 if kind == "request" else 1] += n
    return [(month, r, p) for month, (r, p) in sorted(months.items())]


def _visible_matches_query(viewer: Any, period: Period | None, *columns: Any) -> Any:
    """Match cases whose request and programme the viewer may both see (active in
    ``period`` when given)."""
    query = (
        select(*columns)
        .select_from(Match)
        .join(Request, Match.request_id == Request.id)
        .join(Programme, Match.programme_id == Programme.id)
        .where(access.visible_clause(Request, viewer), access.visible_clause(Programme, viewer))
    )
    if period is not None:
        start, end = period.bounds
        query = query.where(Match.updated_at >= start, Match.created_at <= end)
    return query


def visible_matches(viewer: Any, period: Period | None = None) -> list[Match]:
    """Match cases whose request and programme the viewer may both see."""
    query = (
        _visible_matches_query(viewer, period, Match)
        .options(joinedload(Match.request).joinedload(Request.country), joinedload(Match.programme))
        .order_by(Match.updated_at.desc())
    )
    return list(db.session.scalars(query))


def match_counts(viewer: Any, period: Period) -> dict[str, int]:
    """Match cases by status (counted by the database), and those proposed in ``period``."""
    start, end = period.bounds
    proposed = case((and_(Match.created_at >= start, Match.created_at <= end), 1), else_=0)
    rows = db.session.execute(
        _visible_matches_query(
            viewer, period, Match.status, func.count(), func.sum(proposed)
        ).group_by(Match.status)
    ).all()
    statuses = {status: n for status, n, _ in rows}
    return {
        "proposed": sum(int(p or 0) for _, _, p in rows),
        "accepted": sum(statuses.get(s, 0) for s in ("accepted", "in_progress", "completed")),
        "in_progress": statuses.get("in_progress", 0),
        "completed": statuses.get("completed", 0),
        "declined": statuses.get("declined", 0),
    }


@dataclass
class Briefing:
    title: str  # what the pack covers: "Kenya, since the fourth session" (interface language)
    period: Period
    new_requests: dict[str, list[Request]]
    new_programmes: list[Programme]
    new_matches: list[Match]
    completed_matches: list[Match]
    unmet: dict[str, list[tuple[Request, float]]]
    title_html: Markup | None = None  # the title for a page (dates in ``<time>``)
    #: Possible overlaps between initiatives in the pack's states (any verdict), how many.
    overlaps: list[InitiativeOverlap] = field(default_factory=list)
    overlap_total: int = 0

    @property
    def heading(self) -> str:
        from flask_babel import gettext as _

        return _("Briefing pack: %(scope)s", scope=self.title)

    @property
    def heading_html(self) -> Markup:
        from flask_babel import gettext as _

        scope = self.title_html if self.title_html is not None else escape(self.title)
        return Markup(_("Briefing pack: %(scope)s", scope=scope))

    @property
    def by_theme(self) -> Breakdown:
        """New requests and new programmes per theme (the themes that have any)."""
        req = _count_codes([r for items in self.new_requests.values() for r in items], "themes")
        prog = _count_codes(self.new_programmes, "themes")
        rows = [(label, req[c], prog[c]) for c, label in codes.THEMES.items() if req[c] or prog[c]]
        return Breakdown(N_("New requests and programmes by theme"), rows)

    @property
    def by_region(self) -> Breakdown:
        """New requests and open unmet needs per UN regional group."""
        rows = [
            (label, len(self.new_requests.get(code, [])), len(self.unmet.get(code, [])))
            for code, label in codes.REGIONS.items()
            if self.new_requests.get(code) or self.unmet.get(code)
        ]
        return Breakdown(N_("New requests and unmet needs by region"), rows)


def briefing(
    viewer: Any,
    title: str,
    period: Period,
    threshold: float,
    states: frozenset[str] | None = None,
    title_html: Markup | None = None,
) -> Briefing:
    """What changed in ``period``; with ``states`` (a state's or a place's), only their
    requests, the programmes open to at least one of them (the shared eligibility rule),
    the matches of their requests and their unmet needs."""
    request_query = _in_period(Request, viewer, period).options(joinedload(Request.country))
    programme_query = _in_period(Programme, viewer, period)
    if states is not None:
        request_query = request_query.where(Request.country_code.in_(sorted(states)))
        programme_query = programme_query.where(states_clause(states))
    requests = db.session.scalars(request_query).all()
    by_region: dict[str, list[Request]] = {region: [] for region in codes.REGIONS}
    for r in requests:
        if r.status in access.PUBLISHED["request"] or access.is_secretariat(viewer):
            by_region[r.country.region].append(r)
    if states is not None:  # a state's or a place's pack: only the groups its states are in
        by_region = {region: items for region, items in by_region.items() if items}
    programmes = [
        p
        for p in db.session.scalars(programme_query.options(joinedload(Programme.organisation)))
        if p.status in access.PUBLISHED["programme"] or access.is_secretariat(viewer)
    ]
    matches = visible_matches(viewer, period)
    if states is not None:
        matches = [m for m in matches if m.request.country_code in states]
    start, end = period.bounds
    unmet: dict[str, list[tuple[Request, float]]] = {region: [] for region in codes.REGIONS}
    scoped = MatchFilters(states=states)
    for request, score in unmet_needs(viewer, scoped, threshold, limit=UNMET_LISTED):
        unmet[request.country.region].append((request, score))
    pack = Briefing(
        title=title,
        period=period,
        new_requests=by_region,
        new_programmes=programmes,
        new_matches=[m for m in matches if start <= m.created_at <= end],
        completed_matches=[m for m in matches if m.status == "completed"],
        unmet=unmet,
        title_html=title_html,
    )
    # overlaps where one of the pack's states is a beneficiary (all of them: every state)
    pack.overlaps, pack.overlap_total = overlap_list(viewer, OVERLAPS_LISTED, states=states)
    return pack
