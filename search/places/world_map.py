"""The states' outlines for the server-drawn world map (``search/data/world_map.json``).

Framework-free: :func:`world_map` loads the file once. Paths are SVG path data in tenths of a
map unit (draw them inside ``scale(0.1)``); see :mod:`search.places.build_map` for the source.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data" / "world_map.json"


@dataclass(frozen=True)
class WorldMap:
    width: float
    height: float
    outlines: dict[str, str]  # ISO3 → SVG path (tenths of a unit)
    points: dict[str, tuple[float, float]]  # ISO3 → (x, y) of a small state's capital
    m49: dict[str, str]  # ISO3 → M49 code
    other: tuple[str, ...]  # land that is not a member state, unlabelled
    not_drawn: tuple[str, ...]
    source: dict[str, str]


@lru_cache(maxsize=1)
def world_map(path: Path = DATA) -> WorldMap:
    raw = json.loads(path.read_text(encoding="utf-8"))
    m49 = {code: s["m49"] for code, s in raw["states"].items()}
    m49 |= {code: p["m49"] for code, p in raw["points"].items()}
    return WorldMap(
        width=raw["width"],
        height=raw["height"],
        outlines={code: s["d"] for code, s in raw["states"].items()},
        points={code: (p["at"][0], p["at"][1]) for code, p in raw["points"].items()},
        m49=m49,
        other=tuple(raw["other"]),
        not_drawn=tuple(raw["not_drawn"]),
        source=raw["_source"],
    )
