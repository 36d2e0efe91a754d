"""The world map's figures per state: needs, offers and unmet needs, stored per visibility level.

Each live record adds facts (:class:`~kb.models.StateFact`): an open request one for its state,
an available programme one (``*``: open to all; else ``~`` with its *audience*, the states it
lists or the places it is open to, read by the shared eligibility rule), at the record's
visibility level; an open request that is an unmet need adds one ``unmet`` fact for each kind of
viewer (public, verified, Secretariat) for whom its best stored score is below the threshold.
So the facts stay one or two rows per record at any catalogue size (one per state a programme
was open to came to about 3 million rows at 100,000 programmes). ``state_aggregates`` holds the
per-state counts, recomputed after each commit for the states the changed records touch (an
audience counts for each of its states), so a page reads at most a few hundred stored numbers.
A viewer's figures add the levels they may see and, for an owner, their own confidential
records (few rows): a record the viewer may not see never changes them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, tuple_

from kb import access
from kb.extensions import db
from kb.matching.aggregates import LEVELS, in_chunks, lapsed, lapsed_facts, until, viewer_levels
from kb.models import Country, MatchNeed, Programme, Request, StateAggregate, StateFact
from search.matching import eligibility as rule

ALL_STATES = "*"
#: The stored best score each kind of viewer reads (``MatchNeed``), by viewer class.
NEED_COLUMN = {"public": "best_public", "verified": "best_verified", "secretariat": "best_all"}
#: The record levels each viewer class may see.
CLASS_LEVELS = {"public": ("public",), "verified": ("public", "verified"), "secretariat": LEVELS}
Cell = tuple[str, str, str]  # level, kind, state


@dataclass(frozen=True)
class StateFigures:
    """One state's figures as a viewer may see them."""

    needs: int = 0  # open requests of the state
    offers: int = 0  # available programmes open to the state
    unmet: int = 0  # open requests with no good enough match

    def get(self, measure: str) -> int:
        return int(getattr(self, measure))


def _level(record: Request | Programme) -> str:
    return record.visibility if record.visibility in LEVELS else "secretariat"


#: ``state`` of a programme fact whose states are those of its ``audience``.
BY_AUDIENCE = "~"


def _audience_key(programme: Programme) -> str | None:
    """The programme's audience as stored (None: open to all): the states it lists (then its
    regions only describe it) or the places it is open to."""
    audience = programme.audience()
    if rule.is_open_to_all(audience):
        return None
    if audience["eligible_countries"]:
        return "c:" + ";".join(sorted(audience["eligible_countries"]))
    return "r:" + ";".join(sorted(audience["eligible_regions"]))


#: States of audience keys, kept by the process across refreshes for the same countries
#: table (an edit's follow-up recounts every stored audience: resolving each by the rule
#: again cost 3.7 s per edit at 3,000 programmes, 21 s at 10,000). Emptied when it outgrows
#: ``AUDIENCE_CACHE``.
_AUDIENCE_STATES: dict[tuple[int, str], tuple[str, ...]] = {}
AUDIENCE_CACHE = 200_000


class Audiences:
    """The states of stored audiences, by the one eligibility rule (once per key)."""

    def __init__(self) -> None:
        self.countries = _countries()
        self._signature = hash(tuple(sorted(self.countries.items())))
        if len(_AUDIENCE_STATES) > AUDIENCE_CACHE:
            _AUDIENCE_STATES.clear()

    def states(self, key: str) -> tuple[str, ...]:
        found = _AUDIENCE_STATES.get((self._signature, key))
        if found is None:
            kind, _, codes = key.partition(":")
            listed = [c for c in codes.split(";") if c]
            audience = {
                "eligible_countries": listed if kind == "c" else [],
                "eligible_regions": listed if kind == "r" else [],
            }
            found = _AUDIENCE_STATES[(self._signature, key)] = tuple(
                iso3
                for iso3, region in self.countries.items()
                if rule.holds(rule.OPEN_TO, audience, rule.params_for(iso3, region))
            )
        return found

    def cells(self, rows: Iterable[tuple[str, str, str, str | None]]) -> set[Cell]:
        """The (level, kind, state) cells of fact rows (level, kind, state, audience)."""
        out: set[Cell] = set()
        for level, kind, state, audience in rows:
            if audience is None:
                out.add((level, kind, state))
            else:
                out.update((level, kind, s) for s in self.states(audience))
        return out


def _request_facts(request: Request, needs: dict[int, dict[str, float]], threshold: float):
    if request.status != "open":
        return []
    level = _level(request)
    facts = [{"kind": "request", "record_id": request.id, "level": level,
              "state": request.country_code, "available_until": None,
              "audience": None}]  # fmt: skip
    best = needs.get(request.id, {})
    for viewer_class, column in NEED_COLUMN.items():
        if level in CLASS_LEVELS[viewer_class] and best.get(column, 0.0) < threshold:
            facts.append(
                {"kind": "unmet", "record_id": request.id, "level": viewer_class,
                 "state": request.country_code, "available_until": None, "audience": None}
            )  # fmt: skip
    return facts


