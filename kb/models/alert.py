"""Saved searches and the alerts they raise (see :mod:`kb.alerts`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb.extensions import db
from kb.models.types import UTCDateTime, utcnow
from kb.models.user import User


class SavedSearch(db.Model):
    """A search or filtered list a user keeps, and how they want to hear of new matches.

    ``kind`` says what ``params`` describe: ``requests`` / ``programmes`` (a filtered list,
    its query-string arguments), ``search`` (the search page's arguments), ``state_programmes``
    (programmes the saver's state is eligible for in its requests' themes) or ``org_requests``
    (requests the saver's organisation's programmes could serve). ``frequency``: ``app``
    (in-app only), ``instant`` (an e-mail at once), ``daily`` or ``weekly`` (a digest).
    """

    __tablename__ = "saved_searches"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20), index=True)
    #: ``{argument: [values]}``, normalised (:func:`kb.alerts.searches.normalise`).
    params: Mapped[dict[str, Any]] = mapped_column(db.JSON, default=dict)
    #: SHA-256 of kind and params: the same search is saved once per user.
    key: Mapped[str] = mapped_column(String(64))
    frequency: Mapped[str] = mapped_column(String(10), default="app")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When the last digest including this search was sent.
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
    hits: Mapped[list[AlertHit]] = relationship(
        back_populates="saved_search", cascade="all, delete-orphan", passive_deletes=True
    )


class AlertHit(db.Model):
    """One record that matched a saved search after it was saved: alerted once, ever."""

    __tablename__ = "alert_hits"
    __table_args__ = (
        UniqueConstraint("saved_search_id", "record_kind", "record_id"),
        Index("ix_alert_hits_due", "email_due", "saved_search_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    saved_search_id: Mapped[int] = mapped_column(
        ForeignKey("saved_searches.id", ondelete="CASCADE")
    )
    record_kind: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: Waiting for the next daily or weekly digest.
    email_due: Mapped[bool] = mapped_column(Boolean, default=False)
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    saved_search: Mapped[SavedSearch] = relationship(back_populates="hits")

    @property
    def ref(self) -> tuple[str, int]:
        return (self.record_kind, self.record_id)
