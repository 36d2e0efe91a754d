"""Places: UN member states, UN regional groups, M49 regions and sub-regions, regional
organisations, UN groupings (LDC, LLDC, SIDS) and informal names ("Sahel", "Gulf states").

Framework-free (no Flask, no ``kb``).  Facts live in ``search/data/places_m49.json`` and
``search/data/places_groups.json``, each with its sources and dates.

    g = default_gazetteer()
    g.find("training for ECOWAS and the Sahel")   # [PlaceMention(…, org:ECOWAS), …]
    g.get("m49:014"); g.state("KEN"); g.containing("KEN"); g.describe(place)
"""

from search.places.gazetteer import (
    Gazetteer,
    default_gazetteer,
    load,
    state_groups,
    un_group_names,
)
from search.places.model import KIND_LABELS, Place, PlaceMention

__all__ = [
    "KIND_LABELS",
    "Gazetteer",
    "Place",
    "PlaceMention",
    "default_gazetteer",
    "load",
    "state_groups",
    "un_group_names",
]
