"""Figures for the landscape report and the briefing pack: only what the viewer may see."""

from __future__ import annotations

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
from kb.models import Country, Match, Programme, Request
from kb.models.initiative import InitiativeOverlap
from kb.reports import counts

#: Unmet needs a report lists (worst first).
UNMET_LISTED = 200
#: Organisations and states listed in a "who does what where" breakdown (the most frequent).
WORK_LISTED = 15
#: Possible overlaps between initiatives a report or a briefing pack lists (highest first).
OVERLAPS_LISTED = 100
#: Records a briefing pack lists per section, newest first (requests: per regional group);
#: its figures count them all.
BRIEFING_LISTED = 30


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
        # A status agrees with its records (initiatives): worded here, under its context.
        worded = codes.labels(table) if isinstance(table, codes.CodeList) else table
        rows = [(label, *pair(dimension, code)) for code, label in worded.items()]
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


@dataclass(frozen=True)
class PackTitle:
    """What a briefing pack covers, known before any record is read."""

    title: str  # "Kenya, since the fourth session" (interface language)
    period: Period
    title_html: Markup | None = None  # the title for a page (dates in ``<time>``)

    @property
    def heading(self) -> str:
        from flask_babel import gettext as _

        return _("Briefing pack: %(scope)s", scope=self.title)

    @property
    def heading_html(self) -> Markup:
        from flask_babel import gettext as _

        scope = self.title_html if self.title_html is not None else escape(self.title)
        return Markup(_("Briefing pack: %(scope)s", scope=scope))


@dataclass
class Briefing:
    title: str  # what the pack covers: "Kenya, since the fourth session" (interface language)
    period: Period
    #: The newest requests of the period per UN regional group (``BRIEFING_LISTED`` at most
    #: each) and how many there are in all.
    new_requests: dict[str, list[Request]]
    new_programmes: list[Programme]
    new_matches: list[Match]
    completed_matches: list[Match]
    unmet: dict[str, list[tuple[Request, float]]]
    title_html: Markup | None = None  # the title for a page (dates in ``<time>``)
    #: Possible overlaps between initiatives in the pack's states (any verdict), how many.
    overlaps: list[InitiativeOverlap] = field(default_factory=list)
    overlap_total: int = 0
    request_totals: dict[str, int] = field(default_factory=dict)
    programme_total: int = 0
    new_match_total: int = 0
    completed_total: int = 0
    #: theme → (new requests, new programmes) of the whole period (not only those listed).
    theme_counts: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def heading(self) -> str:
        return PackTitle(self.title, self.period, self.title_html).heading

    @property
    def by_theme(self) -> Breakdown:
        """New requests and new programmes per theme (the themes that have any)."""
        rows = [
            (label, *self.theme_counts.get(code, (0, 0)))
            for code, label in codes.THEMES.items()
            if any(self.theme_counts.get(code, (0, 0)))
        ]
        return Breakdown(N_("New requests and programmes by theme"), rows)

    @property
    def by_region(self) -> Breakdown:
        """New requests and open unmet needs per UN regional group."""
        rows = [
            (label, self.request_totals.get(code, 0), len(self.unmet.get(code, [])))
            for code, label in codes.REGIONS.items()
            if self.request_totals.get(code) or self.unmet.get(code)
        ]
        return Breakdown(N_("New requests and unmet needs by region"), rows)


def _pack_query(
    model: type[Request] | type[Programme],
    viewer: Any,
    period: Period,
    states: frozenset[str] | None,
    *columns: Any,
) -> Any:
    """The records of ``model`` created in ``period`` that a pack shows: visible to
    ``viewer`` and published (the Secretariat: any status), in the pack's ``states`` (a
    request: of one of them; a programme: open to one of them)."""
    start, end = period.bounds
    query = (
        select(*columns)
        .select_from(model)
        .where(access.visible_clause(model, viewer))
        .where(model.created_at >= start, model.created_at <= end)
    )
    kind = "request" if model is Request else "programme"
    if not access.is_secretariat(viewer):
        query = query.where(model.status.in_(sorted(access.PUBLISHED[kind])))
    if states is not None:
        query = query.where(
            Request.country_code.in_(sorted(states)) if model is Request else states_clause(states)
        )
    return query


def _newest(query: Any, model: type[Request] | type[Programme]) -> list[Any]:
    return list(db.session.scalars(query.order_by(model.created_at.desc()).limit(BRIEFING_LISTED)))


