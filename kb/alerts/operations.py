"""Saved searches (save, rename, frequency, delete, unsubscribe) and the alerts they raise.

Alerts are computed after the commit, never in a page view: the ``alerts.evaluate`` job
(queued by every unit of work that changed records, and swept hourly by the schedule) calls
:func:`evaluate`; the ``alerts.digest`` job (daily and weekly) calls :func:`send_digests`.
Both are safe to run twice: a record alerts a saved search once, ever (``alert_hits``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import contains_eager

from kb import access
from kb.alerts import emails
from kb.alerts.matching import Matcher
from kb.alerts.searches import (
    DIGESTS,
    FREQUENCIES,
    KINDS,
    MATCHES,
    MAX_NAME,
    OFFERED_KINDS,
    SAVED_KINDS,
    default_name,
    key_of,
    normalise,
    offered_params,
)
from kb.codes import N_
from kb.errors import Conflict, Forbidden, Invalid, NotFound
from kb.extensions import db
from kb.models import AlertHit, CatalogueRecord, Notification, SavedSearch, User
from kb.models.types import utcnow
from kb.notifications.operations import queue_email
from kb.searching.documents import load_records

#: Saved searches one person may keep.
MAX_PER_USER = 50


def _active(user: User) -> None:
    if not getattr(user, "is_active", False):
        raise Forbidden(N_("Only signed-in, approved accounts can save searches."))


def _check_frequency(frequency: str) -> str:
    if frequency not in FREQUENCIES:
        raise Invalid(
            N_("Choose how often to hear of new matches."),
            {"frequency": [_("Choose one of the listed frequencies.")]},
        )
    return frequency


def _check_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise Invalid(N_("Give the search a name."), {"name": [_("A name is required.")]})
    if len(name) > MAX_NAME:
        raise Invalid(
            N_("The name is too long."),
            {"name": [_("At most %(num)s characters.", num=MAX_NAME)]},
        )
    return name


def _add(user: User, kind: str, params: dict[str, list[str]], name: str, frequency: str):
    key = key_of(kind, params)
    existing = db.session.scalar(
        select(SavedSearch).where(SavedSearch.user_id == user.id, SavedSearch.key == key)
    )
    if existing is not None:
        raise Conflict(N_("You have already saved this search."))
    count = db.session.scalar(
        select(func.count()).select_from(SavedSearch).where(SavedSearch.user_id == user.id)
    )
    if (count or 0) >= MAX_PER_USER:
        raise Conflict(N_("You already keep 50 saved searches: delete one first."))
    saved = SavedSearch(
        user_id=user.id,
        kind=kind,
        params=params,
        key=key,
        name=name,
        frequency=_check_frequency(frequency),
        created_at=utcnow(),
        updated_at=utcnow(),
    )
    db.session.add(saved)
    db.session.flush()
    return saved


def save_search(
    user: User, kind: str, args: object, name: str = "", frequency: str = "app"
) -> SavedSearch:
    """Save the list or search ``kind`` with the page's arguments ``args`` (a MultiDict).

    :raise Invalid: unknown kind, bad name or frequency. :raise Conflict: saved already,
        or too many. :raise Forbidden: not an approved account."""
    _active(user)
    if kind not in SAVED_KINDS:
        raise Invalid(N_("Unknown kind of search."), {"kind": [_("Unknown kind of search.")]})
    params = normalise(kind, args)  # type: ignore[arg-type]
    name = _check_name(name) if name.strip() else default_name(kind, params, user)
    return _add(user, kind, params, name, frequency)


def find_saved(user: User, kind: str, args: object) -> SavedSearch | None:
    """The user's saved search for this page's arguments, if saved."""
    if kind not in SAVED_KINDS:
        return None
    key = key_of(kind, normalise(kind, args))  # type: ignore[arg-type]
    return db.session.scalar(
        select(SavedSearch).where(SavedSearch.user_id == user.id, SavedSearch.key == key)
    )


def offer_for(user: User) -> str | None:
    """The offered kind this person may take up and has not yet (or None)."""
    for kind in OFFERED_KINDS:
        params = offered_params(kind, user)
        if params is None:
            continue
        taken = db.session.scalar(
            select(SavedSearch.id).where(
                SavedSearch.user_id == user.id, SavedSearch.key == key_of(kind, params)
            )
        )
        return None if taken else kind
    return None


def accept_offer(user: User, kind: str, frequency: str = "daily") -> SavedSearch:
    """Take up the offered alert ``kind`` (one click on "My work" or a record page)."""
    _active(user)
    params = offered_params(kind, user) if kind in OFFERED_KINDS else None
    if params is None:
        raise Invalid(N_("This alert is not offered to you."), {"kind": [_("Not offered to you.")]})
    return _add(user, kind, params, default_name(kind, params, user), frequency)


def owned(user: User, saved_id: int) -> SavedSearch:
    """The user's saved search. :raise NotFound: none, or someone else's."""
    saved = db.session.get(SavedSearch, saved_id) if 0 < saved_id <= 2**31 - 1 else None
    if saved is None or saved.user_id != getattr(user, "id", None):
        raise NotFound(N_("No such saved search."))
    return saved


def update_search(saved: SavedSearch, name: str, frequency: str) -> bool:
    """Rename and set the frequency; True if anything changed."""
    name = _check_name(name)
    frequency = _check_frequency(frequency)
    changed = (name, frequency) != (saved.name, saved.frequency)
    if changed:
        _set_frequency([saved], frequency)
        saved.name = name
        saved.updated_at = utcnow()
        db.session.flush()
    return changed


def _set_frequency(searches: Iterable[SavedSearch], frequency: str) -> None:
    """Set the frequency; matches waiting for a digest wait on only if it is still a digest."""
    for saved in searches:
        if frequency not in DIGESTS and saved.frequency in DIGESTS:
            db.session.execute(
                update(AlertHit)
                .where(AlertHit.saved_search_id == saved.id, AlertHit.email_due.is_(True))
                .values(email_due=False)
            )
        saved.frequency = frequency
        saved.updated_at = utcnow()


def delete_search(saved: SavedSearch) -> None:
    db.session.delete(saved)
    db.session.flush()


def unsubscribe(token: str, apply: bool) -> tuple[User, list[SavedSearch]]:
    """The account and saved searches an unsubscribe link names; with ``apply``, they stop
    sending e-mail (they stay in the app). :raise NotFound: not a valid link."""
    try:
        user_id, ids = emails.read_token(token)
    except ValueError as err:
        raise NotFound(N_("This unsubscribe link is not valid.")) from err
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(N_("This unsubscribe link is not valid."))
    searches = list(
        db.session.scalars(
            select(SavedSearch)
            .where(SavedSearch.user_id == user_id, SavedSearch.id.in_(ids or [0]))
            .order_by(SavedSearch.name)
        )
    )
    if apply:
        _set_frequency([s for s in searches if s.frequency != "app"], "app")
        db.session.flush()
    return user, searches


# --- after the commit: new records meet saved searches ---------------------------------


def evaluate(refs: Iterable[tuple[str, int]] = (), since: datetime | None = None) -> dict[str, int]:
    """Alert the savers of searches that the records ``refs`` (or every record published
    since ``since``) now match. Returns counts (``hits``, ``emails``)."""
    if db.session.scalar(select(exists().where(SavedSearch.id.is_not(None)))) is not True:
        return {"hits": 0, "emails": 0}
    records = _published(refs, since)
    if not records:
        return {"hits": 0, "emails": 0}
    kinds = {r.kind for r in records}
    newest = max(r.published_at for r in records if r.published_at is not None)
    wanted = [k for k in KINDS if kinds.intersection(MATCHES[k])]
    searches = db.session.scalars(
        select(SavedSearch)
        .join(SavedSearch.user)
        .where(
            SavedSearch.kind.in_(wanted),
            SavedSearch.created_at <= newest,
            User.status == "active",
        )
        .options(contains_eager(SavedSearch.user))
        .order_by(SavedSearch.id)
    ).all()
    known = _known_hits([s.id for s in searches], records)
    matcher = Matcher(records)
    with db.session.no_autoflush:  # match everything first, then write
        found_for = [
            (saved, found)
            for saved in searches
            if (
                found := [
                    r
                    for r in matcher.matches(saved, saved.user)
                    if (saved.id, r.kind, r.id) not in known
                ]
            )
        ]
    hits = sent = 0
    for saved, found in found_for:
        due = saved.frequency in DIGESTS
        for record in found:
            db.session.add(
                AlertHit(
                    saved_search_id=saved.id,
                    record_kind=record.kind,
                    record_id=record.id,
                    email_due=due,
                    emailed_at=utcnow() if saved.frequency == "instant" else None,
                )
            )
        hits += len(found)
        _notify(saved, found)
        if saved.frequency == "instant":
            _queue(emails.instant(saved.user, saved, found))
            sent += 1
    db.session.flush()
    return {"hits": hits, "emails": sent}


def _published(refs: Iterable[tuple[str, int]], since: datetime | None) -> list[CatalogueRecord]:
    from kb.models import Programme, Request

    wanted = {(str(k), int(i)) for k, i in refs if k in ("request", "programme")}
    if since is not None:
        for model in (Request, Programme):
            ids = db.session.scalars(select(model.id).where(model.published_at >= since))
            wanted |= {(model.kind, i) for i in ids}
    records = load_records(wanted).values()
    return sorted(
        (r for r in records if r.published_at is not None and r.status in access.PUBLISHED[r.kind]),
        key=lambda r: (r.published_at, r.kind, r.id),
    )


def _known_hits(search_ids: list[int], records: list[CatalogueRecord]) -> set[tuple[int, str, int]]:
    if not search_ids:
        return set()
    rows = db.session.execute(
        select(AlertHit.saved_search_id, AlertHit.record_kind, AlertHit.record_id).where(
            AlertHit.saved_search_id.in_(search_ids),
            AlertHit.record_id.in_({r.id for r in records}),
        )
    )
    return {(s, k, i) for s, k, i in rows}


def _notify(saved: SavedSearch, found: list[CatalogueRecord]) -> None:
    """One in-app notification per saved search and batch, in the saver's language."""
    with emails.in_language_of(saved.user):
        if len(found) == 1:
            record = found[0]
            text = _(
                "New match for your saved search “%(name)s”: %(title)s",
                name=saved.name,
                title=record.title,
            )
            link = _path("catalogue.detail", plural=f"{record.kind}s", record_id=record.id)
        else:
            text = ngettext(
                "%(num)s new match for your saved search “%(name)s”",
                "%(num)s new matches for your saved search “%(name)s”",
                len(found),
                name=saved.name,
            )
            link = _path("alerts.detail", saved_id=saved.id)
    db.session.add(Notification(user_id=saved.user_id, text=text[:500], link=link))


