"""The codes programmes list in their eligibility code lists, stored (``listed_codes``).

A place names many states (Africa: 54) and a state belongs to a dozen places, but programmes
list few of them: the SQL eligibility filter tests only the codes some programme lists
(:func:`kb.catalogue.eligibility.compile_rule`), same rows, far fewer ``LIKE`` tests. Reading
those codes from the programmes is catalogue-wide work (80 ms at 100,000 programmes), so they
are stored: every flush that writes a programme adds its codes in the same transaction (a
rolled-back write takes them back, a concurrent one waits on the same key), and ``flask match
refresh`` makes the table exact again (codes no programme lists any more only cost a test,
never change a result: the table may hold more codes than the programmes list, never fewer).
"""

from __future__ import annotations

from itertools import chain
from typing import Any

from sqlalchemy import delete, event, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from kb import fragments
from kb.extensions import db
from kb.models import ListedCode, Programme
from search.matching import eligibility as rule

#: The code-list columns of :class:`Programme` whose codes are stored.
FIELDS = (rule.COUNTRIES, rule.REGIONS)
#: Programmes read at once by :func:`rebuild`.
CHUNK = 5000


def codes_of(programmes: Any) -> set[tuple[str, str]]:
    """``(field, code)`` of every code these programmes list."""
    return {(f, code) for p in programmes for f in FIELDS for code in (getattr(p, f) or ())}


def _add(connection: Any, pairs: set[tuple[str, str]]) -> None:
    """Store ``pairs``, those already stored left as they are (concurrent writers too)."""
    rows = [{"field": f, "code": c} for f, c in sorted(pairs)]
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    if rows:  # the two supported databases share ON CONFLICT DO NOTHING
        connection.execute(dialect.insert(ListedCode).on_conflict_do_nothing(), rows)


def _after_flush(session: Session, _context: Any) -> None:
    """Store the codes of the programmes this flush wrote (the session's ``new`` and
    ``dirty`` still hold them here), on the flush's own connection."""
    written = (o for o in chain(session.new, session.dirty) if isinstance(o, Programme))
    pairs = codes_of(written)
    if pairs:
        _add(session.connection(), pairs)


_CACHE: dict[tuple[str, str], tuple[Any, frozenset[str]]] = {}


def listed_codes(field: str) -> frozenset[str]:
    """Every code some programme lists in the code-list ``field`` (perhaps a few more): one
    small read, kept per process until the data generation (:mod:`kb.fragments`) changes."""
    if field not in FIELDS:
        raise ValueError(f"codes of {field!r} are not stored")
    generation = fragments.generation()
    key = (str(db.engine.url), field)
    cached = _CACHE.get(key)
    if generation not in (None, False) and cached is not None and cached[0] == generation:
        return cached[1]
    codes = frozenset(db.session.scalars(select(ListedCode.code).where(ListedCode.field == field)))
    if generation not in (None, False):
        _CACHE[key] = (generation, codes)
    return codes


def rebuild() -> None:
    """Store exactly the codes the programmes list now (``flask match refresh``)."""
    db.session.execute(delete(ListedCode))
    pairs: set[tuple[str, str]] = set()
    columns = [getattr(Programme, f) for f in FIELDS]
    last = 0
    while True:
        rows = db.session.execute(
            select(Programme.id, *columns).where(Programme.id > last).order_by(Programme.id)
            .limit(CHUNK)
        ).all()  # fmt: skip
        if not rows:
            break
        last = rows[-1][0]
        pairs |= {(f, c) for row in rows for f, codes in zip(FIELDS, row[1:], strict=True)
                  for c in codes or ()}  # fmt: skip
    if pairs:
        db.session.execute(insert(ListedCode), [{"field": f, "code": c} for f, c in sorted(pairs)])


def init_app() -> None:
    if not event.contains(db.session, "after_flush", _after_flush):
        event.listen(db.session, "after_flush", _after_flush)
