"""The world map of needs, offers and unmet needs by state: what the pages and .docx draw.

The outlines come from ``search.places.world_map`` (Natural Earth, simplified); the figures
from the stored per-state counts (``kb.matching.state_map``), as the viewer may see them. Each
state is shaded by the chosen measure in up to four classes (quartiles of the states that have
any), links to its country page and is listed, with its three figures, in the table beside.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import g, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from kb.codes import N_
from kb.extensions import db
from kb.i18n import country_name, format_number, sort_key
from kb.matching import state_map
from kb.matching.state_map import StateFigures
from kb.models import Country
from search.places.world_map import world_map

#: What the map can shade, in the order of the switch above it.
MEASURES = {
    "unmet": N_("Unmet needs"),
    "needs": N_("Needs (open requests)"),
    "offers": N_("Offers (available programmes open to the state)"),
}
DEFAULT_MEASURE = "unmet"


def _country_url(iso3: str) -> str:
    """A state's page (the URL is built once per request: the map links ~200 states)."""
    pattern = g.get("_country_url")
    if pattern is None:
        pattern = g._country_url = url_for("directory.country", iso3="__ISO3__")
    return pattern.replace("__ISO3__", iso3)


@dataclass
class Shape:
    iso3: str
    name: str
    figures: StateFigures
    bucket: int  # 0: none, 1..4: quartile class
    in_scope: bool
    path: str | None = None
    point: tuple[float, float] | None = None

    @property
    def href(self) -> str:
        return _country_url(self.iso3)

    @property
    def title(self) -> str:
        return _title_pattern() % {
            "state": self.name,
            "needs": format_number(self.figures.needs),
            "offers": format_number(self.figures.offers),
            "unmet": format_number(self.figures.unmet),
        }


def _title_pattern() -> str:
    """A state's title, translated once per request (the map has ~200 of them)."""
    pattern = g.get("_map_title")
    if pattern is None:
        pattern = g._map_title = _(
            "%(state)s — needs: %(needs)s, offers: %(offers)s, unmet needs: %(unmet)s"
        )
    return pattern


@dataclass
class MapView:
    measure: str
    width: float
    height: float
    shapes: list[Shape]
    others: tuple[str, ...]
    legend: list[tuple[int, str]]
    links: dict[str, str]
    not_drawn: list[str] = field(default_factory=list)

    @property
    def rows(self) -> list[Shape]:
        """The table: the states in scope with any figure, the chosen measure first."""
        shown = [s for s in self.shapes if s.in_scope and (s.figures != StateFigures())]
        return sorted(shown, key=lambda s: (-s.figures.get(self.measure), sort_key(s.name)))

    @property
    def label(self) -> str:
        return MEASURES[self.measure]

    @property
    def measures(self) -> list[tuple[str, str]]:
        return list(MEASURES.items())


def _edges(values: list[int]) -> list[int]:
    """Upper bounds of the first three classes: quartiles of the positive values."""
    positives = sorted(v for v in values if v > 0)
    if not positives:
        return []
    edges = [positives[(len(positives) * k) // 4] for k in (1, 2, 3)]
    return sorted({e for e in edges if e < positives[-1]})


def _bucket(value: int, edges: list[int]) -> int:
    return 0 if value <= 0 else 1 + sum(1 for e in edges if value > e)


def _legend(values: list[int], edges: list[int]) -> list[tuple[int, str]]:
    spans: dict[int, list[int]] = {}
    for v in values:
        if v > 0:
            spans.setdefault(_bucket(v, edges), []).append(v)
    legend = [(0, _("none"))]
    for bucket in sorted(spans):
        low, high = min(spans[bucket]), max(spans[bucket])
        text = format_number(low) if low == high else f"{format_number(low)}–{format_number(high)}"
        legend.append((bucket, text))
    return legend


def measure_arg() -> str:
    chosen = request.args.get("map", "")
    return chosen if chosen in MEASURES else DEFAULT_MEASURE


def build(viewer: Any, threshold: float, scope: frozenset[str] | None = None) -> MapView:
    """The map for ``viewer``; ``scope`` (a place's states) keeps the others unshaded."""
    measure = measure_arg()
    figures = state_map.figures(viewer, threshold)
    drawn = world_map()
    countries = db.session.scalars(select(Country)).all()
    shapes: list[Shape] = []
    for country in countries:
        iso3 = country.iso3
        in_scope = scope is None or iso3 in scope
        shape = Shape(
            iso3,
            country_name(country),
            figures.get(iso3, StateFigures()) if in_scope else StateFigures(),
            0,
            in_scope,
            drawn.outlines.get(iso3),
            drawn.points.get(iso3),
        )
        shapes.append(shape)
    known = {c.iso3 for c in countries}
    unknown = tuple(d for code, d in drawn.outlines.items() if code not in known)
    values = [s.figures.get(measure) for s in shapes if s.in_scope]
    edges = _edges(values)
    for shape in shapes:
        shape.bucket = _bucket(shape.figures.get(measure), edges)
    args = {**(request.view_args or {}), **request.args.to_dict()}
    links = {
        key: url_for(request.endpoint or "main.index", **{**args, "map": key}) + "#world-map"
        for key in MEASURES
    }
    return MapView(
        measure=measure,
        width=drawn.width,
        height=drawn.height,
        shapes=shapes,
        others=drawn.other + unknown,
        legend=_legend(values, edges),
        links=links,
        not_drawn=sorted(
            (s.name for s in shapes if not s.path and not s.point and s.in_scope), key=sort_key
        ),
    )
