"""Catalogue counts for operators (``flask kb stats``) and checks."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from kb.extensions import db
from kb.models import Country, Organisation, Programme, Request, User


def _grouped(*columns: Any) -> dict[str, int]:
    rows = db.session.execute(select(*columns, func.count()).group_by(*columns)).all()
    return {str(row[0]): int(row[1]) for row in rows}


def catalogue_stats() -> dict[str, Any]:
    def count(model: Any) -> int:
        return db.session.scalar(select(func.count()).select_from(model)) or 0

    def record_stats(model: type[Request] | type[Programme]) -> dict[str, Any]:
        return {
            "total": count(model),
            "by_status": _grouped(model.status),
            "by_visibility": _grouped(model.visibility),
        }

    return {
        "countries": _grouped(Country.un_status).get("member", 0),
        "observer_states": _grouped(Country.un_status).get("observer", 0),
        "organisations": count(Organisation),
        "users": {
            "total": count(User),
            "by_status": _grouped(User.status),
            "by_role": {k: v for k, v in _grouped(User.role).items() if k != "None"},
        },
        "requests": record_stats(Request),
        "programmes": record_stats(Programme),
    }
