"""The canonical code lists (``kb.codes``): use these exact codes in API input.

The labels are in the client's ``Accept-Language`` (one of the six UN languages; English
otherwise), as the pages show them; places and states by their names in that language (states
in its alphabetical order).
"""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from kb import codes
from kb.api import schemas
from kb.api.docs import errors
from kb.catalogue.operations import TRANSITIONS
from kb.i18n import place_name, sort_key, state_codes, state_name
from kb.models.token import SCOPES
from kb.places import eligible
from search.places import default_gazetteer

blp = Blueprint("api_codes", __name__, url_prefix="/codes", description="Code lists.")

LISTS: dict[str, dict[str, str]] = {
    "themes": codes.THEMES,
    "support_types": codes.SUPPORT_TYPES,
    "organisation_types": codes.ORGANISATION_TYPES,
    "regions": codes.REGIONS,
    "eligible_regions": codes.ELIGIBLE_REGIONS,
    "languages": codes.LANGUAGES,
    "delivery_modes": codes.DELIVERY_MODES,
    "urgencies": codes.URGENCIES,
    "cost_models": codes.COST_MODELS,
    "visibilities": codes.VISIBILITIES,
    "request_statuses": codes.REQUEST_STATUSES,
    "programme_statuses": codes.PROGRAMME_READ_STATUSES,
    "roles": codes.ROLES,
    "token_scopes": SCOPES,
    "request_actions": {name: t.label for name, t in TRANSITIONS["request"].items()},
    "programme_actions": {name: t.label for name, t in TRANSITIONS["programme"].items()},
    #: The ``place`` filter's codes: UN groups, M49 regions and sub-regions, organisations,
    #: groupings and informal names (member states are the ``country`` codes).
    "places": {p.code: p.name for p in default_gazetteer().places() if p.kind != "state"},
    #: What a programme may list in ``eligible_regions`` besides ``eligible_regions`` above:
    #: M49 regions and sub-regions, organisations, groupings and informal names.
    "eligible_places": eligible.other_places(),
    #: The member states and the observer States (ISO 3166-1 alpha-3), labelled by their
    #: names in the client's language (``kb.i18n.state_name``) and in its alphabetical order.
    "countries": dict.fromkeys(state_codes(), ""),
}


#: Lists of places: labelled by the place's name in the client's language (``place_name``).
PLACE_LISTS = ("places", "eligible_places")


def _items(name: str) -> list[dict[str, str]]:
    """The list's codes with their labels in the client's language."""
    table = LISTS[name]
    if name == "countries":
        named = [(code, state_name(code)) for code in table]
        return [{"code": c, "label": n} for c, n in sorted(named, key=lambda cn: sort_key(cn[1]))]
    if name in PLACE_LISTS:
        g = default_gazetteer()
        return [
            {"code": code, "label": place_name(g.get(code)) or label}
            for code, label in table.items()
        ]
    return [{"code": code, "label": label} for code, label in codes.labels(table).items()]


@blp.route("", endpoint="all_lists")
@blp.response(200, schemas.CodeListsSchema)
def all_lists() -> Any:
    """Every code list, by name."""
    return {"lists": {name: _items(name) for name in LISTS}}


@blp.route(f"/<any({', '.join(LISTS)}):name>", endpoint="one_list")
@blp.response(200, schemas.CodeSchema(many=True))
@errors(blp, 404)
def one_list(name: str) -> Any:
    """One code list: codes and their labels in the client's `Accept-Language` (English
    by default)."""
    return _items(name)
