"""THE eligibility rule: who may take up a programme, and when (docs/MATCHING.md).

The rule is written once, as data (:data:`OPEN_TO` and :data:`AVAILABLE`): a small tree
of conditions over a programme's fields, with three parameters supplied at use time —
``state`` (an ISO 3166 alpha-3 code), ``places`` (the places that state belongs to, see
:func:`places_of`) and ``today``.  :func:`holds` evaluates the tree on a programme dict
(the matching engine's hard rules); ``kb/catalogue/eligibility.py`` compiles the same tree
to SQL (lists, country pages, the API, reports).  A property test checks that both agree.

* A programme that lists **states** is open to those states only (its regions then only
  describe it).
* One that lists only **regions** (UN regional groups, later other places) is open to
  the states of those regions.
* One that lists neither, or the region ``global``, is open to all.
* It must also be ``open`` and not past its end date or application deadline (the day
  itself counts).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from search.places import default_gazetteer

GLOBAL = "global"
COUNTRIES = "eligible_countries"
REGIONS = "eligible_regions"


# -- the condition language ---------------------------------------------------------------


@dataclass(frozen=True)
class Param:
    """A value supplied when the rule is used: ``state``, ``places`` or ``today``."""

    name: str


@dataclass(frozen=True)
class Empty:
    """The code-list field is empty."""

    field: str


@dataclass(frozen=True)
class Lists:
    """The code-list field contains ``value`` (a code or a :class:`Param` of one code)."""

    field: str
    value: str | Param


@dataclass(frozen=True)
class ListsAny:
    """The code-list field contains one of the codes of a :class:`Param`."""

    field: str
    values: Param


@dataclass(frozen=True)
class Equals:
    field: str
    value: str


@dataclass(frozen=True)
class NotBefore:
    """The date field is empty or on/after the parameter (the day itself counts)."""

    field: str
    value: Param


@dataclass(frozen=True)
class Not:
    rule: Rule


@dataclass(frozen=True)
class All:
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class Any_:
    rules: tuple[Rule, ...]


Rule = Empty | Lists | ListsAny | Equals | NotBefore | Not | All | Any_

STATE, PLACES, TODAY = Param("state"), Param("places"), Param("today")
STATES = Param("states")

#: Lists states: open to those states only.
STATES_LISTED = Not(Empty(COUNTRIES))
#: Lists neither, or ``global`` (and no states): open to all.
OPEN_TO_ALL = All((Empty(COUNTRIES), Any_((Empty(REGIONS), Lists(REGIONS, GLOBAL)))))
#: Lists only regions (no ``global``): open to the states of those regions.
REGIONS_ONLY = All((Empty(COUNTRIES), Not(Empty(REGIONS)), Not(Lists(REGIONS, GLOBAL))))

#: Who may take part (place only).
OPEN_TO = Any_(
    (
        All((STATES_LISTED, Lists(COUNTRIES, STATE))),
        All((REGIONS_ONLY, ListsAny(REGIONS, PLACES))),
        OPEN_TO_ALL,
    )
)
#: Open to at least one of ``states`` (``places``: the places of those states) — the
#: region filter of lists: "open to (some) states of this region".
OPEN_TO_SOME = Any_(
    (
        All((STATES_LISTED, ListsAny(COUNTRIES, STATES))),
        All((REGIONS_ONLY, ListsAny(REGIONS, PLACES))),
        OPEN_TO_ALL,
    )
)
#: When it can be taken up.
AVAILABLE = All(
    (
        Equals("status", "open"),
        NotBefore("end_date", TODAY),
        NotBefore("application_deadline", TODAY),
    )
)
#: Both: the programme can be taken up by ``state`` on ``today``.
ELIGIBLE = All((OPEN_TO, AVAILABLE))


# -- region membership (the one switch for places beyond the UN regional groups) ----------


def places_of(state: str | None, region: str | None) -> frozenset[str]:
    """The places a state belongs to, as programmes list them in ``eligible_regions``.

    Its UN regional group, and every gazetteer place that counts it (``m49:014``,
    ``org:EAC``, ``informal:sahel`` …, see ``search/places``); every use of the rule
    (Python and SQL) goes through this function.
    """
    places = {region} if region else set()
    if state:
        places |= default_gazetteer().keys_of_state(state)
    return frozenset(places)


# -- evaluation on plain dicts ------------------------------------------------------------


def _day(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value if type(value) is date else value.date()  # type: ignore[attr-defined]
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        return None


def _value(value: Any, params: Mapping[str, Any]) -> Any:
    return params[value.name] if isinstance(value, Param) else value


def holds(rule: Rule, record: Mapping[str, Any], params: Mapping[str, Any]) -> bool:
    """Whether ``rule`` holds for a programme dict, given the parameters."""
    if isinstance(rule, Empty):
        return not record.get(rule.field)
    if isinstance(rule, Lists):
        return _value(rule.value, params) in (record.get(rule.field) or ())
    if isinstance(rule, ListsAny):
        listed: Collection[str] = record.get(rule.field) or ()
        return any(v in listed for v in _value(rule.values, params))
    if isinstance(rule, Equals):
        return record.get(rule.field) == rule.value
    if isinstance(rule, NotBefore):
        found = _day(record.get(rule.field))
        return found is None or found >= _value(rule.value, params)
    if isinstance(rule, Not):
        return not holds(rule.rule, record, params)
    if isinstance(rule, All):
        return all(holds(r, record, params) for r in rule.rules)
    if isinstance(rule, Any_):
        return any(holds(r, record, params) for r in rule.rules)
    raise TypeError(f"unknown rule {rule!r}")


def params_for(state: str | None, region: str | None, today: date | None = None) -> dict:
    """The parameters of the rule for a state (and its UN region) on ``today``."""
    return {"state": state or "", "places": places_of(state, region), "today": today}


def open_to(programme: Mapping[str, Any], state: str | None, region: str | None) -> bool:
    """Whether the state may take part in the programme (place only, any date)."""
    return holds(OPEN_TO, programme, params_for(state, region))


def available(programme: Mapping[str, Any], today: date) -> bool:
    """Status ``open`` and not past its end date or application deadline."""
    return holds(AVAILABLE, programme, {"today": today})


def available_until(programme: Mapping[str, Any]) -> date | None:
    """The last day :data:`AVAILABLE` can hold for the programme: the earliest of the dates
    the rule says it must not be past (None when no date ends it). For a programme available
    on some day, it stays available on every later day up to this one, and no longer —
    so stored figures can keep this day and drop the programme at read time once it passed
    (see ``kb/matching/aggregates.py``)."""
    days = [d for d in (_day(programme.get(f)) for f in _ending_fields(AVAILABLE)) if d]
    return min(days) if days else None


def _ending_fields(rule: Rule) -> list[str]:
    """Fields of the :class:`NotBefore` conditions on ``today`` that ``rule`` requires."""
    if isinstance(rule, NotBefore) and rule.value == TODAY:
        return [rule.field]
    if isinstance(rule, All):
        return [f for r in rule.rules for f in _ending_fields(r)]
    return []


def some_params(states: Mapping[str, str | None]) -> dict:
    """Parameters of :data:`OPEN_TO_SOME` for states given as ``{iso3: UN region}``."""
    places: set[str] = set()
    for state, region in states.items():
        places |= places_of(state, region)
    return {"states": frozenset(states), "places": frozenset(places)}


def regions_reached(programme: Mapping[str, Any], region_of: Mapping[str, str]) -> list[str]:
    """UN regional groups with at least one state the programme is open to (``global``
    when open to all); ``region_of`` maps states to their group."""
    if is_open_to_all(programme):
        return [GLOBAL]
    if describes_only(programme):
        found = {region_of[s] for s in programme.get(COUNTRIES) or () if s in region_of}
    else:
        groups = set(region_of.values())
        listed = set(programme.get(REGIONS) or ())
        found = {r for r in groups if r in listed}
        found |= {
            region for state, region in region_of.items() if places_of(state, region) & listed
        }
    return sorted(found)


def is_open_to_all(programme: Mapping[str, Any]) -> bool:
    return holds(OPEN_TO_ALL, programme, {})


def describes_only(programme: Mapping[str, Any]) -> bool:
    """True when the programme's regions only describe it (it lists states)."""
    return holds(STATES_LISTED, programme, {})
