"""Initiatives: ongoing, planned or completed capacity-building work (the landscape), with the
organisations that fund, implement or partner in them and the states where they take place."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb.extensions import db
from kb.models.country import Organisation
from kb.models.types import CodeList, UTCDateTime, utcnow

ROLES = ("funder", "implementer", "partner")
WORK_STATUSES = ("planned", "ongoing", "completed", "cancelled")


class Initiative(db.Model):
    __tablename__ = "initiatives"
    kind = "initiative"  # revisions' record_kind

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The IATI activity identifier when imported from IATI (re-import updates by it).
    iati_identifier: Mapped[str | None] = mapped_column(String(200), unique=True)
    #: The key of a CSV/XLSX template row (a re-import updates by it; exports write
    #: ``kb-initiative-<id>`` for the others).
    external_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    text_language: Mapped[str] = mapped_column(String(5), default="en")
    #: Titles and descriptions in other languages (IATI narratives): ``{"fr": {...}}``.
    translations: Mapped[dict[str, dict[str, str]]] = mapped_column(db.JSON, default=dict)
    themes: Mapped[list[str]] = mapped_column(CodeList, default=list)
    support_types: Mapped[list[str]] = mapped_column(CodeList, default=list)
    #: Where the work happens (ISO3), distinct from who may apply to a programme.
    beneficiary_countries: Mapped[list[str]] = mapped_column(CodeList, default=list)
    #: Regions named by the source when no state is (free text, e.g. "Africa, regional").
    beneficiary_regions: Mapped[str] = mapped_column(String(300), default="")
    start_date: Mapped[date | None] = mapped_column(Date, index=True)
    end_date: Mapped[date | None] = mapped_column(Date, index=True)
    budget_amount: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    budget_currency: Mapped[str | None] = mapped_column(String(3))
    #: Who sees the budget: ``public``, ``verified`` or ``secretariat``.
    budget_visibility: Mapped[str] = mapped_column(String(20), default="public")
    #: The work's own status: planned, ongoing, completed, cancelled.
    work_status: Mapped[str] = mapped_column(String(20), default="ongoing", index=True)
    #: Links to outputs (reports, tools), one per line.
    outputs: Mapped[str] = mapped_column(Text, default="")
    #: Moderation as for other records: ``draft``, ``submitted``, ``published``, ``withdrawn``.
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    visibility: Mapped[str] = mapped_column(String(20), default="public", index=True)
    source: Mapped[str] = mapped_column(String(500), default="")
    #: The Secretariat's reason when it returned the initiative to its partners.
    return_comment: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    partners: Mapped[list[InitiativePartner]] = relationship(
        back_populates="initiative", cascade="all, delete-orphan", lazy="selectin"
    )

    def organisations(self, role: str) -> list[Organisation]:
        return [p.organisation for p in self.partners if p.role == role]

    def __repr__(self) -> str:
        return f"<Initiative {self.id} {self.title!r}>"


class InitiativePartner(db.Model):
    __tablename__ = "initiative_partners"
    __table_args__ = (UniqueConstraint("initiative_id", "organisation_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiatives.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))

    initiative: Mapped[Initiative] = relationship(back_populates="partners")
    organisation: Mapped[Organisation] = relationship(lazy="joined")


class InitiativeOverlap(db.Model):
    """A possible overlap between two initiatives (stored after each change), and the
    Secretariat's verdict on it."""

    __tablename__ = "initiative_overlaps"
    __table_args__ = (UniqueConstraint("first_id", "second_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    first_id: Mapped[int] = mapped_column(ForeignKey("initiatives.id"), index=True)
    second_id: Mapped[int] = mapped_column(ForeignKey("initiatives.id"), index=True)
    score: Mapped[float] = mapped_column(default=0.0)
    #: The reasons, as codes with their values: {"states": [...], "themes": [...], ...}.
    reasons: Mapped[dict[str, object]] = mapped_column(db.JSON, default=dict)
    #: ``open``, ``coordinated`` or ``not_overlap`` (the Secretariat's verdict).
    verdict: Mapped[str] = mapped_column(String(20), default="open", index=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    first: Mapped[Initiative] = relationship(foreign_keys=[first_id])
    second: Mapped[Initiative] = relationship(foreign_keys=[second_id])
