"""Stored counts behind the landscape report: per day of creation and visibility level."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from kb.extensions import db
from kb.models.types import UTCDateTime


class ReportFact(db.Model):
    """What one record adds to the landscape: a ``(dimension, code)`` on the day it was
    created, at the record's visibility ``level`` (``public``, ``verified``: published at
    that visibility; ``secretariat``: anything else). Dimensions: ``total`` (code ``""``),
    ``theme``, ``support_type``, ``language``, ``region`` and, for programmes, ``org_type``."""

    __tablename__ = "report_facts"
    __table_args__ = (Index("ix_report_facts_record", "kind", "record_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    record_id: Mapped[int] = mapped_column(Integer)
    level: Mapped[str] = mapped_column(String(12))
    day: Mapped[date] = mapped_column(Date)
    dimension: Mapped[str] = mapped_column(String(20))
    code: Mapped[str] = mapped_column(String(40))


class ReportCount(db.Model):
    """Counts of :class:`ReportFact` per cell, kept current after each commit: a report over
    any period sums a few hundred rows, whatever the size of the catalogue."""

    __tablename__ = "report_counts"

    level: Mapped[str] = mapped_column(String(12), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    dimension: Mapped[str] = mapped_column(String(20), primary_key=True)
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class DerivedStamp(db.Model):
    """When a kind of derived data (``report_counts`` …) was last brought up to date."""

    __tablename__ = "derived_stamps"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DataGeneration(db.Model):
    """A value that changes in every transaction that writes what pages show (see
    :mod:`kb.fragments`): cached page fragments are keyed on it."""

    __tablename__ = "data_generations"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


class DirectoryFact(db.Model):
    """Where one request or programme counts in the directory: its state (``kind``
    ``request``, ``key`` the ISO3 code) or its organisation (``programme``, ``key`` the id),
    at the record's visibility ``level`` (as :class:`ReportFact`)."""

    __tablename__ = "directory_facts"
    __table_args__ = (Index("ix_directory_facts_cell", "kind", "key", "level"),)

    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    record_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    key: Mapped[str] = mapped_column(String(40))
    level: Mapped[str] = mapped_column(String(12))


class DirectoryCount(db.Model):
    """Counts of :class:`DirectoryFact` per state or organisation and level, kept current after
    each commit: the country and organisation lists read them, never the catalogue."""

    __tablename__ = "directory_counts"

    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    level: Mapped[str] = mapped_column(String(12), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