def _path(endpoint: str, **values: object) -> str:
    from flask import current_app

    return current_app.url_map.bind("localhost", script_name="/").build(endpoint, values)


def _queue(email: emails.Email) -> None:
    queue_email(email.to, email.subject, email.body, headers=email.headers)


def send_digests(frequency: str, now: datetime | None = None) -> dict[str, int]:
    """Send one digest e-mail per person for the saved searches of ``frequency`` (``daily``
    or ``weekly``) with matches waiting. Records the person may no longer see are left out
    (and never sent later). Returns counts (``emails``, ``records``)."""
    if frequency not in DIGESTS:
        raise Invalid(N_("Unknown digest."), {"frequency": [_("Choose daily or weekly.")]})
    now = now or utcnow()
    due = db.session.scalars(
        select(AlertHit)
        .join(AlertHit.saved_search)
        .where(AlertHit.email_due.is_(True), SavedSearch.frequency == frequency)
        .order_by(AlertHit.saved_search_id, AlertHit.created_at, AlertHit.id)
    ).all()
    records = load_records({h.ref for h in due})
    per_user: dict[int, dict[int, list[CatalogueRecord]]] = defaultdict(lambda: defaultdict(list))
    searches: dict[int, SavedSearch] = {}
    for hit in due:
        saved = hit.saved_search
        searches[saved.id] = saved
        record = records.get(hit.ref)
        hit.email_due = False
        hit.emailed_at = now
        user = saved.user
        if (
            record is None
            or not user.is_active
            or record.status not in access.PUBLISHED[record.kind]
            or not access.can_view(user, record)
        ):
            continue  # withdrawn, hidden or account disabled since: never sent
        per_user[user.id][saved.id].append(record)
    sent = count = 0
    for by_search in per_user.values():
        groups = [(searches[sid], recs) for sid, recs in by_search.items()]
        user = groups[0][0].user
        _queue(emails.digest(user, frequency, groups))
        for saved, recs in groups:
            saved.last_sent_at = now
            count += len(recs)
        sent += 1
    db.session.flush()
    return {"emails": sent, "records": count}


