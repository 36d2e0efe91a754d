"""Rendered page fragments, cached per process and keyed on the data generation.

**The generation.** What the main pages show (lists and their counts, record pages, stored
matches, aggregates, the world map) changes only when a transaction writes to the tables they
read. :func:`init_app` listens to the app's engine: a statement that writes to a table other
than the bookkeeping ones (:data:`QUIET`: sign-in attempts, tokens, notifications, jobs …)
marks its connection, and before the session commits a marked transaction it gives the
``data_generations`` row ``pages`` a new random value *in the same transaction*. So a
generation is never visible without the data written with it, on one host or several.

**The cache.** A page asks :func:`fragment` for a piece of HTML, with a function that renders
it. The key holds the generation (read first, one primary-key read per request), the viewer's
class, the interface language, the day (what is open or ended depends on it), the host and
the address asked for (path and query string), plus whatever else the caller adds. The
viewer's class is their access tokens (:func:`kb.access.viewer_tokens`, which decide every
visibility clause), whether they are signed in and the role of an approved user, so a
fragment is never served to a viewer who may see other records. The caller keeps per-user
parts (forms, what a user saved) outside the fragment or adds the user to the key; a
fragment holding a form's CSRF token is never stored. A transaction that has written and not
yet committed neither reads nor stores fragments.

Each process keeps at most ``KB_FRAGMENT_CACHE_MB`` (16 MB by default) of fragments, least
recently used first out; a new generation empties it.
"""

from __future__ import annotations

import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import date
from typing import Any

from flask import Flask, Response, current_app, g, request
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import event, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from kb import access
from kb.extensions import db
from kb.models import DataGeneration

#: Tables whose writes never change what a cached fragment shows.
QUIET = frozenset(
    {
        "alembic_version",
        "api_tokens",
        "alert_hits",
        "data_generations",
        "import_uploads",
        "job_records",
        "login_attempts",
        "notifications",
        "password_resets",
        "saved_searches",
        "search_queue",
        "users",
    }
)
NAME = "pages"
_WRITE = re.compile(
    r'\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)', re.IGNORECASE
)
_FLAG = "kb_data_written"
_UNSET = object()


# -- the generation -----------------------------------------------------------------------------


def _note_write(conn: Connection, cursor: Any, statement: str, *args: Any) -> None:
    found = _WRITE.match(statement)
    if found and found.group(1).lower() not in QUIET:
        conn.info[_FLAG] = True


def _forget(conn: Connection, *args: Any) -> None:
    conn.info.pop(_FLAG, None)


def _forget_on_checkin(dbapi_connection: Any, record: Any) -> None:
    record.info.pop(_FLAG, None)


def _stamp_before_commit(session: Session) -> None:
    """Give the generation a new value in the transaction that wrote page data."""
    if not session.in_transaction():
        return
    session.flush()
    conn = session.connection()
    if not conn.info.get(_FLAG):
        return
    value = secrets.randbits(62)
    row = session.get(DataGeneration, NAME, populate_existing=True)
    if row is None:
        session.add(DataGeneration(name=NAME, value=value))
    else:
        row.value = value
    session.flush()


def init_app(app: Flask) -> None:
    with app.app_context():
        engines = list(db.engines.values())
    for engine in engines:
        if not event.contains(engine, "after_cursor_execute", _note_write):
            event.listen(engine, "after_cursor_execute", _note_write)
            event.listen(engine, "commit", _forget)
            event.listen(engine, "rollback", _forget)
            event.listen(engine.pool, "checkin", _forget_on_checkin)
    if not event.contains(db.session, "before_commit", _stamp_before_commit):
        event.listen(db.session, "before_commit", _stamp_before_commit)
    megabytes = app.config.get("FRAGMENT_CACHE_MB")
    app.extensions["kb_fragments"] = FragmentCache(
        int((16 if megabytes is None else megabytes) * 1024 * 1024)
    )
    app.jinja_env.globals["cached"] = _cached_block


def _cached_block(name: str, *extra: Hashable, caller: Callable[[], str]) -> Markup:
    """``{% call cached('name', extra…) %}…{% endcall %}``: the block's HTML, from the cache
    when it holds it (the view passes the block's data as :class:`Lazy` values, so that a
    cached block costs no query)."""
    return fragment(name, caller, *extra)


