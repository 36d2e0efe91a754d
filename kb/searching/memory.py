"""How much memory a whoosh rebuild may use on this machine, and the writer settings that fit.

A rebuild holds postings in memory (``limitmb`` per writer process) before it spills sorted
runs to disk. Measured at 100k records (docs/PERFORMANCE.md): a writer process's resident
size is about ``WRITER_BASE_MB + WRITER_FACTOR x limitmb``, and the process that reads the
database and feeds the writers about ``FEEDER_MB``. By default a rebuild gets half of the
machine's memory (or of the container's limit, whichever is smaller), and never more than
three quarters of what is available right now; ``KB_SEARCH_LIMITMB`` / ``KB_SEARCH_PROCS``
override the result.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

#: Share of the machine a rebuild may use by default.
SHARE = 0.5
#: Resident size of a writer process beyond its posting pool, and pool overhead.
WRITER_BASE_MB = 300
WRITER_FACTOR = 1.15
#: The process that reads records and feeds the writer(s).
FEEDER_MB = 250
MIN_LIMITMB, MAX_LIMITMB = 64, 1024
#: A second writer process pays off only when each can keep a reasonable pool.
TWO_WRITERS_FROM_MB = 2400

CGROUP_LIMITS = (
    Path("/sys/fs/cgroup/memory.max"),  # cgroup v2
    Path("/sys/fs/cgroup/memory/memory.limit_in_bytes"),  # cgroup v1
)


def _meminfo() -> dict[str, int]:
    """``/proc/meminfo`` in MB (empty when unreadable)."""
    out = {}
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            name, _, rest = line.partition(":")
            parts = rest.split()
            if parts and parts[0].isdigit():
                out[name] = int(parts[0]) // 1024
    except OSError:
        pass
    return out


def _cgroup_limit_mb() -> int | None:
    for path in CGROUP_LIMITS:
        try:
            raw = path.read_text().strip()
        except OSError:
            continue
        if raw.isdigit() and int(raw) < 1 << 60:  # "max" or a huge number: no limit
            return int(raw) // (1024 * 1024)
    return None


def machine_memory_mb() -> tuple[int, int | None]:
    """(total, available) MB for this process: the container limit counts as the total."""
    info = _meminfo()
    total = info.get("MemTotal")
    if total is None:
        try:
            total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // (1024 * 1024)
        except (ValueError, OSError):
            total = 2048
    limit = _cgroup_limit_mb()
    if limit is not None:
        total = min(total, limit)
    return total, info.get("MemAvailable")


@dataclass(frozen=True)
class WriterPlan:
    budget_mb: int
    procs: int
    limitmb: int

    @property
    def expected_peak_mb(self) -> int:
        writers = self.procs * (WRITER_BASE_MB + WRITER_FACTOR * self.limitmb)
        return int(FEEDER_MB + writers) if self.procs > 1 else int(writers + FEEDER_MB / 2)


def plan(total_mb: int, available_mb: int | None = None, cores: int | None = None) -> WriterPlan:
    """Writer processes and ``limitmb`` for a rebuild within ``SHARE`` of ``total_mb``."""
    budget = int(total_mb * SHARE)
    if available_mb is not None:
        budget = min(budget, int(available_mb * 0.75))
    cores = cores or os.cpu_count() or 1
    procs = 2 if cores >= 2 and budget >= TWO_WRITERS_FROM_MB else 1
    feeder = FEEDER_MB if procs > 1 else FEEDER_MB // 2
    pool = (budget - feeder - procs * WRITER_BASE_MB) / (procs * WRITER_FACTOR)
    limitmb = int(max(MIN_LIMITMB, min(MAX_LIMITMB, pool)))
    return WriterPlan(budget, procs, limitmb)


def default_plan() -> WriterPlan:
    total, available = machine_memory_mb()
    return plan(total, available)
