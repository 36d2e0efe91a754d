"""Personal API tokens: a user's bearer credentials for the REST API.

Only the SHA-256 of the secret is stored; the secret itself is shown once, at creation.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb.codes import N_
from kb.extensions import db
from kb.models.types import UTCDateTime, utcnow
from kb.models.user import User

READ, WRITE = "read", "write"
SCOPES: dict[str, str] = {READ: N_("Read only"), WRITE: N_("Read and write")}


class ApiToken(db.Model):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    #: ``read`` (GET only) or ``write`` (also create, update and lifecycle actions).
    scope: Mapped[str] = mapped_column(String(10), default=READ)
    #: Hex SHA-256 of the secret; the secret is high-entropy, so no salt or KDF is needed.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: The secret's first characters, to tell tokens apart in lists.
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    def is_usable(self, now: datetime) -> bool:
        """Not revoked, not expired, and its owner's account is approved and active."""
        return self.revoked_at is None and self.expires_at > now and self.user.is_active

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.prefix} {self.scope}>"
