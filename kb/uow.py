"""The single commit point: one unit of work per web request or CLI command."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

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
    from kb.history import MATCH_STATES
    from kb.jobs import discard_pending, dispatch_pending, enqueue_after_commit

    try:
        yield
        _note_pending()
        db.session.commit()
    except BaseException:
        db.session.rollback()
        db.session.info.pop("changed_refs", None)
        db.session.info.pop(MATCH_STATES, None)
        discard_pending()
        raise
    changed = db.session.info.pop("changed_refs", set())
    states = db.session.info.pop(MATCH_STATES, set())
    if changed and index:
        queued = db.session.info.get("pending_jobs", {})
        db.session.info["pending_jobs"] = {}
        for name, kwargs in follow_up_jobs(changed, states):
            enqueue_after_commit(name, **kwargs)
        db.session.info["pending_jobs"].update(queued)
    dispatch_pending()


def _note_pending() -> None:
    """Same transaction: the changed requests and programmes are waiting for their match
    refresh (:mod:`kb.matching.pending`; with ``index=False`` until the import's follow-up
    or ``flask match refresh``), so that lists they may join say they are being updated."""
    from kb.matching import pending

    changed = db.session.info.get("changed_refs")
    if changed:
        pending.note(changed)


def follow_up_jobs(
    changed: set[tuple[str, int]], states: set[str] | None = None
) -> list[tuple[str, dict[str, Any]]]:
    """The jobs that bring derived data up to date after ``changed`` records were committed:
    the search queue drain, the stored matches of what they can affect (the refresher
    decides how: one by one, in chunks, or all of them when many programmes changed; see
    :meth:`kb.matching.service.MatchService.refresh_records`; ``states``: those whose
    requests a change of matching history can move), the saved-search alerts they raise, and
    for initiatives their report counts and the possible overlaps."""
    refs = sorted([kind, record_id] for kind, record_id in changed)
    jobs: list[tuple[str, dict[str, Any]]] = [("search.drain", {})]
    refresh: dict[str, Any] = {"refs": refs}
    if states is not None and any(kind == "initiative" for kind, _ in refs):
        refresh["states"] = sorted(states)  # else (not known) every list is refreshed
    jobs.append(("match.refresh", refresh))
    records = [ref for ref in refs if ref[0] in ("request", "programme")]
    if records:  # saved searches the changed records now match
        jobs.append(("alerts.evaluate", {"refs": records}))
    initiatives = [record_id for kind, record_id in refs if kind == "initiative"]
    if initiatives:  # their report counts and the possible overlaps
        jobs.append(("initiatives.refresh", {"ids": initiatives}))
    return jobs
