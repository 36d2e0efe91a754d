"""Who a call addresses, and for whom a user answers: one place for both."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from kb import access
from kb.extensions import db
from kb.i18n import country_name, sort_countries
from kb.models import Call, Country, Organisation, User


@dataclass(frozen=True)
class Addressee:
    """A state (``country_code``) or an organisation (``organisation_id``) asked for views."""

    country_code: str | None
    organisation_id: int | None
    name: str
    #: The state's UN regional group, or the organisation's type.
    group: str

    @property
    def key(self) -> str:
        """A stable string key (``KEN`` or ``org:12``) for forms and links."""
        return self.country_code or f"org:{self.organisation_id}"


def addressees(call: Call) -> list[Addressee]:
    """Every addressee of ``call``: states first (by name in the interface language), then
    organisations."""
    result: list[Addressee] = []
    if call.addressed_states != "none":
        query = select(Country).order_by(Country.name)
        if call.addressed_states == "listed":
            query = query.where(Country.iso3.in_(call.addressed_countries or [""]))
        result += [
            Addressee(c.iso3, None, country_name(c), c.region)
            for c in sort_countries(db.session.scalars(query))
        ]
    if call.addressed_org_types:
        query = select(Organisation).where(Organisation.type.in_(call.addressed_org_types))
        for org in db.session.scalars(query.order_by(Organisation.name)):
            result.append(Addressee(None, org.id, org.display_name, org.type))
    return result


def is_addressed(call: Call, country_code: str | None, organisation_id: int | None) -> bool:
    if country_code:
        if call.addressed_states == "all":
            return True
        return call.addressed_states == "listed" and country_code in call.addressed_countries
    if organisation_id is not None:
        org = db.session.get(Organisation, organisation_id)
        return org is not None and org.type in call.addressed_org_types
    return False


def acting_for(user: Any) -> tuple[str | None, int | None]:
    """The addressee a signed-in user answers for: a focal point's state, a provider's
    organisation; ``(None, None)`` for everyone else."""
    if not isinstance(user, User) or not user.is_authenticated or not user.is_active:
        return None, None
    if user.role == "focal_point" and user.country_code:
        return user.country_code, None
    if user.role == "provider" and user.organisation_id:
        return None, user.organisation_id
    return None, None


def may_answer(user: Any, call: Call) -> bool:
    """Whether ``user`` answers ``call`` for an addressee of it (the Secretariat does not)."""
    if access.is_secretariat(user):
        return False
    country_code, organisation_id = acting_for(user)
    return is_addressed(call, country_code, organisation_id)


def users_of(addressee: Addressee) -> list[User]:
    """The active focal points of a state, or providers of an organisation."""
    query = select(User).where(User.status == "active")
    if addressee.country_code:
        query = query.where(User.role == "focal_point", User.country_code == addressee.country_code)
    else:
        query = query.where(
            User.role == "provider", User.organisation_id == addressee.organisation_id
        )
    return list(db.session.scalars(query))
