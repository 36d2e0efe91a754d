"""``/places`` and ``/places/<code>``: what the gazetteer knows, with what the viewer may see."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template
from flask_login import current_user

from kb import codes
from kb.catalogue import queries
from kb.directory import counts as directory_counts
from kb.fragments import lazy
from kb.i18n import place_description, sorted_places
from kb.matching.service import match_service
from kb.reports import world_map
from kb.views import Page
from search.places import Place, default_gazetteer

bp = Blueprint("places", __name__)

#: Records shown on a place page (the lists behind the links show all).
SHOWN = 10
#: Open programmes counted for a place page's link at most (the list behind it counts all).
COUNTED = 100
#: Kinds listed on ``/places``, in this order.
KINDS = ("un_group", "subregion", "region", "organisation", "grouping", "informal")


@bp.app_template_global()
def places_of(iso3: str) -> dict[str, Any]:
    """For a country page: the state's M49 sub-region and the organisations and other
    places it belongs to (from the gazetteer)."""
    g = default_gazetteer()
    try:
        subregion = g.subregion(iso3)
    except KeyError:
        return {"subregion": None, "organisations": [], "others": []}
    containing = g.containing(iso3)
    return {
        "subregion": subregion,
        "organisations": [p for p in containing if p.kind == "organisation"],
        "others": [p for p in containing if p.kind in ("grouping", "informal")],
    }


@bp.app_template_global()
def place_choices(states: bool = False) -> list[tuple[str, list[Place]]]:
    """Places for a filter menu, grouped by kind, in the alphabetical order of their names in
    the interface language; the member states last with ``states`` (menus whose page filters
    states by country leave them out)."""
    g = default_gazetteer()
    kinds = (*KINDS, "state") if states else KINDS
    return [(codes.label(codes.PLACE_KINDS, kind), sorted_places(g.places(kind))) for kind in kinds]


@bp.app_template_global()
def place_of(code: str | None) -> Place | None:
    return default_gazetteer().get(code) if code else None


@bp.route("/places")
def index() -> str:
    g = default_gazetteer()
    groups = [(kind, sorted_places(g.places(kind))) for kind in KINDS]
    return render_template("places/index.html", groups=groups)


@bp.route("/places/<path:code>")
def place(code: str) -> str:
    """A place, its newest requests and open programmes, and the world map of its states:
    the requests' total is the stored count per state (:mod:`kb.directory.counts`), the
    programmes' is counted up to :data:`COUNTED` (bounded work), and the whole is a cached
    fragment (computed only when the cache does not hold it)."""
    g = default_gazetteer()
    found = g.get(code)
    if found is None:
        abort(404)
    filters = queries.Filters(place=found.code)
    open_filters = queries.Filters(place=found.code, status="open")

    def requests() -> Page:
        stored = directory_counts.visible(current_user, directory_counts.REQUESTS, found.members)
        query = queries.request_query(current_user, filters)
        return Page(query, 1, SHOWN, total=sum(stored.values()))

    def programmes() -> Page:
        query = queries.programme_query(current_user, open_filters)
        return Page(query, 1, SHOWN, count_limit=COUNTED)

    members = sorted_places(g.state(c) for c in found.members)
    parent = g.get(found.parent) if found.parent else None
    threshold = match_service().config.unmet_threshold
    return render_template(
        "places/place.html",
        place=found,
        description=place_description(found),
        members=members,
        parent=parent,
        requests=lazy(requests),
        programmes=lazy(programmes),
        open_filters=open_filters,
        world=lazy(lambda: world_map.build(current_user, threshold, frozenset(found.members))),
    )
