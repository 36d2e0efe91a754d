"""Regenerate ``search/data/world_map.json``: the states' outlines for the server-drawn map.

Source: Natural Earth 1:110m Cultural Vectors, "Admin 0 - Countries" (public domain), and,
for the 27 small states too small for that scale, their capital from "Populated Places
(simple)" at 1:50m, both as GeoJSON in the ``martynafford/natural-earth-geojson`` repository
(CC0). Each outline is projected (Equal Earth: areas are true, so a large state does not
look more important than it is), simplified (Douglas-Peucker, 0.35 units of a 1000-unit-wide
map) and written as an SVG path in relative integer-tenths, keyed by ISO 3166 alpha-3 with the
M49 code alongside. Land that is not one of the 193 member states (Greenland, Western
Sahara, …) is kept, unlabelled, as ``other``; Antarctica is left out.

    R=/work/.mirror/martynafford+natural-earth-geojson/repo
    git -C $R show HEAD:110m/cultural/ne_110m_admin_0_countries.json > countries.json
    git -C $R show HEAD:50m/cultural/ne_50m_populated_places_simple.json > places.json
    python -m search.places.build_map countries.json places.json > search/data/world_map.json
"""

from __future__ import annotations

import itertools
import json
import math
import sys
from pathlib import Path
from typing import Any

SOURCE_REPO = "github.com/martynafford/natural-earth-geojson"
SOURCE_COMMIT = "0b9a6ceb0a7032713abd9460ac1e995a9c60cd1e"
SOURCE_DATE = "2024-01-24"
WIDTH = 1000.0
TOLERANCE = 0.35
#: Latitudes kept (Antarctica and the southern ocean left out).
NORTH, SOUTH = 84.0, -57.0
#: Natural Earth names some states' ISO code only in ``ADM0_A3`` (ISO_A3 is -99).
_A = (1.340264, -0.081106, 0.000893, 0.003796)
_M = math.sqrt(3) / 2


def equal_earth(lon: float, lat: float) -> tuple[float, float]:
    """Equal Earth projection (Šavrič, Patterson, Jenny 2018) of degrees, in radians units."""
    lam, phi = math.radians(lon), math.radians(lat)
    theta = math.asin(_M * math.sin(phi))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    a1, a2, a3, a4 = _A
    x = 2 * math.sqrt(3) * lam * math.cos(theta)
    x /= 3 * (9 * a4 * t6 * t2 + 7 * a3 * t6 + 3 * a2 * t2 + a1)
    y = theta * (a1 + a2 * t2 + t6 * (a3 + a4 * t2))
    return x, y


_X_MAX = equal_earth(180, 0)[0]
_SCALE = WIDTH / (2 * _X_MAX)
_TOP = equal_earth(0, NORTH)[1]
_BOTTOM = equal_earth(0, SOUTH)[1]
HEIGHT = round((_TOP - _BOTTOM) * _SCALE, 1)


def to_map(lon: float, lat: float) -> tuple[float, float]:
    """Map units: x from 0 (180° W) to 1000 (180° E), y from 0 (84° N) down."""
    x, y = equal_earth(lon, max(SOUTH, min(NORTH, lat)))
    return (x + _X_MAX) * _SCALE, (_TOP - y) * _SCALE