def _programme_facts(programme: Programme, today: date) -> list[dict[str, Any]]:
    audience = {
        "status": programme.status,
        "end_date": programme.end_date,
        "application_deadline": programme.application_deadline,
    }
    if not rule.available(audience, today):
        return []
    key = _audience_key(programme)
    return [
        {"kind": "programme", "record_id": programme.id, "level": _level(programme),
         "state": ALL_STATES if key is None else BY_AUDIENCE, "audience": key,
         "available_until": until(programme)}
    ]  # fmt: skip


def _needs(request_ids: list[int]) -> dict[int, dict[str, float]]:
    rows = db.session.scalars(select(MatchNeed).where(MatchNeed.request_id.in_(request_ids)))
    return {
        n.request_id: {c: getattr(n, c) for c in NEED_COLUMN.values()} for n in rows
    }  # fmt: skip


def _countries() -> dict[str, str]:
    return dict(db.session.execute(select(Country.iso3, Country.region)).all())


def update_records(
    request_ids: Iterable[int], programme_ids: Iterable[int], threshold: float
) -> None:
    """Replace the facts of these records and recount the states they touch."""
    request_ids, programme_ids = sorted(set(request_ids)), sorted(set(programme_ids))
    if not request_ids and not programme_ids:
        return
    mine = or_(
        and_(StateFact.kind.in_(("request", "unmet")), StateFact.record_id.in_(request_ids)),
        and_(StateFact.kind == "programme", StateFact.record_id.in_(programme_ids)),
    )
    audiences = Audiences()
    cells = audiences.cells(
        db.session.execute(
            select(StateFact.level, StateFact.kind, StateFact.state, StateFact.audience).where(mine)
        )
    )
    db.session.execute(delete(StateFact).where(mine))
    facts: list[dict[str, Any]] = []
    if request_ids:
        needs = _needs(request_ids)
        for r in db.session.scalars(select(Request).where(Request.id.in_(request_ids))):
            facts += _request_facts(r, needs, threshold)
    if programme_ids:
        today = date.today()
        for p in db.session.scalars(select(Programme).where(Programme.id.in_(programme_ids))):
            facts += _programme_facts(p, today)
    if facts:
        db.session.execute(StateFact.__table__.insert(), facts)
    cells |= audiences.cells((f["level"], f["kind"], f["state"], f["audience"]) for f in facts)
    _recount(cells, audiences)


def _audience_counts(audiences: Audiences) -> dict[Cell, int]:
    """Per (level, "programme", state): the programmes stored by audience (one row each)."""
    counts: dict[Cell, int] = {}
    rows = db.session.execute(
        select(StateFact.level, StateFact.audience, func.count())
        .where(StateFact.kind == "programme", StateFact.audience.is_not(None))
        .group_by(StateFact.level, StateFact.audience)
    )
    for level, key, n in rows:
        for state in audiences.states(key):
            cell = (level, "programme", state)
            counts[cell] = counts.get(cell, 0) + n
    return counts


def _recount(cells: set[Cell], audiences: Audiences) -> None:
    if not cells:
        return
    keys = [StateFact.level, StateFact.kind, StateFact.state]
    agg = [StateAggregate.level, StateAggregate.kind, StateAggregate.state]
    cell_list = sorted(cells)
    counts = dict.fromkeys(cell_list, 0)
    if any(kind == "programme" for _, kind, _ in cell_list):
        for cell, n in _audience_counts(audiences).items():
            if cell in counts:
                counts[cell] += n
    for start in range(0, len(cell_list), 500):
        chunk = cell_list[start : start + 500]
        rows = db.session.execute(
            select(*keys, func.count())
            .where(tuple_(*keys).in_(chunk), StateFact.audience.is_(None))
            .group_by(*keys)
        )
        for level, kind, state, n in rows:
            counts[(level, kind, state)] += n
        db.session.execute(delete(StateAggregate).where(tuple_(*agg).in_(chunk)))
    out = [{"level": c[0], "kind": c[1], "state": c[2], "count": n} for c, n in counts.items() if n]
    if out:
        db.session.execute(StateAggregate.__table__.insert(), out)


def rebuild(threshold: float) -> None:
    """Recompute every fact and count (after a full ``flask match refresh``)."""
    db.session.execute(delete(StateFact))
    db.session.execute(delete(StateAggregate))
    for requests in in_chunks(Request, Request.status == "open"):
        needs = _needs([r.id for r in requests])
        _insert_facts([f for r in requests for f in _request_facts(r, needs, threshold)])
    today = date.today()
    for programmes in in_chunks(Programme, Programme.status == "open"):
        _insert_facts([f for p in programmes for f in _programme_facts(p, today)])
    rebuild_counts()


