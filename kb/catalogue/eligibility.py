"""The eligibility rule of ``search.matching.eligibility`` compiled to SQL.

No rule is written here: :func:`compile_rule` translates the shared condition tree, so the
lists, country pages, the API, reports and the matching engine apply the same rule (a
property test checks SQL and Python agree on random programmes, states and dates).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, false, not_, or_, select

from kb.catalogue.listed import listed_codes
from kb.extensions import db
from kb.models import Country, Programme
from kb.models.catalogue import ENDED
from kb.models.types import has_code, no_codes
from search.matching import eligibility as rule
from search.matching.eligibility import Rule
from search.places import state_groups


def _param(value: Any, params: dict[str, Any]) -> Any:
    return params[value.name] if isinstance(value, rule.Param) else value


def compile_rule(node: Rule, params: dict[str, Any]) -> ColumnElement[bool]:
    """SQL condition on :class:`Programme` equivalent to ``eligibility.holds(node, ...)``."""
    if isinstance(node, rule.Empty):
        return no_codes(getattr(Programme, node.field))
    if isinstance(node, rule.Lists):
        return has_code(getattr(Programme, node.field), _param(node.value, params))
    if isinstance(node, rule.ListsAny):
        values = sorted(_param(node.values, params))
        if len(values) > 1:
            # A place has many states, a state a dozen places (group, sub-regions,
            # organisations): test only the codes some programme lists (same rows, far
            # fewer LIKEs).
            listed = listed_codes(node.field)
            values = [v for v in values if v in listed]
        column = getattr(Programme, node.field)
        return or_(*(has_code(column, v) for v in values)) if values else false()
    if isinstance(node, rule.Equals):
        return getattr(Programme, node.field) == node.value
    if isinstance(node, rule.NotBefore):
        column = getattr(Programme, node.field)
        return or_(column.is_(None), column >= _param(node.value, params))
    if isinstance(node, rule.Not):
        return not_(compile_rule(node.rule, params))
    if isinstance(node, rule.All):
        return and_(*(compile_rule(r, params) for r in node.rules))
    if isinstance(node, rule.Any_):
        return or_(*(compile_rule(r, params) for r in node.rules))
    raise TypeError(f"unknown rule {node!r}")


def open_to_clause(country: Country) -> ColumnElement[bool]:
    """Programmes ``country`` may take part in (place only, any status or date)."""
    return compile_rule(rule.OPEN_TO, rule.params_for(country.iso3, country.region))


def available_clause(today: date) -> ColumnElement[bool]:
    """Programmes that can be taken up on ``today``: open, not past end date or deadline."""
    return compile_rule(rule.AVAILABLE, {"today": today})


def status_clause(status: str, today: date) -> ColumnElement[bool]:
    """Programmes whose status as read on ``today`` is ``status`` (``effective_status``):
    ``open`` only while available, ``ended`` when open but no longer available."""
    available = available_clause(today)
    if status == "open":
        return available
    if status == ENDED:
        return and_(Programme.status == "open", not_(available))
    return Programme.status == status


def eligible_clause(country: Country, today: date) -> ColumnElement[bool]:
    """Both: programmes ``country`` can take up on ``today``."""
    return compile_rule(rule.ELIGIBLE, rule.params_for(country.iso3, country.region, today))


def region_clause(region: str) -> ColumnElement[bool]:
    """Programmes open to at least one state of the UN regional group ``region``."""
    query = select(Country.iso3, Country.region).where(Country.region == region)
    states = dict(((i, r) for i, r in db.session.execute(query).all()))
    return compile_rule(rule.OPEN_TO_SOME, rule.some_params(states))


def states_clause(states: Iterable[str]) -> ColumnElement[bool]:
    """Programmes open to at least one of ``states`` (the states of a gazetteer place)."""
    groups = state_groups()
    return compile_rule(rule.OPEN_TO_SOME, rule.some_params({s: groups.get(s) for s in states}))


def region_map() -> dict[str, str]:
    """Every state's UN regional group."""
    return dict(((i, r) for i, r in db.session.execute(select(Country.iso3, Country.region)).all()))
