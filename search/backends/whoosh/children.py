"""Writer processes that die with the process that forked them.

A rebuild with ``procs`` > 1 forks whoosh writer processes (``multiprocessing``). If the
rebuilding process is killed (``kill -9``, the OOM killer), those writers lived on as
orphans, blocked on a queue nobody feeds, holding every file the parent had open — among
them the app's index lock (``flock``), so every later index update on the host waited and
failed until someone killed them by hand. Inside :func:`writers_die_with_parent`, each
process forked asks the Linux kernel to kill it when its parent dies
(``prctl(PR_SET_PDEATHSIG, SIGKILL)``); elsewhere nothing changes.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager

PR_SET_PDEATHSIG = 1

#: ``active``: forks from now on die with this process; ``parent``: the pid that forked
#: (set just before each fork, so a child reads its parent's pid from its own copy).
_state = {"active": 0, "parent": 0, "registered": 0}


def _before_fork() -> None:
    _state["parent"] = os.getpid()


def _after_fork_in_child() -> None:
    active, _state["active"] = _state["active"], 0  # the child's own forks are its own
    if not active:
        return
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # no prctl: the child lives on as before
        return
    if os.getppid() != _state["parent"]:  # the parent died before the call: go now
        os._exit(1)


@contextmanager
def writers_die_with_parent() -> Iterator[None]:
    """Processes forked inside this block are killed when this process dies (Linux)."""
    if not sys.platform.startswith("linux"):
        yield
        return
    if not _state["registered"]:
        os.register_at_fork(before=_before_fork, after_in_child=_after_fork_in_child)
        _state["registered"] = 1
    _state["active"] += 1
    try:
        yield
    finally:
        _state["active"] -= 1