class Lazy:
    """A value computed on first use: what only a cached block shows is never computed
    when the cache holds the block."""

    __slots__ = ("_compute", "_done", "_value")

    def __init__(self, compute: Callable[[], Any]) -> None:
        self._compute = compute
        self._done = False
        self._value: Any = None

    def _resolve(self) -> Any:
        if not self._done:
            self._value, self._done = self._compute(), True
        return self._value

    def __getattr__(self, name: str) -> Any:
        return getattr(self._resolve(), name)

    def __getitem__(self, key: Any) -> Any:
        return self._resolve()[key]

    def __iter__(self) -> Any:
        return iter(self._resolve())

    def __len__(self) -> int:
        return len(self._resolve())

    def __bool__(self) -> bool:
        return bool(self._resolve())

    def __str__(self) -> str:
        return str(self._resolve())


def lazy(compute: Callable[[], Any]) -> Lazy:
    return Lazy(compute)


def value_of(value: Any) -> Any:
    """What a :class:`Lazy` stands for (computed now if need be); other values as they are."""
    return value._resolve() if isinstance(value, Lazy) else value


def generation() -> Hashable | None:
    """The current data generation (``None`` until the first write); ``False`` while this
    request's own transaction holds uncommitted page data (nothing may be cached then)."""
    conn = db.session.connection()
    if conn.info.get(_FLAG):
        return False
    value = db.session.scalar(select(DataGeneration.value).where(DataGeneration.name == NAME))
    return value


# -- the cache ----------------------------------------------------------------------------------


def viewer_class(user: Any = None) -> Hashable:
    """Who sees the same fragments: the access tokens, whether signed in (pages offer a
    signed-in user more links, approved or not) and the role of an approved user."""
    user = current_user if user is None else user
    tokens = tuple(sorted(access.viewer_tokens(user)))
    signed_in = bool(getattr(user, "is_authenticated", False))
    active = signed_in and getattr(user, "is_active", False)
    return (tokens, signed_in, user.role if active else None)


class FragmentCache:
    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._bytes = 0
        self._generation: Hashable | None = None
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, gen: Hashable, key: Hashable) -> Any:
        with self._lock:
            if gen != self._generation:
                self._entries.clear()
                self._bytes = 0
                self._generation = gen
                return None
            found = self._entries.get(key)
            if found is None:
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return found[0]

    def put(self, gen: Hashable, key: Hashable, value: Any, size: int) -> None:
        with self._lock:
            self.misses += 1
            if gen != self._generation or size > self.max_bytes // 8:
                return
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            self._entries[key] = (value, size)
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, (_, dropped) = self._entries.popitem(last=False)
                self._bytes -= dropped

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0


def _cache() -> FragmentCache:
    return current_app.extensions["kb_fragments"]


def _key(name: str, extra: tuple[Hashable, ...]) -> Hashable:
    from kb.i18n import current_language

    return (
        name,
        viewer_class(),
        current_language(),
        date.today(),
        request.host_url,  # absolute links (the API's) name the host asked
        request.path,
        request.query_string,
        extra,
    )


def _generation_of_request() -> Hashable | None:
    gen = g.get("_kb_generation", _UNSET)
    if gen is _UNSET:
        gen = g._kb_generation = generation()
    return gen


def fragment(name: str, render: Callable[[], str], *extra: Hashable) -> Markup:
    """The HTML ``render()`` gives for this viewer class, language, day and address,
    rendered once per data generation (see the module's docstring)."""
    cache = _cache()
    gen = _generation_of_request() if cache.max_bytes else None
    if gen is False or gen is None:
        return Markup(render())
    key = _key(name, extra)
    found = cache.get(gen, key)
    if found is not None:
        return Markup(found)
    html = render()
    if 'name="csrf_token"' not in html:
        cache.put(gen, key, html, len(html))
    return Markup(html)


def json_response(name: str, render: Callable[[], Response], *extra: Hashable) -> Response:
    """The API's twin of :func:`fragment`: a JSON response's body and headers, made once per
    data generation for this viewer class, language, day and address."""
    cache = _cache()
    gen = _generation_of_request() if cache.max_bytes else None
    if gen is False or gen is None:
        return render()
    key = _key(name, extra)
    found = cache.get(gen, key)
    if found is None:
        response = render()
        if response.status_code != 200:
            return response
        body = response.get_data(as_text=True)
        found = (body, response.status_code, list(response.headers.items()))
        cache.put(gen, key, found, len(body))
        return response
    body, status, headers = found
    return current_app.response_class(body, status=status, headers=headers)
