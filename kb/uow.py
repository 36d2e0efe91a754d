"""The single commit point: one unit of work per web request or CLI command."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from kb.extensions import db


@contextmanager
def unit_of_work(index: bool = True) -> Iterator[None]:
    """Commit once if the block succeeds; roll everything back if it raises.

    Operations only add and flush; they never commit. This is where a failed write is
    guaranteed to leave no partial data. After the commit, derived data catches up through
    jobs (:mod:`kb.jobs`): the search index (``search.drain``) and the stored match
    suggestions (``match.refresh``) and the saved-search alerts (``alerts.evaluate``) for the
    changed records, then whatever the block queued
    with ``enqueue_after_commit`` (emails …). ``index=False`` leaves index and matches to
    ``flask search drain`` / ``flask match refresh`` (bulk loads).
    """
    from kb.jobs import discard_pending, dispatch_pending, enqueue_after_commit

    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        db.session.info.pop("changed_refs", None)
        discard_pending()
        raise
    changed = db.session.info.pop("changed_refs", set())
    if changed and index:
        queued = db.session.info.get("pending_jobs", {})
        db.session.info["pending_jobs"] = {}
        enqueue_after_commit("search.drain")
        enqueue_after_commit("match.refresh", refs=sorted([k, i] for k, i in changed))
        records = sorted([k, i] for k, i in changed if k in ("request", "programme"))
        if records:  # saved searches the changed records now match
            enqueue_after_commit("alerts.evaluate", refs=records)
        db.session.info["pending_jobs"].update(queued)
    dispatch_pending()
