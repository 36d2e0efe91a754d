"""Load ``seed_data/`` idempotently: records already present (by key) are left alone."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from kb import PROJECT_ROOT
from kb.accounts import operations as accounts
from kb.catalogue import operations
from kb.extensions import db
from kb.models import Call, Country, Event, OewgSession, Organisation, Programme, Request, User
from kb.models.country import OBSERVER
from kb.transfer.formats import COLUMNS

SEED_DIR = PROJECT_ROOT / "seed_data"
Progress = Callable[[str], None]


def _read(name: str, seed_dir: Path) -> list[dict[str, Any]]:
    with (seed_dir / name).open(encoding="utf-8") as handle:
        return json.load(handle)


def _day(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value).replace(tzinfo=UTC) if value else None


def seed_countries(seed_dir: Path = SEED_DIR) -> int:
    added = 0
    for row in _read("countries.json", seed_dir):
        country = db.session.get(Country, row["iso3"])
        if country is None:
            db.session.add(Country(iso3=row["iso3"], name=row["name"], region=row["region"]))
            added += 1
        else:
            country.name, country.region = row["name"], row["region"]
    db.session.flush()
    return added


def seed_observer_states(seed_dir: Path = SEED_DIR) -> int:
    """The non-member observer States, as countries with ``un_status = "observer"``."""
    added = 0
    for row in _read("observer_states.json", seed_dir)["states"]:
        name = row["names"]["en"]
        country = db.session.get(Country, row["iso3"])
        if country is None:
            country = Country(iso3=row["iso3"], name=name, region=row["region"])
            db.session.add(country)
            added += 1
        country.name, country.region, country.un_status = name, row["region"], OBSERVER
    db.session.flush()
    return added


def seed_organisations(seed_dir: Path = SEED_DIR) -> int:
    added = 0
    for row in _read("organisations.json", seed_dir):
        existing = db.session.scalar(
            select(Organisation).where(Organisation.external_key == row["key"])
        )
        if existing is not None:
            continue
        db.session.add(
            Organisation(
                external_key=row["key"],
                name=row["name"],
                acronym=row.get("acronym"),
                type=row["type"],
                country_code=row.get("country"),
                website=row.get("website"),
                description=row.get("description", ""),
            )
        )
        added += 1
    db.session.flush()
    return added


#: Seed files use the import columns (kb.transfer.formats); these are the record's own fields.
_NOT_FIELDS = {"key", "country", "organisation", "status"}
_REQUEST_FIELDS = tuple(c for c in COLUMNS["requests"] if c not in _NOT_FIELDS)
_PROGRAMME_FIELDS = tuple(c for c in COLUMNS["programmes"] if c not in _NOT_FIELDS)


def _extra(row: dict[str, Any]) -> dict[str, Any]:
    created = _day(row.get("created")) or datetime.now(UTC)
    confirmed = _day(row.get("last_confirmed")) or created
    published = row["status"] not in ("draft", "submitted")
    return {
        "external_key": row["key"],
        "status": row["status"],
        "created_at": created,
        "updated_at": max(created, confirmed),
        "last_confirmed_at": confirmed,
        "published_at": created if published else None,
    }


def seed_requests(seed_dir: Path = SEED_DIR) -> int:
    added = 0
    for row in _read("requests.json", seed_dir):
        if db.session.scalar(select(Request.id).where(Request.external_key == row["key"])):
            continue
        data = {k: row[k] for k in _REQUEST_FIELDS if k in row}
        data["country_code"] = row["country"]
        operations.create_request(None, data, **_extra(row))
        added += 1
    return added


def seed_programmes(seed_dir: Path = SEED_DIR) -> int:
    orgs = {o.external_key: o.id for o in db.session.scalars(select(Organisation))}
    added = 0
    for row in _read("programmes.json", seed_dir):
        if db.session.scalar(select(Programme.id).where(Programme.external_key == row["key"])):
            continue
        data = {k: row[k] for k in _PROGRAMME_FIELDS if k in row}
        data["organisation_id"] = orgs[row["organisation"]]
        operations.create_programme(None, data, **_extra(row))
        added += 1
    return added


def seed_sessions(seed_dir: Path = SEED_DIR) -> int:
    """The OEWG's substantive sessions (facts); the Secretariat adds later ones in the app."""
    added = 0
    for row in _read("oewg_sessions.json", seed_dir):
        if db.session.scalar(select(OewgSession.id).where(OewgSession.name == row["name"])):
            continue
        db.session.add(
            OewgSession(
                name=row["name"],
                start_date=date.fromisoformat(row["start_date"]),
                end_date=date.fromisoformat(row["end_date"]),
                location=row.get("location", ""),
                agenda_url=row.get("agenda_url"),
                documents=row.get("documents", ""),
                source=row.get("source", ""),
            )
        )
        added += 1
    db.session.flush()
    return added


def _session_id(name: str | None) -> int | None:
    if not name:
        return None
    return db.session.scalar(select(OewgSession.id).where(OewgSession.name == name))


def seed_events(seed_dir: Path = SEED_DIR) -> int:
    """Informal and stakeholder meetings of the calendar (facts, with their sources)."""
    from kb.calendar.operations import create_event

    added = 0
    for row in _read("events.json", seed_dir):
        exists = select(Event.id).where(
            Event.title == row["title"], Event.starts_on == date.fromisoformat(row["starts_on"])
        )
        if db.session.scalar(exists):
            continue
        create_event(None, {**row, "session_id": _session_id(row.get("session"))})
        added += 1
    return added


def seed_calls(seed_dir: Path = SEED_DIR) -> int:
    """Past calls for views (facts from the origin documents), closed."""
    from kb.consultations.operations import create_call

    added = 0
    for row in _read("calls.json", seed_dir):
        if db.session.scalar(select(Call.id).where(Call.reference == row["reference"])):
            continue
        call = create_call(None, {**row, "session_id": _session_id(row.get("session"))})
        call.status = row.get("status", "closed")
        call.published_at = datetime.combine(call.opens_on, datetime.min.time(), tzinfo=UTC)
        added += 1
    db.session.flush()
    return added


def seed_demo_users(seed_dir: Path = SEED_DIR) -> int:
    """Demo accounts for local use (README); never run this in production."""
    orgs = {o.external_key: o.id for o in db.session.scalars(select(Organisation))}
    added = 0
    for row in _read("demo_users.json", seed_dir):
        if db.session.scalar(select(User.id).where(User.email == row["email"])):
            continue
        user = accounts.register(
            row["name"], row["email"], row["password"], row["represents"], row.get("note", "")
        )
        if row.get("role"):
            user.role = row["role"]
            user.status = "active"
            user.country_code = row.get("country")
            user.organisation_id = orgs.get(row.get("organisation", ""))
            user.approved_at = datetime.now(UTC)
        added += 1
    db.session.flush()
    return added


def seed_all(demo_users: bool = True, progress: Progress | None = None) -> dict[str, int]:
    """Load every seed file; return how many rows of each were added."""
    say = progress or (lambda _msg: None)
    steps: list[tuple[str, Callable[[], int]]] = [
        ("countries", seed_countries),
        ("observer States", seed_observer_states),
        ("organisations", seed_organisations),
        ("requests", seed_requests),
        ("programmes", seed_programmes),
        ("OEWG sessions", seed_sessions),
        ("calendar events", seed_events),
        ("calls for views", seed_calls),
    ]
    if demo_users:
        steps.append(("demo users", seed_demo_users))
    added = {}
    for name, step in steps:
        added[name] = step()
        say(f"{name}: {added[name]} added")
    return added
