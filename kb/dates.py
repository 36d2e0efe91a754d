"""Dates as people type them: the one list of accepted day formats (forms, Word, imports, API)."""

from __future__ import annotations

from datetime import date, datetime

from kb.codes import N_

#: ISO first; then day-first forms (the UN's usage, and what spreadsheets in most of the
#: world write): 04/01/2027 is 4 January 2027.
DAY_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y")
#: How to write a day, said in error messages (worded where shown: ``gettext(EXPECTED)``).
EXPECTED = N_("YYYY-MM-DD or DD/MM/YYYY")


def parse_day(text: str) -> date | None:
    """The day ``text`` names in one of :data:`DAY_FORMATS`, else None."""
    text = text.strip()
    for fmt in DAY_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None
