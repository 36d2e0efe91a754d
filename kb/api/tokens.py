"""Personal API tokens: create, list, revoke, and find the token behind a bearer secret.

Operations in the project's style: they validate, change, flush; the caller commits.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from kb.codes import N_
from kb.errors import Forbidden, Invalid, NotFound
from kb.extensions import db
from kb.models import ApiToken, User
from kb.models.token import SCOPES
from kb.models.types import utcnow

#: Secrets look like ``cxk_<43 url-safe characters>`` (256 bits of randomness).
SECRET_PREFIX = "cxk_"
EXPIRY_DAYS: dict[int, str] = {
    7: N_("7 days"),
    30: N_("30 days"),
    90: N_("90 days"),
    365: N_("1 year"),
}
MAX_ACTIVE_TOKENS = 20
#: ``last_used_at`` is written at most this often per token (not on every request).
TOUCH_EVERY = timedelta(minutes=1)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_token(user: User, name: str, scope: str, days: int) -> tuple[ApiToken, str]:
    """Create a token for ``user``; return it with its secret (shown once, never stored).

    :raise Forbidden: the account is not active. :raise Invalid: bad name, scope or expiry.
    """
    if not user.is_active:
        raise Forbidden(_("Only approved, active accounts may create API tokens."))
    name = (name or "").strip()
    errors: dict[str, list[str]] = {}
    if not 1 <= len(name) <= 80:
        errors["name"] = [_("Give the token a name of 1 to 80 characters.")]
    if scope not in SCOPES:
        errors["scope"] = [_("Must be one of: %(codes)s.", codes=", ".join(SCOPES))]
    if days not in EXPIRY_DAYS:
        days_allowed = ", ".join(map(str, EXPIRY_DAYS))
        errors["expires_in_days"] = [_("Must be one of: %(codes)s.", codes=days_allowed)]
    if len(active_tokens(user)) >= MAX_ACTIVE_TOKENS:
        errors["name"] = [
            _("You have %(num)s active tokens; revoke one first.", num=MAX_ACTIVE_TOKENS)
        ]
    if errors:
        raise Invalid(_("Please correct the fields marked."), errors)
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name,
        scope=scope,
        token_hash=hash_secret(secret),
        prefix=secret[:12],
        expires_at=utcnow() + timedelta(days=days),
    )
    db.session.add(token)
    db.session.flush()
    return token, secret


def revoke_token(user: User, token_id: int) -> ApiToken:
    """Revoke one of ``user``'s tokens (idempotent). :raise NotFound: not theirs."""
    token = db.session.get(ApiToken, token_id) if 0 < token_id < 2**31 else None
    if token is None or token.user_id != user.id:
        raise NotFound(_("No such token."))
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.flush()
    return token


def tokens_of(user: User) -> list[ApiToken]:
    query = (
        select(ApiToken)
        .where(ApiToken.user_id == user.id)
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    )
    return list(db.session.scalars(query))


def active_tokens(user: User) -> list[ApiToken]:
    now = utcnow()
    return [t for t in tokens_of(user) if t.revoked_at is None and t.expires_at > now]


def find_usable(secret: str, now: datetime | None = None) -> ApiToken | None:
    """The token for ``secret`` if it is usable now (not revoked or expired, owner active)."""
    if not secret.startswith(SECRET_PREFIX) or len(secret) > 100:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_secret(secret)))
    if token is None or not token.is_usable(now or utcnow()):
        return None
    return token


def touch(token: ApiToken, now: datetime | None = None) -> bool:
    """Record use (at most once a minute); True if the caller has a change to commit."""
    now = now or utcnow()
    if token.last_used_at is not None and now - token.last_used_at < TOUCH_EVERY:
        return False
    token.last_used_at = now
    db.session.flush()
    return True
