"""The single commit point: one unit of work per web request or CLI command."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from kb.extensions import db


@contextmanager
def unit_of_work() -> Iterator[None]:
    """Commit once if the block succeeds; roll everything back if it raises.

    Operations only add and flush; they never commit. This is where a failed write is
    guaranteed to leave no partial data.
    """
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
