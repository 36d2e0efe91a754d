"""Calls for views (the Secretariat's consultations), their answers and reminders, and the
calendar's events."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb.extensions import db
from kb.models.country import Country, Organisation
from kb.models.session import OewgSession
from kb.models.types import CodeList, UTCDateTime, utcnow

CALL_DRAFT, CALL_OPEN, CALL_CLOSED = "draft", "open", "closed"
ANSWER_DRAFT, ANSWER_SUBMITTED = "draft", "submitted"


class Call(db.Model):
    """A call for views: guiding questions put to addressees by a deadline."""

    __tablename__ = "calls"
    kind = "call"  # revisions' record_kind

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    mandate: Mapped[str] = mapped_column(Text, default="")
    #: The guiding questions, in order; answers keep the same order.
    questions: Mapped[list[str]] = mapped_column(db.JSON, default=list)
    #: ``all`` (every Member State), ``listed`` (``countries``) or ``none``.
    addressed_states: Mapped[str] = mapped_column(String(10), default="all")
    addressed_countries: Mapped[list[str]] = mapped_column(CodeList, default=list)
    #: Whether the non-member observer States (``Country.un_status == "observer"``) are asked.
    addressed_observers: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Stakeholders addressed by organisation type (``academia``, ``private_sector`` …).
    addressed_org_types: Mapped[list[str]] = mapped_column(CodeList, default=list)
    opens_on: Mapped[date] = mapped_column(Date)
    #: The deadline as an instant (UTC) and the time zone it was set in (for display).
    deadline_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    deadline_tz: Mapped[str] = mapped_column(String(64), default="UTC")
    #: ``web`` and/or ``docx``.
    formats: Mapped[list[str]] = mapped_column(CodeList, default=list)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("oewg_sessions.id"))
    #: The default of an answer's "may be published" choice.
    publish_by_default: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Late answers: accepted and marked late, or refused.
    accept_late: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Automatic reminders go this many days before the deadline (0: none).
    remind_days: Mapped[int] = mapped_column(Integer, default=7)
    status: Mapped[str] = mapped_column(String(10), default=CALL_DRAFT, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    session: Mapped[OewgSession | None] = relationship()

    def __repr__(self) -> str:
        return f"<Call {self.id} {self.reference!r}>"


class CallAnswer(db.Model):
    """One addressee's answer to a call: a state's (``country_code``) or an organisation's."""

    __tablename__ = "call_answers"
    __table_args__ = (UniqueConstraint("call_id", "country_code", "organisation_id"),)
    kind = "answer"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id"), index=True)
    country_code: Mapped[str | None] = mapped_column(ForeignKey("countries.iso3"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    #: One text per guiding question, in the call's order.
    answers: Mapped[list[str]] = mapped_column(db.JSON, default=list)
    status: Mapped[str] = mapped_column(String(10), default=ANSWER_DRAFT, index=True)
    #: The addressee's choice: may the answer be published (quoted in the compilation)?
    publishable: Mapped[bool] = mapped_column(Boolean, default=True)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    #: ``web`` or ``docx``: how the last version arrived.
    source: Mapped[str] = mapped_column(String(10), default="web")
    #: Catalogue drafts made from this answer: ``[["request", 12], …]``.
    drafts: Mapped[list[list[object]]] = mapped_column(db.JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    call: Mapped[Call] = relationship()
    country: Mapped[Country | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()

    @property
    def addressee_name(self) -> str:
        if self.country is not None:
            from kb.i18n import country_name

            return country_name(self.country)
        return self.organisation.display_name if self.organisation else ""


class CallReminder(db.Model):
    """A reminder sent to one addressee (``sent_by_id`` is ``None`` for the automatic one)."""

    __tablename__ = "call_reminders"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id"), index=True)
    country_code: Mapped[str | None] = mapped_column(ForeignKey("countries.iso3"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    automatic: Mapped[bool] = mapped_column(Boolean, default=False)
    recipients: Mapped[int] = mapped_column(Integer, default=0)


class Event(db.Model):
    """A meeting or other dated event of the calendar (sessions live in ``oewg_sessions``)."""

    __tablename__ = "events"
    kind = "event"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: ``informal``, ``stakeholder``, ``session``, ``training``, ``exercise`` or ``other``.
    category: Mapped[str] = mapped_column(String(20), default="informal", index=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_on: Mapped[date] = mapped_column(Date, index=True)
    ends_on: Mapped[date] = mapped_column(Date)
    start_time: Mapped[time | None] = mapped_column(Time)
    end_time: Mapped[time | None] = mapped_column(Time)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    location: Mapped[str] = mapped_column(String(200), default="")
    virtual: Mapped[bool] = mapped_column(Boolean, default=False)
    agenda_url: Mapped[str | None] = mapped_column(String(500))
    #: Links to documents, one per line.
    documents: Mapped[str] = mapped_column(Text, default="")
    guiding_questions: Mapped[str] = mapped_column(Text, default="")
    themes: Mapped[list[str]] = mapped_column(CodeList, default=list)
    #: Gazetteer keys (``m49:002``, ``org:au``, ``KEN`` …); empty: of concern to every region.
    regions: Mapped[list[str]] = mapped_column(CodeList, default=list)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("oewg_sessions.id"))
    #: Where the facts come from (a public page) and when they were read.
    source: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    session: Mapped[OewgSession | None] = relationship()
