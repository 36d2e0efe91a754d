"""Accounts and login attempts."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from kb.extensions import db
from kb.models.country import Country, Organisation
from kb.models.types import UTCDateTime, utcnow

PENDING, ACTIVE, DISABLED = "pending", "active", "disabled"


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    #: ``pending`` until the Secretariat approves; only ``active`` accounts may log in.
    status: Mapped[str] = mapped_column(String(20), default=PENDING, index=True)
    #: ``focal_point``, ``provider`` or ``secretariat``; set on approval.
    role: Mapped[str | None] = mapped_column(String(20))
    country_code: Mapped[str | None] = mapped_column(ForeignKey("countries.iso3"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    #: What the applicant wrote at registration: the state or organisation represented.
    represents: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    #: Changes on password change so that old sessions and remember-me cookies stop working.
    session_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The interface language the user chose (``ar``, ``zh``, ``en``, ``fr``, ``ru``, ``es``).
    locale: Mapped[str | None] = mapped_column(String(10))
    #: Base32 TOTP secret once two-factor sign-in is confirmed; ``None`` when not enabled.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    #: The last accepted TOTP time step, so one code cannot be used twice.
    totp_last_step: Mapped[int | None] = mapped_column()

    country: Mapped[Country | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()

    def set_password(self, password: str) -> None:
        # werkzeug's default KDF is scrypt (memory-hard).
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:  # flask-login refuses inactive users
        return self.status == ACTIVE

    @property
    def has_2fa(self) -> bool:
        return bool(self.totp_secret)

    @property
    def is_secretariat(self) -> bool:
        return self.is_active and self.role == "secretariat"

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class LoginAttempt(db.Model):
    """One failed login, kept to throttle guessing (per email and per address)."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    remote_addr: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class PasswordReset(db.Model):
    """A single-use, expiring password-reset link; only the token's SHA-256 is stored."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
