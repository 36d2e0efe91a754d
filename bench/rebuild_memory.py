"""Peak memory of a whoosh rebuild with the writer settings the app picks for a machine size.

    python bench/rebuild_memory.py --records 100000 --machine-mb 2048

Documents are generated one at a time (as the app streams them from the database), so the
figure is the rebuild's own: the feeding process plus its writer processes. The rebuild runs
in a child process; its peak resident size (and that of its own writer children, when
``procs`` > 1) is read from ``getrusage``. The last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import tempfile
import time
from multiprocessing import get_context
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def _rebuild(records: int, procs: int, limitmb: int, out: dict) -> None:  # type: ignore[type-arg]
    from search_bench import make_corpus

    from search import get_backend

    with tempfile.TemporaryDirectory() as tmp:
        backend = get_backend("whoosh", path=tmp, procs=procs, limitmb=limitmb)
        started = time.perf_counter()
        backend.rebuild(make_corpus(records, random.Random(42)))
        out["index_s"] = round(time.perf_counter() - started, 1)
        backend.close()
    self_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
    out["feeder_peak_mb"] = self_peak
    out["largest_writer_peak_mb"] = children


def main() -> None:
    from kb.searching.memory import machine_memory_mb, plan

    ap = argparse.ArgumentParser()
    ap.add_argument(
        "--records", type=int, default=100_000, help="documents to index (default: 100000)"
    )
    ap.add_argument(
        "--machine-mb",
        type=int,
        default=None,
        help="plan the writers for a machine of this many MB (default: this machine)",
    )
    args = ap.parse_args()
    total, available = machine_memory_mb()
    chosen = plan(args.machine_mb, None) if args.machine_mb else plan(total, available)
    with get_context("spawn").Manager() as manager:
        out = manager.dict()
        proc = get_context("spawn").Process(
            target=_rebuild, args=(args.records, chosen.procs, chosen.limitmb, out)
        )
        proc.start()
        proc.join()
        result = dict(out)
    writers = chosen.procs if chosen.procs > 1 else 0
    result["total_peak_upper_bound_mb"] = result.get("feeder_peak_mb", 0) + writers * result.get(
        "largest_writer_peak_mb", 0
    )
    result.update(records=args.records, machine_mb=args.machine_mb or total)
    result.update(budget_mb=chosen.budget_mb, procs=chosen.procs, limitmb=chosen.limitmb)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
