"""Matches between requests and programmes, and in-app notifications."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb.extensions import db
from kb.models.catalogue import Programme, Request
from kb.models.types import UTCDateTime, utcnow


class MatchSuggestion(db.Model):
    """The engine's current top programmes for an open request (recomputed as records change),
    once per audience (``access.AUDIENCES``): each ranking uses only the programmes that
    audience may see, so hidden programmes never take a slot or move a figure."""

    __tablename__ = "match_suggestions"
    __table_args__ = (UniqueConstraint("audience", "request_id", "programme_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    audience: Mapped[str] = mapped_column(String(12), default="secretariat", index=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    rank: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
    quality: Mapped[str] = mapped_column(String(10))
    #: The programme covers the request's main need (``search.matching`` ``Match.covers``).
    covers: Mapped[bool] = mapped_column(Boolean, default=False)
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(db.JSON, default=list)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    request: Mapped[Request] = relationship()
    programme: Mapped[Programme] = relationship()


class Match(db.Model):
    """A pair people act on: proposed by one side, accepted or declined by the other, …"""

    __tablename__ = "matches"
    __table_args__ = (UniqueConstraint("request_id", "programme_id"),)
    kind = "match"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    #: proposed → accepted | declined → in_progress → completed
    status: Mapped[str] = mapped_column(String(20), index=True)
    #: "provider" (the programme's side proposed) or "requester" (the state asked)
    proposed_by_side: Mapped[str] = mapped_column(String(20))
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    message: Mapped[str] = mapped_column(Text, default="")
    response_note: Mapped[str | None] = mapped_column(Text)
    outcome_note: Mapped[str | None] = mapped_column(Text)
    score: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    request: Mapped[Request] = relationship()
    programme: Mapped[Programme] = relationship()

    @property
    def ref(self) -> str:
        return f"match:{self.id}"


class Notification(db.Model):
    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    text: Mapped[str] = mapped_column(String(500))
    link: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
