"""Who may see and do what: the one place where authorisation rules live.

Every page, list, count, history view (and later search, matches, API and exports) asks
these functions; nothing else decides visibility.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_, true

from kb.models import CatalogueRecord, Programme, Request, User

PUBLISHED = {
    "request": frozenset({"open", "matched", "in_progress", "fulfilled", "closed"}),
    "programme": frozenset({"open", "closed"}),
}


def _active(user: Any) -> User | None:
    """The user if logged in and approved, else ``None``."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return user


def is_secretariat(user: Any) -> bool:
    active = _active(user)
    return bool(active and active.role == "secretariat")


def owns(user: Any, record: CatalogueRecord) -> bool:
    """Focal points own their state's requests; providers their organisation's programmes."""
    active = _active(user)
    if active is None:
        return False
    if isinstance(record, Request):
        return active.role == "focal_point" and active.country_code == record.country_code
    if isinstance(record, Programme):
        return active.role == "provider" and active.organisation_id == record.organisation_id
    return False


def can_view(user: Any, record: CatalogueRecord) -> bool:
    if is_secretariat(user) or owns(user, record):
        return True
    if record.status not in PUBLISHED[record.kind]:
        return False
    if record.visibility == "public":
        return True
    return record.visibility == "verified" and _active(user) is not None


def visible_clause(model: type[Request] | type[Programme], user: Any) -> ColumnElement[bool]:
    """SQL condition equivalent to :func:`can_view` for ``model`` rows."""
    if is_secretariat(user):
        return true()
    published = model.status.in_(PUBLISHED[model.kind])
    active = _active(user)
    shown = ["public", "verified"] if active else ["public"]
    clause = and_(published, model.visibility.in_(shown))
    own = _owner_clause(model, active)
    return or_(clause, own) if own is not None else clause


def _owner_clause(
    model: type[Request] | type[Programme], user: User | None
) -> ColumnElement[bool] | None:
    if user is None:
        return None
    if model is Request and user.role == "focal_point" and user.country_code:
        return Request.country_code == user.country_code
    if model is Programme and user.role == "provider" and user.organisation_id:
        return Programme.organisation_id == user.organisation_id
    return None


def owned_clause(model: type[Request] | type[Programme], user: Any) -> ColumnElement[bool]:
    clause = _owner_clause(model, _active(user))
    return clause if clause is not None else false()


def can_edit(user: Any, record: CatalogueRecord) -> bool:
    if record.status == "withdrawn":
        return is_secretariat(user)
    return is_secretariat(user) or owns(user, record)


def can_see_history(user: Any, record: CatalogueRecord) -> bool:
    """History may hold earlier, confidential wording: owner and Secretariat only."""
    return is_secretariat(user) or owns(user, record)


def can_create_request(user: Any, country_code: str | None = None) -> bool:
    active = _active(user)
    if active is None:
        return False
    if active.role == "secretariat":
        return True
    return active.role == "focal_point" and (
        country_code is None or country_code == active.country_code
    )


def can_create_programme(user: Any, organisation_id: int | None = None) -> bool:
    active = _active(user)
    if active is None:
        return False
    if active.role == "secretariat":
        return True
    return active.role == "provider" and (
        organisation_id is None or organisation_id == active.organisation_id
    )


# --- Access tokens for the search index --------------------------------------------------
# A document carries tokens; a viewer holds tokens; the viewer sees the document iff the two
# sets meet. These two functions must agree with can_view (tests/test_search_access.py checks).


def record_tokens(record: CatalogueRecord) -> list[str]:
    tokens = ["secretariat", _owner_token(record)]
    if record.status in PUBLISHED[record.kind] and record.visibility in ("public", "verified"):
        tokens.append(record.visibility)
    return tokens


def viewer_tokens(user: Any) -> frozenset[str]:
    active = _active(user)
    if active is None:
        return frozenset({"public"})
    if active.role == "secretariat":
        return frozenset({"secretariat"})
    tokens = {"public", "verified"}
    if active.role == "focal_point" and active.country_code:
        tokens.add(f"owner:country:{active.country_code}")
    if active.role == "provider" and active.organisation_id:
        tokens.add(f"owner:org:{active.organisation_id}")
    return frozenset(tokens)


def _owner_token(record: CatalogueRecord) -> str:
    if isinstance(record, Request):
        return f"owner:country:{record.country_code}"
    return f"owner:org:{record.organisation_id}"  # type: ignore[attr-defined]
