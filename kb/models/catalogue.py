"""Requests (needs of a state) and programmes (offers of an organisation)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, Text, false
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from kb.extensions import db
from kb.models.country import Country, Organisation
from kb.models.types import CodeList, UTCDateTime, utcnow
from search.matching import eligibility

#: The read-time status of an ``open`` programme past its end date or deadline.
ENDED = "ended"


class CatalogueRecord:
    """Columns shared by requests and programmes."""

    #: "request" or "programme"; used in URLs, revisions and search ids.
    kind: str

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stable key from seed files and imports (idempotent loading).
    external_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    #: Language the title and description are written in (chooses the search analyser).
    text_language: Mapped[str] = mapped_column(String(5), default="en")
    themes: Mapped[list[str]] = mapped_column(CodeList, default=list)
    support_types: Mapped[list[str]] = mapped_column(CodeList, default=list)
    #: Languages in which the support is wanted (request) or offered (programme).
    languages: Mapped[list[str]] = mapped_column(CodeList, default=list)
    visibility: Mapped[str] = mapped_column(String(20), default="public", index=True)
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    #: The Secretariat's comment when it returned the record to its owner.
    return_comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: When the owner last said the record is still current (freshness).
    last_confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @declared_attr
    def created_by_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("users.id"))

    @property
    def ref(self) -> str:
        """Identifier used by revisions and the search index, e.g. ``request:12``."""
        return f"{self.kind}:{self.id}"


class Request(CatalogueRecord, db.Model):
    __tablename__ = "requests"
    #: The Matches page filtered by a theme reads the requests' code lists from this index,
    #: not from every request's row (SQLite; the rows hold the descriptions).
    __table_args__ = (Index("ix_requests_themes", "themes"),)
    kind = "request"

    country_code: Mapped[str] = mapped_column(ForeignKey("countries.iso3"), index=True)
    urgency: Mapped[str] = mapped_column(String(10), default="medium")
    target_audience: Mapped[str] = mapped_column(String(300), default="")
    timeframe: Mapped[str] = mapped_column(String(200), default="")
    #: Codes suggested from the text for a list the owner left empty (a need written in
    #: prose); shown as "suggested" until the owner or the Secretariat accepts or changes
    #: them (``operations.accept_suggestions``). Matching infers the same codes meanwhile.
    suggested_themes: Mapped[list[str]] = mapped_column(CodeList, default=list)
    suggested_support_types: Mapped[list[str]] = mapped_column(CodeList, default=list)

    country: Mapped[Country] = relationship()

    @property
    def owner_label(self) -> str:
        from kb.i18n import country_name

        return country_name(self.country)

    def __repr__(self) -> str:
        return f"<Request {self.id} {self.status}>"


class Programme(CatalogueRecord, db.Model):
    __tablename__ = "programmes"
    kind = "programme"

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    #: Empty regions and countries mean "global".
    eligible_regions: Mapped[list[str]] = mapped_column(CodeList, default=list)
    eligible_countries: Mapped[list[str]] = mapped_column(CodeList, default=list)
    #: Languages of interpretation or translated material offered (count as languages).
    interpretation_languages: Mapped[list[str]] = mapped_column(CodeList, default=list)
    delivery_mode: Mapped[str] = mapped_column(String(20), default="online")
    cost_model: Mapped[str] = mapped_column(String(20), default="free")
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    application_deadline: Mapped[date | None] = mapped_column(Date)
    url: Mapped[str | None] = mapped_column(String(500))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    #: A standing general offer: a service open to any need on its themes (a clearing house,
    #: a help desk, an open online course, free curricula) rather than a programme built
    #: around particular needs. Matching lists it after what fits a need (docs/MATCHING.md).
    general_offer: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    organisation: Mapped[Organisation] = relationship()

    @property
    def owner_label(self) -> str:
        return self.organisation.display_name

    @property
    def is_global(self) -> bool:
        """Open to every state (the rule: ``search.matching.eligibility``)."""
        return eligibility.is_open_to_all(self.audience())

    def audience(self) -> dict[str, list[str]]:
        """The fields the eligibility rule reads for where a programme is open."""
        return {
            "eligible_regions": self.eligible_regions,
            "eligible_countries": self.eligible_countries,
        }

    def is_expired(self, today: date) -> bool:
        """Published (``open``) but no longer available on ``today``: past its end date or
        application deadline (the rule: ``search.matching.eligibility.AVAILABLE``)."""
        return self.status == "open" and not eligibility.available(self.availability(), today)

    def availability(self) -> dict[str, object]:
        """The fields the availability rule reads."""
        return {
            "status": self.status,
            "end_date": self.end_date,
            "application_deadline": self.application_deadline,
        }

    def effective_status(self, today: date) -> str:
        """The status as read on ``today``: ``open`` past its end or deadline reads as
        ``ended`` until the scheduled job closes it (``programmes.close_expired``)."""
        return ENDED if self.is_expired(today) else self.status

    def __repr__(self) -> str:
        return f"<Programme {self.id} {self.status}>"


class Revision(db.Model):
    """One change to a record: who, when, what action, which fields (old → new)."""

    __tablename__ = "revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_kind: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[int] = mapped_column(index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    action: Mapped[str] = mapped_column(String(30))
    #: ``{"field": [old, new], …}`` as JSON-safe values.
    changes: Mapped[dict[str, list[object]]] = mapped_column(db.JSON, default=dict)
    comment: Mapped[str | None] = mapped_column(Text)

    user = relationship("User")


class SearchQueueEntry(db.Model):
    """A record whose search document must be rewritten.

    Written in the same transaction as the change (so a rollback drops it too) and removed by
    the indexer once the index holds the committed state.
    """

    __tablename__ = "search_queue"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_kind: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[int] = mapped_column()
    enqueued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ListedCode(db.Model):
    """A code that some programme lists (or once listed) in one of the eligibility code
    lists ``field``: the SQL eligibility filter tests only these among a place's many
    states (see :mod:`kb.catalogue.listed`). Added in the transaction that writes the
    programme, made exact again by ``flask match refresh``."""

    __tablename__ = "listed_codes"

    field: Mapped[str] = mapped_column(String(40), primary_key=True)
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