def _theme_counts(query: Any, column: Any) -> dict[str, int]:
    """How many of the records ``query`` selects list each theme: one pass in the database
    (themes are stored as ``|a|b|``: see :class:`kb.models.types.CodeList`)."""
    sums = [func.sum(case((column.like(f"%|{code}|%"), 1), else_=0)) for code in codes.THEMES]
    row = db.session.execute(query.with_only_columns(*sums)).one()
    return {code: int(n or 0) for code, n in zip(codes.THEMES, row, strict=True)}


def _request_figures(
    viewer: Any, period: Period, states: frozenset[str] | None
) -> tuple[dict[str, int], dict[str, int], dict[str, int], int]:
    """New requests per regional group and per theme, new programmes per theme and in all.

    For every state they come from the stored counts (:mod:`kb.reports.counts`, as the
    landscape report); for a state's or a place's pack the database counts the records of
    the period in scope (one pass per kind)."""
    if states is None:
        found = counts.totals(viewer, period.start, period.end)
        regions = {code: found[("request", "region", code)] for code in codes.REGIONS}
        request_themes = {code: found[("request", "theme", code)] for code in codes.THEMES}
        programme_themes = {code: found[("programme", "theme", code)] for code in codes.THEMES}
        return regions, request_themes, programme_themes, found[("programme", "total", "")]
    requests = _pack_query(Request, viewer, period, states, Request.id)
    regions = dict(
        db.session.execute(
            requests.join(Country, Country.iso3 == Request.country_code)
            .with_only_columns(Country.region, func.count())
            .group_by(Country.region)
        ).all()
    )
    programmes = _pack_query(Programme, viewer, period, states, Programme.id)
    total = db.session.scalar(programmes.with_only_columns(func.count())) or 0
    return (
        regions,
        _theme_counts(requests, Request.themes),
        _theme_counts(programmes, Programme.themes),
        total,
    )


def _pack_matches(
    viewer: Any, period: Period, states: frozenset[str] | None, completed: bool
) -> tuple[list[Match], int]:
    """The pack's newest new (or completed) match cases and how many there are."""
    query = _visible_matches_query(viewer, period, Match)
    if states is not None:
        query = query.where(Request.country_code.in_(sorted(states)))
    if completed:
        query = query.where(Match.status == "completed")
    else:
        start, end = period.bounds
        query = query.where(Match.created_at >= start, Match.created_at <= end)
    total = db.session.scalar(query.with_only_columns(func.count())) or 0
    listed = db.session.scalars(
        query.options(
            joinedload(Match.request).joinedload(Request.country), joinedload(Match.programme)
        )
        .order_by(Match.updated_at.desc())
        .limit(BRIEFING_LISTED)
    )
    return list(listed), total


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
    the matches of their requests and their unmet needs.

    Each list holds the newest ``BRIEFING_LISTED`` records (per regional group for
    requests) and says how many there are: a pack reads a bounded number of records,
    whatever the size of the catalogue or the period."""
    regions, request_themes, programme_themes, programme_total = _request_figures(
        viewer, period, states
    )
    by_region: dict[str, list[Request]] = {}
    for region in codes.REGIONS:
        if states is not None and not regions.get(region):
            continue  # a state's or a place's pack: only the groups its states are in
        query = _pack_query(Request, viewer, period, states, Request).join(
            Country, Country.iso3 == Request.country_code
        )
        query = query.where(Country.region == region).options(joinedload(Request.country))
        by_region[region] = _newest(query, Request) if regions.get(region) else []
    programmes = _newest(
        _pack_query(Programme, viewer, period, states, Programme).options(
            joinedload(Programme.organisation)
        ),
        Programme,
    )
    new_matches, new_match_total = _pack_matches(viewer, period, states, completed=False)
    completed, completed_total = _pack_matches(viewer, period, states, completed=True)
    unmet: dict[str, list[tuple[Request, float]]] = {region: [] for region in codes.REGIONS}
    scoped = MatchFilters(states=states)
    for request, score in unmet_needs(viewer, scoped, threshold, limit=UNMET_LISTED):
        unmet[request.country.region].append((request, score))
    pack = Briefing(
        title=title,
        period=period,
        new_requests=by_region,
        new_programmes=programmes,
        new_matches=new_matches,
        completed_matches=completed,
        unmet=unmet,
        title_html=title_html,
        request_totals={code: int(n) for code, n in regions.items() if n},
        programme_total=int(programme_total),
        new_match_total=new_match_total,
        completed_total=completed_total,
        theme_counts={
            code: (request_themes.get(code, 0), programme_themes.get(code, 0))
            for code in codes.THEMES
        },
    )
    # overlaps where one of the pack's states is a beneficiary (all of them: every state)
    pack.overlaps, pack.overlap_total = overlap_list(viewer, OVERLAPS_LISTED, states=states)
    return pack
