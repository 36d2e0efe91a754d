"""The single commit point: one unit of work per web request or CLI command."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from kb.extensions import db


@contextmanager
def unit_of_work(index: bool = True) -> Iterator[None]:
    """Commit once if the block succeeds; roll everything back if it raises.

    Operations only add and flush; they never commit. This is where a failed write is
    guaranteed to leave no partial data. After the commit the search index catches up with
    what the block queued (``index=False`` leaves that to a later drain, e.g. bulk loads).
    """
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        db.session.info.pop("search_queued", None)
        raise
    if db.session.info.pop("search_queued", False) and index:
        from kb.searching.service import index_pending

        index_pending()
