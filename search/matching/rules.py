"""Hard rules, vectorised over the whole catalogue.

The rule itself is :mod:`search.matching.eligibility` (one definition, also compiled to
SQL by the app); this module applies it to arrays: :class:`RuleTable` holds, per
programme, its availability dates, whether it is open to all, the states it lists and
the places (regions) it is open to when it lists no states.  The property test
``test_only_and_all_eligible_programmes_returned`` checks the arrays against
:func:`eligible` on random catalogues.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

import numpy as np
import scipy.sparse as sp

from search.matching import eligibility
from search.matching.codes import REGIONS

NO_END = np.iinfo(np.int32).max
GLOBAL = eligibility.GLOBAL


def day(value: Any) -> int | None:
    """Proleptic ordinal of an ISO date / datetime string, ``date`` or ``datetime``."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date().toordinal()
    if isinstance(value, date):
        return value.toordinal()
    text = str(value).strip()
    try:
        return date.fromisoformat(text[:10]).toordinal()
    except ValueError:
        return None


def last_day(programme: Mapping[str, Any]) -> int:
    """The last day the programme can be taken up (end date or deadline, the earlier)."""
    days = [day(programme.get("end_date")), day(programme.get("application_deadline"))]
    known = [d for d in days if d is not None]
    return min(known) if known else int(NO_END)


def offerable(programme: Mapping[str, Any], today: date) -> bool:
    """Status ``open`` and not past its end date or application deadline."""
    return eligibility.available(programme, today)


def is_global(programme: Mapping[str, Any]) -> bool:
    return eligibility.is_open_to_all(programme)


def eligible(programme: Mapping[str, Any], request: Mapping[str, Any]) -> bool:
    """Whether the requesting state may take part in the programme."""
    return eligibility.open_to(programme, request.get("country"), request.get("region"))


def request_places(request: Mapping[str, Any]) -> frozenset[str]:
    return eligibility.places_of(request.get("country"), request.get("region"))


class RuleTable:
    """Per-programme arrays for the hard rules.

    ``places`` (rows: :attr:`place_index`) marks the places a programme that lists no
    states is open to; ``countries`` (rows: :attr:`country_index`) the states a programme
    lists (it is then open to those only).
    """

    def __init__(self, programmes: Sequence[Mapping[str, Any]]) -> None:
        n = len(programmes)
        self.status_open = np.array([p.get("status") == "open" for p in programmes], dtype=bool)
        self.last_day = np.array([last_day(p) for p in programmes], dtype=np.int64)
        self.is_global = np.array([is_global(p) for p in programmes], dtype=bool)
        self.has_countries = np.array(
            [eligibility.describes_only(p) for p in programmes], dtype=bool
        )
        self.place_index = {r: i for i, r in enumerate(REGIONS)}
        for p in programmes:
            for r in p.get("eligible_regions") or []:
                if r != GLOBAL:
                    self.place_index.setdefault(r, len(self.place_index))
        self.places = np.zeros((len(self.place_index), n), dtype=bool)
        countries: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        for j, p in enumerate(programmes):
            if not self.has_countries[j] and not self.is_global[j]:
                for r in p.get("eligible_regions") or []:
                    self.places[self.place_index[r], j] = True
            for c in p.get("eligible_countries") or []:
                rows.append(countries.setdefault(c, len(countries)))
                cols.append(j)
        self.country_index = countries
        self.countries = sp.csr_matrix(
            (np.ones(len(rows), dtype=bool), (rows, cols)), shape=(len(countries), n)
        )

    def offerable(self, today: date) -> np.ndarray:
        """Boolean vector: open and not expired on ``today``."""
        return self.status_open & (self.last_day >= today.toordinal())

    def place_rows(self, request: Mapping[str, Any]) -> tuple[int, ...]:
        """Rows of :attr:`places` the requesting state belongs to."""
        found = (self.place_index.get(p) for p in request_places(request))
        return tuple(sorted(i for i in found if i is not None))

    def covered(self, rows: tuple[int, ...]) -> np.ndarray:
        """Programmes open to every state of the places ``rows`` (global ones included)."""
        out = self.is_global.copy()
        for i in rows:
            out |= self.places[i]
        return out
