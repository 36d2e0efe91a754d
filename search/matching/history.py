"""Matching learns from history: what a state already receives, and who has delivered where.

Framework-free: works on plain :class:`Delivery` values (the app feeds the published, public,
ongoing or completed initiatives through the same stored-data path as the programmes). Two
rules, each in one place:

* **Already receiving** (:meth:`History.receiving`). A programme is not proposed to a state
  that already receives it: an ongoing or completed initiative has the state as a
  beneficiary, the programme's provider as a funder or implementer, the programme's main
  theme (its first) among its themes and, when both state support types, one of the
  programme's (a CERT drill is not the CERT set-up the state already got). Such a programme
  is left out of the state's matches (as a declined pair is), not listed last: a match list
  is a list of proposals, and the state's page already shows the work it receives.
* **Track record** (:class:`TrackRecord`). A provider that has implemented ongoing or
  completed initiatives in the requesting state's UN regional group, on the request's main
  theme (its first), which the programme offers, gets a small boost
  (``MatchConfig.weight_track_record`` on the raw score, outside the weighted mean so that no
  other score moves) with its reason:
  "Has delivered incident response work in Africa".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from search.matching.codes import THEMES, label

#: Work statuses that count as history (planned work is a plan; cancelled work did not happen).
DELIVERED = frozenset({"ongoing", "completed"})


@dataclass(frozen=True)
class Delivery:
    """One initiative as history: where (states and their regional groups), on what, by whom."""

    id: str
    states: frozenset[str]
    regions: frozenset[str]
    themes: frozenset[str]
    work_status: str
    #: Organisation keys (ids in the app; any hashable value, as long as the programmes'
    #: ``organisation_id`` uses the same).
    funders: frozenset[Hashable] = frozenset()
    implementers: frozenset[Hashable] = frozenset()
    support_types: frozenset[str] = frozenset()

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Delivery:
        return cls(
            id=str(record["id"]),
            states=frozenset(record.get("states") or ()),
            regions=frozenset(record.get("regions") or ()),
            themes=frozenset(record.get("themes") or ()),
            work_status=str(record.get("work_status") or ""),
            funders=frozenset(record.get("funders") or ()),
            implementers=frozenset(record.get("implementers") or ()),
            support_types=frozenset(record.get("support_types") or ()),
        )


class History:
    """The deliveries, indexed by state (who works there, on what) and by regional group
    (who implemented what there)."""

    def __init__(self, deliveries: Iterable[Delivery | Mapping[str, Any]] = ()) -> None:
        done = [d if isinstance(d, Delivery) else Delivery.from_record(d) for d in deliveries]
        done = [d for d in done if d.work_status in DELIVERED]
        #: (state, organisation) -> the work it funds or implements there.
        self._in_state: dict[tuple[str, Hashable], list[Delivery]] = defaultdict(list)
        #: organisation -> region -> themes it has implemented there.
        self._in_region: dict[Hashable, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        #: organisation -> states where it funds or implements work.
        self._states_of: dict[Hashable, set[str]] = defaultdict(set)
        for d in done:
            for state in d.states:
                for org in d.funders | d.implementers:
                    self._in_state[state, org].append(d)
                    self._states_of[org].add(state)
            for region in d.regions:
                for org in d.implementers:
                    self._in_region[org][region] |= d.themes
        self.size = len(done)

    def __bool__(self) -> bool:
        return self.size > 0

    def receives(
        self,
        state: str | None,
        organisation: Hashable | None,
        themes: Sequence[str],
        support_types: Sequence[str] = (),
    ) -> bool:
        """Does ``state`` already receive a programme of ``organisation`` with these themes
        (main one first) and support types? (The module's first rule.)"""
        if not state or organisation is None or not themes:
            return False
        for d in self._in_state.get((state, organisation), ()):
            if themes[0] not in d.themes:
                continue
            if not support_types or not d.support_types or d.support_types & set(support_types):
                return True
        return False

    def delivered(self, region: str | None, organisation: Hashable | None) -> set[str]:
        """Themes ``organisation`` has implemented in ``region`` (empty when none)."""
        if not region or organisation not in self._in_region:
            return set()
        return self._in_region[organisation].get(region, set())


class TrackRecord:
    """The history rules over one fitted programme list (positions as in the engine's
    catalogue): which programmes a state receives, and the boost of each pair."""

    def __init__(
        self,
        history: History,
        organisations: Sequence[Hashable | None],
        themes: Sequence[Sequence[str]],
        support_types: Sequence[Sequence[str]],
        weight: float,
    ) -> None:
        self.history, self.weight = history, np.float32(weight)
        self.organisations = list(organisations)
        self.themes = [list(t) for t in themes]
        self.support_types = [list(t) for t in support_types]
        #: (region, theme) -> sorted positions of the programmes on that theme whose provider
        #: has implemented work on it in the region.
        index: dict[tuple[str, str], list[int]] = defaultdict(list)
        received: dict[str, list[int]] = defaultdict(list)
        for j, (owner, offered) in enumerate(zip(self.organisations, self.themes, strict=True)):
            if owner is None or not offered:
                continue
            for region, delivered in history._in_region.get(owner, {}).items():
                for theme in delivered.intersection(offered):
                    index[region, theme].append(j)
            for state in history._states_of.get(owner, ()):
                if history.receives(state, owner, offered, self.support_types[j]):
                    received[state].append(j)
        self._boosted = {k: np.array(sorted(v), dtype=np.intp) for k, v in index.items()}
        self._received = {state: sorted(set(js)) for state, js in received.items()}

    def received(self, state: str | None) -> list[int]:
        """Positions of the programmes ``state`` already receives (see the module's rule)."""
        return self._received.get(state or "", [])

    def positions(self, region: str | None, wanted: Iterable[str]) -> np.ndarray:
        """Positions of the programmes a request of ``region`` whose main theme is the first
        of ``wanted`` gets the boost with (sorted, unique)."""
        found = [self._boosted[k] for t in wanted[:1] if (k := (region or "", t)) in self._boosted]
        if not found:
            return np.zeros(0, dtype=np.intp)
        return np.unique(np.concatenate(found))

    def add_block(
        self, raw: np.ndarray, regions: Sequence[str | None], wanted: Sequence[Sequence[str]],
        cols: np.ndarray,
    ) -> None:  # fmt: skip
        """Add the boost to the block's raw scores (rows: requests; columns: ``cols``)."""
        if not self._boosted or not len(cols):
            return
        for i, (region, themes) in enumerate(zip(regions, wanted, strict=True)):
            found = self.positions(region, themes)
            if not len(found):
                continue
            at = np.minimum(np.searchsorted(cols, found), len(cols) - 1)
            raw[i, at[cols[at] == found]] += self.weight

    def pairs(
        self, regions: Sequence[str | None], wanted: Sequence[Sequence[str]], pj: np.ndarray
    ) -> np.ndarray:
        """The boost of each pair ``(request k, programme pj[k])``."""
        out = np.zeros(len(pj), dtype=np.float64)
        if not self._boosted:
            return out
        for k, (region, themes, j) in enumerate(zip(regions, wanted, pj.tolist(), strict=True)):
            if self.reason_items(region, themes, j):
                out[k] = self.weight
        return out

    def reason_items(self, region: str | None, wanted: Sequence[str], position: int) -> tuple:
        """``(region, theme, …)`` behind a pair's boost; empty when it has none."""
        return track_items(
            self.history, region, wanted, self.organisations[position], self.themes[position]
        )


def track_items(
    history: History | None,
    region: str | None,
    wanted: Sequence[str],
    organisation: Hashable | None,
    offered: Sequence[str],
) -> tuple[str, ...]:
    """``(region, theme)``: the request's main theme (its first), when the programme offers it
    and its provider has implemented work on it in the request's region; else empty."""
    if history is None:
        return ()
    delivered = history.delivered(region, organisation)
    themes = [t for t in wanted[:1] if t in delivered and t in offered]
    return (str(region), *themes) if themes else ()


def reason_text(items: Sequence[str]) -> str:
    """The English reason of a boost, from :meth:`TrackRecord.reason_items`."""
    region, *themes = items
    shown = " and ".join(label(t, THEMES).lower() for t in themes)
    return f"Has delivered {shown} work in {region}"
