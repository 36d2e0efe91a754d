"""Countries (UN member states and non-member observer States) and organisations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb.extensions import db
from kb.models.types import UTCDateTime, utcnow

MEMBER = "member"
OBSERVER = "observer"


class Country(db.Model):
    """A UN member state, or a non-member observer State (``un_status == "observer"``)."""

    __tablename__ = "countries"

    iso3: Mapped[str] = mapped_column(String(3), primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    region: Mapped[str] = mapped_column(String(40), index=True)
    un_status: Mapped[str] = mapped_column(
        String(10), default=MEMBER, server_default=MEMBER, index=True
    )

    @property
    def is_observer(self) -> bool:
        return self.un_status == OBSERVER

    def __repr__(self) -> str:
        return f"<Country {self.iso3}>"


class Organisation(db.Model):
    __tablename__ = "organisations"
    kind = "organisation"  # revisions' record_kind

    id: Mapped[int] = mapped_column(primary_key=True)
    external_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    acronym: Mapped[str | None] = mapped_column(String(40))
    type: Mapped[str] = mapped_column(String(40), index=True)
    country_code: Mapped[str | None] = mapped_column(ForeignKey("countries.iso3"))
    website: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    country: Mapped[Country | None] = relationship()

    @property
    def display_name(self) -> str:
        return f"{self.name} ({self.acronym})" if self.acronym else self.name

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.name!r}>"
