"""Date order after an update, on an index of several segments.

A one-record upsert adds a small whoosh segment (and a deletion in an old one).  The
date walk of large result sets (``rank.by_date``) merged per-segment orders whose
offsets were all read late (the last segment's), so the first loose search after an
update crashed with ``IndexError`` at 100k records (and ordered wrongly before that).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from conftest import BACKENDS, PUBLIC, dispose, doc, make_backend

from search import SearchBackend, SearchQuery, get_backend
from search.backends.whoosh import backend as whoosh_backend
from search.backends.whoosh import rank

N = 240
START = datetime(2025, 1, 1, tzinfo=UTC)


def _stamp(hours: int) -> str:
    return (START + timedelta(hours=hours)).isoformat().replace("+00:00", "Z")


def _created(i: int) -> int:
    """Hours after START: distinct, and not in id order (so doc order is not date order)."""
    return (i * 37) % N


def _corpus() -> list[dict[str, Any]]:
    out = []
    for i in range(N):
        title = f"water pump item {i}" if i % 3 == 0 else f"water tank item {i}"
        stamp = _stamp(_created(i))
        out.append(doc(f"request:{i}", title, created_at=stamp, updated_at=stamp))
    return out


@pytest.fixture(params=[*BACKENDS, "whoosh-disk-multisegment"])
def multi(
    request: pytest.FixtureRequest, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[SearchBackend]:
    # Walk the per-segment date orders even for these small sets.
    monkeypatch.setattr(rank, "SMALL_SET", 0)
    if request.param == "whoosh-disk-multisegment":
        # The rebuild path of large catalogues: two writer processes, two segments.
        monkeypatch.setattr(whoosh_backend, "MP_THRESHOLD", 20)
        b = get_backend("whoosh", path=tmp_path / "index", procs=2)
    else:
        b = make_backend(request.param, tmp_path)
    try:
        b.rebuild(_corpus())
        if request.param == "whoosh-disk-multisegment":
            assert len(b._index()._segments()) >= 2  # the shape under test
        yield b
    finally:
        dispose(b)


def _pages(b: SearchBackend, text: str, sort: str, pages: int) -> list[str]:
    ids: list[str] = []
    for page in range(1, pages + 1):
        q = SearchQuery(text=text, viewer_tokens=PUBLIC, sort=sort, page=page, per_page=8)
        ids += b.search(q).ids
    return ids


@pytest.mark.parametrize("text", ["water pump zanzibarish", "water pump"])
def test_newest_after_upsert_on_several_segments(multi: SearchBackend, text: str) -> None:
    pumps = [i for i in range(N) if i % 3 == 0]
    expected = [f"request:{i}" for i in sorted(pumps, key=_created, reverse=True)]
    assert _pages(multi, text, "newest", 3) == expected[:24]

    # Record 1 (a tank) becomes the newest pump: a new segment, a deletion in an old one.
    newest = _stamp(N + 1)
    multi.upsert([doc("request:1", "water pump item 1", created_at=newest, updated_at=newest)])
    after = ["request:1", *expected]
    assert _pages(multi, text, "newest", 3) == after[:24]
    assert _pages(multi, text, "updated", 1) == after[:8]
    assert multi.search(SearchQuery(text=text, viewer_tokens=PUBLIC)).total == len(after)