def _simplify(points: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Douglas-Peucker; a closed ring is cut at the point farthest from its first one."""
    if len(points) < 4:
        return points
    if points[0] == points[-1]:
        x0, y0 = points[0]
        far = max(
            range(len(points)), key=lambda i: math.hypot(points[i][0] - x0, points[i][1] - y0)
        )
        if 0 < far < len(points) - 1:
            head = _simplify(points[: far + 1], tolerance)
            return head[:-1] + _simplify(points[far:], tolerance)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        start, end = stack.pop()
        (x1, y1), (x2, y2) = points[start], points[end]
        dx, dy = x2 - x1, y2 - y1
        norm = math.hypot(dx, dy) or 1e-12
        worst, at = 0.0, -1
        for i in range(start + 1, end):
            x, y = points[i]
            distance = abs(dy * (x - x1) - dx * (y - y1)) / norm
            if distance > worst:
                worst, at = distance, i
        if worst > tolerance and at > 0:
            keep[at] = True
            stack += [(start, at), (at, end)]
    return [p for p, k in zip(points, keep, strict=True) if k]


def _ring_path(ring: list[list[float]]) -> str | None:
    """A closed ring as ``M x y l dx dy … z`` in tenths of a unit, or None when too small."""
    points = _simplify([to_map(lon, lat) for lon, lat in ring], TOLERANCE)
    tenths = [(round(x * 10), round(y * 10)) for x, y in points]
    deduped = [p for i, p in enumerate(tenths) if i == 0 or p != tenths[i - 1]]
    if len(deduped) < 4:
        return None
    xs, ys = [p[0] for p in deduped], [p[1] for p in deduped]
    if max(xs) - min(xs) < 8 and max(ys) - min(ys) < 8:  # under 0.8 units: invisible
        return None
    x0, y0 = deduped[0]
    parts = [f"M{x0} {y0}l"]
    steps = []
    for (xa, ya), (xb, yb) in itertools.pairwise(deduped):
        steps.append(f"{xb - xa} {yb - ya}")
    parts.append(" ".join(steps))
    return "".join(parts).replace(" -", "-") + "z"


def _polygons(geometry: dict[str, Any]) -> list[list[list[list[float]]]]:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    return geometry["coordinates"]


def feature_path(geometry: dict[str, Any]) -> str:
    rings = [
        path
        for polygon in _polygons(geometry)
        for ring in polygon
        if (path := _ring_path(ring)) is not None
    ]
    return "".join(rings)


def _code(props: dict[str, Any]) -> str:
    iso = props.get("ISO_A3")
    return iso if iso and iso != "-99" else props["ADM0_A3"]


def build(countries: dict[str, Any], places: dict[str, Any], m49: dict[str, Any]) -> dict:
    members = {s["iso3"]: s for s in m49["states"]}
    states: dict[str, dict[str, str]] = {}
    other: list[str] = []
    for feature in countries["features"]:
        props = feature["properties"]
        code = _code(props)
        if code == "ATA":
            continue
        path = feature_path(feature["geometry"])
        if not path:
            continue
        if code in members:
            states[code] = {"m49": members[code]["m49"], "d": path}
        else:
            other.append(path)
    points: dict[str, dict[str, Any]] = {}
    for feature in places["features"]:
        props = feature["properties"]
        code = props.get("adm0_a3")
        if code in members and code not in states and props.get("adm0cap"):
            x, y = to_map(props["longitude"], props["latitude"])
            points[code] = {"m49": members[code]["m49"], "at": [round(x, 1), round(y, 1)]}
    missing = sorted(set(members) - set(states) - set(points))
    return {
        "_about": (
            "Outlines of the UN member states for the server-drawn map (Equal Earth projection, "
            f"{WIDTH:.0f} x {HEIGHT} units; paths in tenths of a unit), keyed by ISO 3166 "
            "alpha-3 with the M49 code; small states as a point at their capital; other land "
            "unlabelled. Generated by `python -m search.places.build_map` (see that module)."
        ),
        "_source": {
            "data": "Natural Earth 1:110m Admin 0 - Countries; 1:50m Populated Places (simple)",
            "licence": "public domain (Natural Earth); GeoJSON conversion CC0 1.0",
            "repository": SOURCE_REPO,
            "commit": SOURCE_COMMIT,
            "date": SOURCE_DATE,
        },
        "width": WIDTH,
        "height": HEIGHT,
        "states": dict(sorted(states.items())),
        "points": dict(sorted(points.items())),
        "not_drawn": missing,
        "other": other,
    }


def main(argv: list[str]) -> None:
    countries = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    places = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    m49_path = Path(__file__).resolve().parents[1] / "data" / "places_m49.json"
    m49 = json.loads(m49_path.read_text(encoding="utf-8"))
    json.dump(build(countries, places, m49), sys.stdout, ensure_ascii=False, separators=(",", ":"))
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1:])
