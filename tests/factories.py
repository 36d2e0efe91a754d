"""Factories for test records: small defaults, override what a test cares about."""

from __future__ import annotations

import itertools
import secrets
from datetime import UTC, datetime
from typing import Any

from kb.extensions import db
from kb.models import Country, Organisation, Programme, Request, User

PASSWORD = "password-123"
_seq = itertools.count(1)
_HASH: dict[str, str] = {}  # scrypt is slow by design: hash the shared test password once

COUNTRIES = {
    "KEN": ("Kenya", "Africa"),
    "SEN": ("Senegal", "Africa"),
    "FJI": ("Fiji", "Asia-Pacific"),
    "CIV": ("Côte d'Ivoire", "Africa"),
    "COL": ("Colombia", "Latin America and the Caribbean"),
    "EST": ("Estonia", "Eastern Europe"),
    "DEU": ("Germany", "Western Europe and Others"),
}


class Factory:
    def country(self, iso3: str = "KEN") -> Country:
        existing = db.session.get(Country, iso3)
        if existing:
            return existing
        name, region = COUNTRIES.get(iso3, (f"Country {iso3}", "Africa"))
        country = Country(iso3=iso3, name=name, region=region)
        db.session.add(country)
        db.session.commit()
        return country

    def organisation(self, **kw: Any) -> Organisation:
        n = next(_seq)
        org = Organisation(
            **{"name": f"Organisation {n}", "acronym": f"ORG{n}", "type": "civil_society", **kw}
        )
        db.session.add(org)
        db.session.commit()
        return org

    def user(
        self,
        role: str | None = "focal_point",
        *,
        country: str | None = None,
        organisation: Organisation | None = None,
        status: str = "active",
        email: str | None = None,
    ) -> User:
        n = next(_seq)
        if role == "focal_point" and country is None:
            country = "KEN"
        if country:
            self.country(country)
        if role == "provider" and organisation is None:
            organisation = self.organisation()
        user = User(
            email=email or f"user{n}@example.org",
            name=f"User {n}",
            role=role,
            status=status,
            country_code=country if role == "focal_point" else None,
            organisation_id=organisation.id if organisation and role == "provider" else None,
            represents="Test",
            session_token=secrets.token_hex(16),
        )
        if "h" not in _HASH:
            user.set_password(PASSWORD)
            _HASH["h"] = user.password_hash
        user.password_hash = _HASH["h"]
        db.session.add(user)
        db.session.commit()
        return user

    def request(self, country: str = "KEN", **kw: Any) -> Request:
        self.country(country)
        n = next(_seq)
        values = {
            "title": f"Request {n} for incident response training",
            "description": "Our national CERT needs training for analysts in malware triage.",
            "themes": ["incident_response"],
            "support_types": ["training"],
            "languages": ["en"],
            "status": "open",
            "visibility": "public",
            "country_code": country,
            **kw,
        }
        record = Request(**values)
        db.session.add(record)
        db.session.commit()
        return record

    def programme(self, organisation: Organisation | None = None, **kw: Any) -> Programme:
        organisation = organisation or self.organisation()
        n = next(_seq)
        values = {
            "title": f"Programme {n}: CSIRT capacity building",
            "description": "A programme that trains incident responders across regions.",
            "themes": ["incident_response"],
            "support_types": ["training"],
            "languages": ["en"],
            "status": "open",
            "visibility": "public",
            "organisation_id": organisation.id,
            **kw,
        }
        record = Programme(**values)
        db.session.add(record)
        db.session.commit()
        return record


def days_ago(days: int) -> datetime:
    from datetime import timedelta

    return datetime.now(UTC) - timedelta(days=days)
