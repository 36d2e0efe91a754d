"""The tracker as a spreadsheet (CSV or XLSX) with readable names and dates."""

from __future__ import annotations

import csv
import io

from flask_babel import gettext as _
from openpyxl import Workbook

from kb import codes
from kb.consultations.queries import TrackerRow
from kb.models import Call
from kb.transfer.formats import add_sheet, neutralise

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def tracker_file(call: Call, rows: list[TrackerRow], fmt: str) -> bytes:
    header = [
        _("Addressee"),
        _("Code"),
        _("Group"),
        _("Status"),
        _("Submitted at (UTC)"),
        _("May be published"),
        _("Reminders"),
        _("Last reminder (UTC)"),
    ]
    table = []
    for row in rows:
        answer = row.answer
        table.append(
            [
                neutralise(row.addressee.name),
                row.addressee.key,
                codes.label(
                    codes.ORGANISATION_TYPES
                    if row.addressee.key.startswith("org:")
                    else codes.REGIONS,
                    row.addressee.group,
                ),
                codes.label(codes.TRACKER_STATUSES, row.status),
                f"{answer.submitted_at:%Y-%m-%d %H:%M}" if answer and answer.submitted_at else "",
                (_("Yes") if answer.publishable else _("No")) if answer else "",
                str(row.reminders),
                f"{row.last_reminder:%Y-%m-%d %H:%M}" if row.last_reminder else "",
            ]
        )
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(table)
        return out.getvalue().encode("utf-8-sig")
    book = Workbook(write_only=True)
    add_sheet(book, call.reference.replace("/", "-") or "tracker", header, table)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
