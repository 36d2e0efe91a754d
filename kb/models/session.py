"""Sessions of the OEWG, kept by the Secretariat for briefing packs."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kb.extensions import db


class OewgSession(db.Model):
    __tablename__ = "oewg_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    start_date: Mapped[date] = mapped_column(Date, index=True)
    end_date: Mapped[date] = mapped_column(Date)
    location: Mapped[str] = mapped_column(String(200), default="")
    #: The session's page (agenda, documents) and where its facts come from, with a date.
    agenda_url: Mapped[str | None] = mapped_column(String(500))
    documents: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(500), default="")