# --- reading, for pages -------------------------------------------------------------------


def searches_of(user: User) -> list[SavedSearch]:
    return list(
        db.session.scalars(
            select(SavedSearch)
            .where(SavedSearch.user_id == user.id)
            .order_by(SavedSearch.created_at.desc(), SavedSearch.id.desc())
        )
    )


def recent_counts(user: User, days: int = 7) -> dict[int, int]:
    """New matches per saved search in the last ``days`` (stored hits, for "My work")."""
    since = utcnow() - timedelta(days=days)
    rows = db.session.execute(
        select(AlertHit.saved_search_id, func.count())
        .join(AlertHit.saved_search)
        .where(SavedSearch.user_id == user.id, AlertHit.created_at >= since)
        .group_by(AlertHit.saved_search_id)
    )
    return {sid: n for sid, n in rows}


def recent_hits(saved: SavedSearch, user: User, limit: int = 50) -> list[tuple[AlertHit, object]]:
    """The search's latest matches the user may still see, newest first."""
    hits = db.session.scalars(
        select(AlertHit)
        .where(AlertHit.saved_search_id == saved.id)
        .order_by(AlertHit.created_at.desc(), AlertHit.id.desc())
        .limit(limit)
    ).all()
    records = load_records({h.ref for h in hits})
    return [
        (h, records[h.ref])
        for h in hits
        if h.ref in records and access.can_view(user, records[h.ref])
    ]
