"""Password reset by email: single-use links that expire, stored only as a hash.

Asking for a link never says whether the address has an account (the same answer either
way), and at most ``MAX_PER_HOUR`` links are sent per account per hour.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from kb.accounts.passwords import check_password
from kb.errors import Invalid
from kb.extensions import db
from kb.models import PasswordReset, User
from kb.models.types import utcnow
from kb.models.user import ACTIVE, PENDING
from kb.notifications.operations import queue_email

VALID_FOR = timedelta(hours=1)
MAX_PER_HOUR = 3
INVALID_LINK = _l("This link is invalid or has expired. Ask for a new one.")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def request_reset(email: str, link_for: Callable[[str], str]) -> None:
    """Email a reset link to the account with this address, if there is one (silently not)."""
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None or user.status not in (ACTIVE, PENDING):
        return
    since = utcnow() - timedelta(hours=1)
    recent = db.session.scalar(
        select(func.count())
        .select_from(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.created_at >= since)
    )
    if (recent or 0) >= MAX_PER_HOUR:
        return
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(
        PasswordReset(
            user_id=user.id, token_hash=_digest(token), created_at=now, expires_at=now + VALID_FOR
        )
    )
    queue_email(
        user.email,
        "Capacity Exchange: reset your password",
        "Someone (we hope you) asked to reset the password of your Capacity Exchange account.\n\n"
        f"Choose a new password here within one hour:\n{link_for(token)}\n\n"
        "If you did not ask, ignore this email: your password stays as it is.",
    )


def user_for_token(token: str) -> User:
    """The account a valid, unused, unexpired token belongs to. :raise Invalid: otherwise."""
    reset = _valid(token)
    return reset.user


def reset_password(token: str, password: str) -> User:
    """Set a new password with a valid link; the link and every other open link stop working,
    and every session of the account is logged out."""
    reset = _valid(token)
    user = reset.user
    check_password(password, (user.email, user.name))
    user.set_password(password)
    user.session_token = secrets.token_hex(16)
    now = utcnow()
    db.session.execute(
        update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
    )
    db.session.flush()
    return user


def _valid(token: str) -> PasswordReset:
    reset = db.session.scalar(
        select(PasswordReset).where(PasswordReset.token_hash == _digest(token))
    )
    if reset is None or reset.used_at is not None or reset.expires_at <= utcnow():
        raise Invalid(str(INVALID_LINK))
    return reset
