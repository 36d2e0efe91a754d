"""Matches between requests and programmes, and in-app notifications."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb.extensions import db
from kb.models.catalogue import Programme, Request
from kb.models.types import UTCDateTime, utcnow

#: Columns of the index behind the Matches page filtered by the requests' place or theme.
REQUEST_OVERVIEW = (
    "side",
    "request_id",
    "overview_public",
    "overview_verified",
    "overview_all",
    "score",
    "id",
)


class MatchSuggestion(db.Model):
    """One pair the engine ranked, as pages show it; recomputed as records change.

    ``side`` says whose list the row belongs to: ``"request"`` rows are a request's best
    programmes, ``"programme"`` rows a programme's best open requests (``rank`` within that
    list). A pair in both lists has two rows. Pages filter rows by what the viewer may see.
    """

    __tablename__ = "match_suggestions"
    __table_args__ = (
        UniqueConstraint("side", "request_id", "programme_id"),
        Index("ix_match_suggestions_request_list", "side", "request_id", "rank"),
        Index("ix_match_suggestions_programme_list", "side", "programme_id", "rank"),
        Index("ix_match_suggestions_overview", "side", "level", "rank", "quality", "score"),
        Index("ix_match_suggestions_overview_public", "side", "overview_public", "score"),
        Index("ix_match_suggestions_overview_verified", "side", "overview_verified", "score"),
        Index("ix_match_suggestions_overview_all", "side", "overview_all", "score"),
        # The Matches page filtered by the requests' place or theme: their flagged pairs
        # read from the index alone (no row per pair).
        Index("ix_match_suggestions_request_overview", *REQUEST_OVERVIEW),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    side: Mapped[str] = mapped_column(String(10), default="request")
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    rank: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float, index=True)
    quality: Mapped[str] = mapped_column(String(10))
    #: The programme covers the request's main need (the engine's ``Match.covers``).
    covers: Mapped[bool] = mapped_column(Boolean, default=False)
    #: A standing general offer on one of the need's themes in a shared language, which
    #: the engine ranks at least as the least listed score (``Match.general``; request
    #: lists only): the page keeps it though its own score is under that.
    general: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(db.JSON, default=list)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: Who may see the pair on the Matches page: ``public`` / ``verified`` (both records
    #: published at most that restricted, the request open or matched, the programme open),
    #: ``secretariat`` otherwise. Rewritten whenever either record changes.
    level: Mapped[str] = mapped_column(String(12), default="secretariat")
    #: On the Matches page for public / verified / all (Secretariat) viewers: one of the
    #: request's best pairs those viewers may see, and not weak (``side="request"`` rows;
    #: written with the request's list, so a pair hidden from a viewer never takes the place
    #: of one they may see).
    overview_public: Mapped[bool] = mapped_column(Boolean, default=False)
    overview_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    overview_all: Mapped[bool] = mapped_column(Boolean, default=False)

    request: Mapped[Request] = relationship()
    programme: Mapped[Programme] = relationship()


class MatchPending(db.Model):
    """A committed change to a request or programme whose match refresh has not run yet:
    written in the change's own transaction (:func:`kb.uow.unit_of_work`), deleted by the
    refresh that covers it (:mod:`kb.matching.pending`). Pages compare it with when their
    list was computed to say the list is being updated, reading only this (small) table."""

    __tablename__ = "match_pending"
    __table_args__ = (Index("ix_match_pending_record", "kind", "record_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    record_id: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MatchNeed(db.Model):
    """A live request's best stored score among the programmes each kind of viewer may see
    that *cover* its need (``MatchSuggestion.covers``; 0 when none): unmet needs are read
    from here, per visibility level."""

    __tablename__ = "match_needs"

    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), primary_key=True)
    best_public: Mapped[float] = mapped_column(Float, default=0.0)
    best_verified: Mapped[float] = mapped_column(Float, default=0.0)
    best_all: Mapped[float] = mapped_column(Float, default=0.0)


class MatchFact(db.Model):
    """What one live record adds to the supply-and-demand table: a (theme, region) cell,
    at the visibility ``level`` of the record (``public``, ``verified``, ``secretariat``).
    Open requests count in their state's region; available programmes in every region
    they are open to."""

    __tablename__ = "match_facts"
    __table_args__ = (
        Index("ix_match_facts_record", "kind", "record_id"),
        Index("ix_match_facts_cell", "level", "kind", "theme", "region"),
        Index("ix_match_facts_until", "available_until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    record_id: Mapped[int] = mapped_column(Integer)
    level: Mapped[str] = mapped_column(String(12))
    theme: Mapped[str] = mapped_column(String(40))
    region: Mapped[str] = mapped_column(String(40))
    #: A programme's last available day (``eligibility.available_until``): once it has
    #: passed, readers leave the fact out until the next refresh removes it.
    available_until: Mapped[date | None] = mapped_column(Date, nullable=True)


class MatchAggregate(db.Model):
    """Counts of :class:`MatchFact` per cell and visibility level, kept current after each
    commit, so the Matches page and reports read 2 x 13 x 5 x 3 numbers, not the catalogue."""

    __tablename__ = "match_aggregates"

    level: Mapped[str] = mapped_column(String(12), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    theme: Mapped[str] = mapped_column(String(40), primary_key=True)
    region: Mapped[str] = mapped_column(String(40), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class StateFact(db.Model):
    """What one live record adds to the world map's figures of one state.

    ``request``: an open request of ``state``; ``programme``: an available programme, one row
    (``state`` ``*``: open to every state; else ``~`` and the states it is open to in
    ``audience``); both at the record's visibility ``level``.
    ``unmet``: an open request of ``state`` that is an unmet need for the viewers of ``level``
    (``public``, ``verified`` or ``secretariat``: whose best stored score is read)."""

    __tablename__ = "state_facts"
    __table_args__ = (
        Index("ix_state_facts_record", "kind", "record_id"),
        Index("ix_state_facts_cell", "level", "kind", "state"),
        Index("ix_state_facts_until", "available_until"),
        Index("ix_state_facts_audience", "kind", "level", "audience"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    record_id: Mapped[int] = mapped_column(Integer)
    level: Mapped[str] = mapped_column(String(12))
    state: Mapped[str] = mapped_column(String(3))
    #: As :attr:`MatchFact.available_until`.
    available_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    #: A programme open to some states: their list or places (``kb.matching.state_map``),
    #: with ``state`` ``~``: one row per programme, however many states it is open to.
    audience: Mapped[str | None] = mapped_column(Text, nullable=True)


class StateAggregate(db.Model):
    """Counts of :class:`StateFact` per (level, kind, state), kept current after each commit:
    the map reads at most 3 x 3 x 194 numbers, never the catalogue."""

    __tablename__ = "state_aggregates"

    level: Mapped[str] = mapped_column(String(12), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    state: Mapped[str] = mapped_column(String(3), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


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
