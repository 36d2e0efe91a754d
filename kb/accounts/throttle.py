"""Sign-in throttling that slows guessing down without locking the owner out.

Failures are counted in a sliding window in three scopes, each with its own free attempts
and a delay that doubles with every further failure, up to a cap:

- **this account from this address** (the usual guesser): after ``free`` failures, 2 s,
  4 s, … up to ``pair_cap`` (5 min);
- **this account from anywhere** (a distributed guesser): only after ``4 * free`` failures,
  and capped at ``account_cap`` (30 s), so the owner signing in from elsewhere waits at most
  that long, never a lock-out;
- **this address, any account** (password spraying): after ``8 * free`` failures, capped at
  ``address_cap`` (2 min). Behind a reverse proxy the address is the client's, once
  ``KB_PROXY_HOPS`` is set (see kb/__init__.py).

While a delay runs, sign-in is refused before the password is even checked (so waiting is the
only way on), and the page says how long to wait.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, func, select

from kb.extensions import db
from kb.models import LoginAttempt
from kb.models.types import utcnow


@dataclass(frozen=True)
class Policy:
    free: int = 5
    window_minutes: int = 15
    pair_cap: int = 300
    account_cap: int = 30
    address_cap: int = 120


def wait_seconds(email: str, remote_addr: str, policy: Policy, now: datetime | None = None) -> int:
    """Seconds to wait before the next attempt for ``email`` from ``remote_addr`` (0: go)."""
    now = now or utcnow()
    since = now - timedelta(minutes=policy.window_minutes)
    email = email.strip().lower()
    scopes = (
        (
            (LoginAttempt.email == email) & (LoginAttempt.remote_addr == remote_addr),
            policy.free,
            policy.pair_cap,
        ),
        (LoginAttempt.email == email, policy.free * 4, policy.account_cap),
        (LoginAttempt.remote_addr == remote_addr, policy.free * 8, policy.address_cap),
    )
    wait = 0
    for where, free, cap in scopes:
        failures, last = _failures(where, since)
        if failures >= free and last is not None:
            delay = min(cap, 2 ** (failures - free + 1))
            wait = max(wait, delay - int((now - last).total_seconds()))
    return max(wait, 0)


def _failures(where: ColumnElement[bool], since: datetime) -> tuple[int, datetime | None]:
    count, last = db.session.execute(
        select(func.count(), func.max(LoginAttempt.at)).where(where, LoginAttempt.at >= since)
    ).one()
    if last is not None and last.tzinfo is None:  # SQLite keeps no zone; we store UTC
        last = last.replace(tzinfo=UTC)
    return count or 0, last


def record_failure(email: str, remote_addr: str) -> None:
    db.session.add(LoginAttempt(email=email.strip().lower(), remote_addr=remote_addr))
