"""Background jobs the app keeps a record of: failures (for the Secretariat) and tracked jobs
(a web import, with its progress)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kb.extensions import db
from kb.models.types import UTCDateTime, utcnow

#: queued → running → done | failed; a failed job the Secretariat retries becomes ``retried``.
JOB_STATUSES = ("queued", "running", "done", "failed", "retried")


class JobRecord(db.Model):
    __tablename__ = "job_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), index=True)
    kwargs: Mapped[dict[str, Any]] = mapped_column(db.JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    result: Mapped[dict[str, Any] | None] = mapped_column(db.JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ImportUpload(db.Model):
    """A file the Secretariat uploaded for a web import, kept in the database (so that a
    worker on another host can read it) until its job has run; removed when the import
    finishes, kept for a retry when the job failed (pruned with old job records)."""

    __tablename__ = "import_uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
