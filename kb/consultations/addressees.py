"""Who a call addresses, and for whom a user answers: one place for both."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, or_, select

from kb import access
from kb.extensions import db
from kb.i18n import country_name, sort_key, sorted_by_label
from kb.models import Call, Country, Organisation, User
from kb.models.country import MEMBER, OBSERVER


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


def _states_clause(call: Call) -> ColumnElement[bool] | None:
    """Which countries ``call`` addresses, as SQL: every member state (``all``), the listed
    states (member or observer), and the observer States when the call asks them."""
    parts: list[ColumnElement[bool]] = []
    if call.addressed_states == "all":
        parts.append(Country.un_status == MEMBER)
    elif call.addressed_states == "listed":
        parts.append(Country.iso3.in_(call.addressed_countries or [""]))
    if call.addressed_observers:
        parts.append(Country.un_status == OBSERVER)
    return or_(*parts) if parts else None


def observer_states() -> list[Country]:
    """The non-member observer States (Holy See, State of Palestine), by name."""
    query = select(Country).where(Country.un_status == OBSERVER).order_by(Country.name)
    return list(db.session.scalars(query))


def addressees(call: Call) -> list[Addressee]:
    """Every addressee of ``call``: states first (by name), then organisations."""
    result: list[Addressee] = []
    clause = _states_clause(call)
    if clause is not None:
        query = select(Country).where(clause).order_by(Country.name)
        states = [
            Addressee(c.iso3, None, country_name(c), c.region) for c in db.session.scalars(query)
        ]
        result += sorted(states, key=lambda a: sort_key(a.name))
    if call.addressed_org_types:
        query = select(Organisation).where(Organisation.type.in_(call.addressed_org_types))
        for org in sorted_by_label(db.session.scalars(query), lambda o: o.display_name):
            result.append(Addressee(None, org.id, org.display_name, org.type))
    return result


def is_addressed(call: Call, country_code: str | None, organisation_id: int | None) -> bool:
    if country_code:
        clause = _states_clause(call)
        if clause is None:
            return False
        query = select(Country.iso3).where(Country.iso3 == country_code, clause)
        return db.session.scalar(query) is not None
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
