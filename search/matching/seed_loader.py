"""Build engine input dicts from ``seed_data/*.json`` (for evaluation, tests and benchmarks).

The app builds the same dicts from its database; this loader never imports ``kb``.
Seed keys become ids (``request:req-001``, ``programme:prog-001``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from search.places import state_groups

SEED_DIR = Path(__file__).resolve().parents[2] / "seed_data"


def _read(name: str, seed_dir: Path) -> list[dict[str, Any]]:
    return json.loads((seed_dir / name).read_text(encoding="utf-8"))


def request_id(key: str) -> str:
    return f"request:{key}"


def programme_id(key: str) -> str:
    return f"programme:{key}"


def country_regions(seed_dir: Path = SEED_DIR) -> dict[str, str]:
    """ISO3 -> UN regional group (from the gazetteer, for the states of ``seed_dir``)."""
    groups = state_groups()
    return {c["iso3"]: groups[c["iso3"]] for c in _read("countries.json", seed_dir)}


def load_requests(seed_dir: Path = SEED_DIR) -> list[dict[str, Any]]:
    """Seed requests as engine input dicts (with ``country_name`` for the reasons)."""
    regions = country_regions(seed_dir)
    names = {c["iso3"]: c["name"] for c in _read("countries.json", seed_dir)}
    out = []
    for r in _read("requests.json", seed_dir):
        out.append(
            {
                "id": request_id(r["key"]),
                "key": r["key"],
                "title": r["title"],
                "description": r["description"],
                "text_language": r.get("text_language") or "en",
                "themes": list(r.get("themes") or []),
                "support_types": list(r.get("support_types") or []),
                "languages": list(r.get("languages") or []),
                "country": r["country"],
                "country_name": names.get(r["country"]),
                "region": regions.get(r["country"]),
                "status": r.get("status"),
                "urgency": r.get("urgency"),
                "created_at": r.get("created"),
                "updated_at": r.get("last_confirmed") or r.get("created"),
            }
        )
    return out


def load_programmes(seed_dir: Path = SEED_DIR) -> list[dict[str, Any]]:
    """Seed programmes as engine input dicts."""
    orgs = {o["key"]: o for o in _read("organisations.json", seed_dir)}
    out = []
    for p in _read("programmes.json", seed_dir):
        org = orgs.get(p.get("organisation") or "", {})
        out.append(
            {
                "id": programme_id(p["key"]),
                "key": p["key"],
                "title": p["title"],
                "description": p["description"],
                "text_language": p.get("text_language") or "en",
                "themes": list(p.get("themes") or []),
                "support_types": list(p.get("support_types") or []),
                "languages": list(p.get("languages") or []),
                "eligible_regions": list(p.get("eligible_regions") or []),
                "eligible_countries": list(p.get("eligible_countries") or []),
                "delivery_mode": p.get("delivery_mode"),
                "general_offer": bool(p.get("general_offer")),
                "organisation_name": org.get("name"),
                "organisation_type": org.get("type"),
                "status": p.get("status"),
                "start_date": p.get("start_date"),
                "end_date": p.get("end_date"),
                "application_deadline": p.get("application_deadline"),
                "created_at": p.get("created"),
                "updated_at": p.get("last_confirmed") or p.get("created"),
            }
        )
    return out
