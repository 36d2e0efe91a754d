"""One index writer at a time, across processes (gunicorn workers, CLI)."""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_THREAD_LOCKS: dict[str, threading.Lock] = {}


class LockTimeout(Exception):
    pass


@contextmanager
def index_lock(path: Path | None, timeout: float = 30.0) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (a file next to the index), waiting up to ``timeout``.

    ``flock`` serialises processes; a per-path thread lock serialises threads of one process.
    ``path`` None (in-memory backends) takes only the thread lock.
    """
    key = str(path)
    thread_lock = _THREAD_LOCKS.setdefault(key, threading.Lock())
    if not thread_lock.acquire(timeout=timeout):
        raise LockTimeout(f"index lock busy for {timeout:.0f}s")
    try:
        if path is None:
            yield
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise LockTimeout(f"index lock {path} busy for {timeout:.0f}s") from None
                    time.sleep(0.02)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)
    finally:
        thread_lock.release()
