"""The calendar: OEWG sessions and their successors, informal and stakeholder meetings, call
deadlines and programme dates, as pages and as iCalendar feeds."""
