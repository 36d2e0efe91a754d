"""Hard rules: what a programme cannot offer, vectorised over the whole catalogue.

A programme is *offerable* on ``today`` when its status is ``open`` and neither its end
date nor its application deadline has passed (the day itself still counts).  A request
is *eligible* when the programme is global (no regions and no countries, or the region
``global``), lists the request's country, or lists the request's UN regional group.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

import numpy as np
import scipy.sparse as sp

from search.matching.codes import REGIONS

NO_END = np.iinfo(np.int32).max
GLOBAL = "global"


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
    return programme.get("status") == "open" and last_day(programme) >= today.toordinal()


def is_global(programme: Mapping[str, Any]) -> bool:
    regions = programme.get("eligible_regions") or []
    return GLOBAL in regions or (not regions and not programme.get("eligible_countries"))


def eligible(programme: Mapping[str, Any], request: Mapping[str, Any]) -> bool:
    """Whether the requesting state may take part in the programme."""
    if is_global(programme):
        return True
    if request.get("country") and request["country"] in (programme.get("eligible_countries") or []):
        return True
    return bool(request.get("region")) and request["region"] in (
        programme.get("eligible_regions") or []
    )


class RuleTable:
    """Per-programme arrays for the hard rules and regional specificity."""

    def __init__(self, programmes: Sequence[Mapping[str, Any]]) -> None:
        n = len(programmes)
        self.status_open = np.array([p.get("status") == "open" for p in programmes], dtype=bool)
        self.last_day = np.array([last_day(p) for p in programmes], dtype=np.int64)
        self.is_global = np.array([is_global(p) for p in programmes], dtype=bool)
        self.region_index = {r: i for i, r in enumerate(REGIONS)}
        self.regions = np.zeros((len(REGIONS), n), dtype=bool)
        countries: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        for j, p in enumerate(programmes):
            for r in p.get("eligible_regions") or []:
                if r in self.region_index:
                    self.regions[self.region_index[r], j] = True
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

    def reach(self, requests: Sequence[Mapping[str, Any]]) -> tuple[np.ndarray, np.ndarray]:
        """``(country_hit, region_hit)`` boolean matrices, requests x programmes."""
        m, n = len(requests), self.regions.shape[1]
        country_hit = np.zeros((m, n), dtype=bool)
        region_hit = np.zeros((m, n), dtype=bool)
        for i, r in enumerate(requests):
            ci = self.country_index.get(r.get("country") or "")
            if ci is not None:
                row = self.countries.getrow(ci)
                country_hit[i, row.indices] = True
            ri = self.region_index.get(r.get("region") or "")
            if ri is not None:
                region_hit[i] = self.regions[ri]
        return country_hit, region_hit

    def eligibility(
        self, requests: Sequence[Mapping[str, Any]], specificity: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """``(eligible, region_component)``: who may apply, and how targeted the offer is.

        The region component is 1 for a programme listing the request's country,
        ``specificity`` for one listing its region and 0 for a global programme.
        """
        country_hit, region_hit = self.reach(requests)
        eligible = country_hit | region_hit
        eligible |= self.is_global
        component = np.where(country_hit, np.float32(1.0), np.float32(0.0))
        component[region_hit & ~country_hit] = specificity
        return eligible, component

    def pair_region(
        self,
        requests: Sequence[Mapping[str, Any]],
        qi: np.ndarray,
        pj: np.ndarray,
        specificity: float,
    ) -> np.ndarray:
        """Region component of the pairs ``(requests[qi[k]], programme pj[k])``."""
        ci = np.array([self.country_index.get(r.get("country") or "", -1) for r in requests])
        ri = np.array([self.region_index.get(r.get("region") or "", -1) for r in requests])
        c, r = ci[qi], ri[qi]
        out = np.zeros(len(qi), dtype=np.float32)
        has_r = r >= 0
        out[has_r] = np.where(self.regions[r[has_r], pj[has_r]], specificity, 0.0)
        has_c = c >= 0
        if has_c.any():
            hit = np.asarray(self.countries[c[has_c], pj[has_c]]).ravel().astype(bool)
            out[np.flatnonzero(has_c)[hit]] = 1.0
        return out
