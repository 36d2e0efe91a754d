"""What waits for the Secretariat: one definition for the queue page and the header count."""

from __future__ import annotations

from sqlalchemy import Select, func, select

from kb.extensions import db
from kb.models import Programme, Request, User
from kb.models.initiative import Initiative, InitiativeOverlap
from kb.models.user import PENDING

#: Kinds whose submitted records the Secretariat publishes or returns.
PUBLISHED_BY_SECRETARIAT = (Request, Programme, Initiative)


def pending_accounts() -> Select[tuple[User]]:
    return select(User).where(User.status == PENDING).order_by(User.created_at)


def to_publish(model: type[Request] | type[Programme] | type[Initiative]) -> Select[tuple]:
    return select(model).where(model.status == "submitted").order_by(model.updated_at)


def open_overlaps() -> Select[tuple[InitiativeOverlap]]:
    """Possible overlaps between initiatives that still await the Secretariat's verdict."""
    return select(InitiativeOverlap).where(InitiativeOverlap.verdict == "open")


def count(query: Select) -> int:
    return db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0


def waiting_total() -> int:
    """Accounts to approve, records and initiatives to publish, overlaps to decide."""
    return (
        count(pending_accounts())
        + sum(count(to_publish(model)) for model in PUBLISHED_BY_SECRETARIAT)
        + count(open_overlaps())
    )
