"""When each kind of derived data (stored counts, the Matches overview …) was last brought up
to date: pages say "as of" from here, ``flask match refresh --if-empty`` fills what never was."""

from __future__ import annotations

from datetime import datetime

from kb.extensions import db
from kb.models import DerivedStamp
from kb.models.types import utcnow


def stamp(name: str) -> None:
    """Note that the derived data ``name`` was brought up to date now."""
    row = db.session.get(DerivedStamp, name)
    if row is None:
        db.session.add(DerivedStamp(name=name, computed_at=utcnow()))
    else:
        row.computed_at = utcnow()


def stamped(name: str) -> datetime | None:
    """When the derived data ``name`` was last brought up to date (None: never)."""
    row = db.session.get(DerivedStamp, name)
    return row.computed_at if row else None