def rebuild_counts() -> None:
    """Recount every state from the stored facts."""
    db.session.execute(delete(StateAggregate))
    keys = [StateFact.level, StateFact.kind, StateFact.state]
    rows = db.session.execute(
        select(*keys, func.count()).where(StateFact.audience.is_(None)).group_by(*keys)
    )
    counts = {(lv, k, s): n for lv, k, s, n in rows}
    for cell, n in _audience_counts(Audiences()).items():
        counts[cell] = counts.get(cell, 0) + n
    out = [{"level": c[0], "kind": c[1], "state": c[2], "count": n} for c, n in counts.items()]
    if out:
        db.session.execute(StateAggregate.__table__.insert(), out)


def _insert_facts(facts: list[dict[str, Any]]) -> None:
    for start in range(0, len(facts), 5000):
        db.session.execute(StateFact.__table__.insert(), facts[start : start + 5000])


def _by_state(rows: Iterable[tuple[str, str | None, int]], audiences: Audiences) -> dict[str, int]:
    """Counts grouped by (state, audience) as counts per state (few rows: lapsed programmes,
    an owner's own)."""
    out: dict[str, int] = {}
    for state, audience, n in rows:
        for s in audiences.states(audience) if audience is not None else (state,):
            out[s] = out.get(s, 0) + n
    return out


def _viewer_class(viewer: Any) -> str:
    levels = viewer_levels(viewer)
    return "secretariat" if "secretariat" in levels else levels[-1]


def figures(viewer: Any, threshold: float, today: date | None = None) -> dict[str, StateFigures]:
    """ISO3 → the state's figures on ``today`` from the records ``viewer`` may see (stored
    counts, less the programmes that lapsed since they were stored)."""
    levels, viewer_class = viewer_levels(viewer), _viewer_class(viewer)
    needs: dict[str, int] = {}
    offers: dict[str, int] = {}
    unmet: dict[str, int] = {}
    seen = or_(
        and_(StateAggregate.kind.in_(("request", "programme")), StateAggregate.level.in_(levels)),
        and_(StateAggregate.kind == "unmet", StateAggregate.level == viewer_class),
    )
    rows = db.session.execute(
        select(StateAggregate.kind, StateAggregate.state, StateAggregate.count).where(seen)
    )
    target = {"request": needs, "programme": offers, "unmet": unmet}
    for kind, state, n in rows:
        target[kind][state] = target[kind].get(state, 0) + n
    audiences = Audiences()
    gone = db.session.execute(  # lapsed since the counts were stored (few rows, indexed)
        select(StateFact.state, StateFact.audience, func.count())
        .where(lapsed_facts(StateFact, today), StateFact.kind == "programme")
        .where(StateFact.level.in_(levels))
        .group_by(StateFact.state, StateFact.audience)
    )
    for state, n in _by_state(gone, audiences).items():
        offers[state] = offers.get(state, 0) - n
    if viewer_class != "secretariat":
        _add_own_confidential(viewer, viewer_class, threshold, target, today, audiences)
    everywhere = offers.pop(ALL_STATES, 0)
    states = set(needs) | set(offers) | set(unmet)
    result = {
        s: StateFigures(needs.get(s, 0), offers.get(s, 0) + everywhere, unmet.get(s, 0))
        for s in states
    }
    if everywhere:
        for iso3 in db.session.scalars(select(Country.iso3)):
            result.setdefault(iso3, StateFigures(0, everywhere, 0))
    return result


def _add_own_confidential(
    viewer: Any,
    viewer_class: str,
    threshold: float,
    target: dict[str, dict[str, int]],
    today: date | None,
    audiences: Audiences,
) -> None:
    """The viewer's own records at the ``secretariat`` level (owners see them; few rows)."""
    if not any(t.startswith("owner:") for t in access.viewer_tokens(viewer)):
        return
    for kind, model in (("request", Request), ("programme", Programme)):
        rows = db.session.execute(
            select(StateFact.state, StateFact.audience, func.count())
            .join(model, model.id == StateFact.record_id)
            .where(StateFact.kind == kind, StateFact.level == "secretariat")
            .where(~lapsed(StateFact.available_until, today) | StateFact.available_until.is_(None))
            .where(access.owned_clause(model, viewer))
            .group_by(StateFact.state, StateFact.audience)
        )
        for state, n in _by_state(rows, audiences).items():
            target[kind][state] = target[kind].get(state, 0) + n
    best = getattr(MatchNeed, NEED_COLUMN[viewer_class])
    rows = db.session.execute(
        select(Request.country_code, func.count())
        .join(StateFact, and_(StateFact.record_id == Request.id, StateFact.kind == "request"))
        .outerjoin(MatchNeed, MatchNeed.request_id == Request.id)
        .where(StateFact.level == "secretariat", access.owned_clause(Request, viewer))
        .where(or_(best.is_(None), best < threshold))
        .group_by(Request.country_code)
    )
    for state, n in rows:
        target["unmet"][state] = target["unmet"].get(state, 0) + n
