"""Calendar entries as an iCalendar (RFC 5545) feed, written with the icalendar library."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from kb.calendar.entries import Entry


def feed(entries: list[Entry], base_url: str, name: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Capacity Exchange//calendar//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    stamp = datetime.now(UTC)
    for entry in entries:
        item = Event()
        item.add("uid", f"{entry.uid}@capacity-exchange")
        item.add("dtstamp", stamp)
        item.add("summary", entry.title)
        item.add("categories", [entry.category])
        item.add("url", base_url.rstrip("/") + entry.path)
        if entry.location:
            item.add("location", entry.location + (" (virtual)" if entry.virtual else ""))
        if entry.description:
            item.add("description", entry.description)
        if entry.category == "deadline" and "deadline_at" in entry.extra:
            moment = entry.extra["deadline_at"]
            item.add("dtstart", moment)
            item.add("dtend", moment)
        elif entry.start_time is not None:
            zone = ZoneInfo(entry.timezone)
            item.add("dtstart", datetime.combine(entry.starts_on, entry.start_time, tzinfo=zone))
            end_time = entry.end_time or entry.start_time
            item.add("dtend", datetime.combine(entry.ends_on, end_time, tzinfo=zone))
        else:  # all-day: DTEND is exclusive
            item.add("dtstart", entry.starts_on)
            item.add("dtend", entry.ends_on + timedelta(days=1))
        calendar.add_component(item)
    return calendar.to_ical()
