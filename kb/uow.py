"""The single commit point: one unit of work per web request or CLI command."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from kb.extensions import db


@contextmanager
def unit_of_work(index: bool = True) -> Iterator[None]:
    """Commit once if the block succeeds; roll everything back if it raises.

    Operations only add and flush; they never commit. This is where a failed write is
    guaranteed to leave no partial data. After the commit, derived data catches up: the search
    index and the stored match suggestions for the changed records (``index=False`` leaves that
    to ``flask search drain`` / ``flask match refresh``), then queued emails are sent.
    """
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        db.session.info.pop("changed_refs", None)
        db.session.info.pop("outbox", None)
        raise
    changed = db.session.info.pop("changed_refs", set())
    if changed and index:
        from kb.matching.service import refresh_after_commit
        from kb.searching.service import index_pending

        index_pending()
        refresh_after_commit(changed)
    from kb.notifications.operations import send_outbox

    send_outbox()
