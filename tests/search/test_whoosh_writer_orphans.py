"""A process killed mid-rebuild (kill -9) leaves no whoosh writer process behind: orphaned
writers held every file their parent had open, the app's index lock among them, so every
later index update on the host waited and failed."""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: Rebuilds with two writer processes, holds a lock file open as the app does, then stops
#: feeding documents (as a worker busy reading the database) until it is killed.
SCRIPT = """
import fcntl, sys, time
from pathlib import Path
sys.path.insert(0, "tests/search")
import search.backends.whoosh.backend as wb
from conftest import doc
from search import get_backend

wb.MP_THRESHOLD = 4
folder = Path(sys.argv[1])
lock = open(folder / "index.lock", "w")
fcntl.flock(lock, fcntl.LOCK_EX)

def docs():
    for i in range(1000):
        yield doc(f"request:{i}", f"CSIRT training {i}", "incident response")
    (folder / "ready").write_text("ready")
    time.sleep(600)

get_backend("whoosh", path=folder / "index", procs=2).rebuild(docs())
"""


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found |= {int(c) for c in (task / "children").read_text().split()}
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_writers_die_with_a_killed_rebuild(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    parent = subprocess.Popen([sys.executable, "-c", SCRIPT, str(tmp_path)], env=env, cwd=ROOT)
    writers: set[int] = set()
    try:
        deadline = time.monotonic() + 120
        while not (tmp_path / "ready").exists():
            assert parent.poll() is None, "the rebuild stopped early"
            assert time.monotonic() < deadline, "the rebuild never fed its documents"
            time.sleep(0.2)
        writers |= _children(parent.pid)
        assert len(writers) >= 2  # the two writer processes (and multiprocessing's helpers)
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        deadline = time.monotonic() + 20
        while any(_alive(w) for w in writers) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(_alive(w) for w in writers)
        with open(tmp_path / "index.lock", "w") as lock:  # nobody holds it any more
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    finally:  # a failure must not leave the orphans it found
        for pid in [parent.pid, *writers]:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        parent.wait()
