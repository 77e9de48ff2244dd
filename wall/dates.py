"""Dates as German readers write them, in Essen's time zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

ESSEN = ZoneInfo("Europe/Berlin")
MONTHS = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
          "September", "Oktober", "November", "Dezember")


def local(moment: datetime) -> datetime:
    """The moment as a clock in Essen shows it."""
    return moment.astimezone(ESSEN)


def german_date(moment: datetime) -> str:
    """'23. März 2020'."""
    day = local(moment)
    return f"{day.day}. {MONTHS[day.month - 1]} {day.year}"


def german_datetime(moment: datetime) -> str:
    """'23. März 2020, 14:05 Uhr'."""
    day = local(moment)
    return f"{german_date(moment)}, {day:%H:%M} Uhr"


def iso(moment: datetime) -> str:
    """ISO 8601 in Essen's offset, for <time datetime> and feeds."""
    return local(moment).isoformat()


def german_span(first: datetime, last: datetime) -> str:
    """'vom 20. bis 24. März 2020', 'vom 28. März bis 2. April 2020'; one day: 'vom 24. März 2020'.

    For titles, where a dash already separates the page's name from the site's.
    """
    ends = _ends(first, last)
    return f"vom {ends[0]} bis {ends[1]}" if ends else f"vom {german_date(last)}"


def german_period(first: datetime, last: datetime) -> str:
    """'20.–24. März 2020', '28. März – 2. April 2020', '30. Dezember 2020 – 4. Januar 2021'; one day alone."""
    ends = _ends(first, last)
    if not ends:
        return german_date(last)
    return f"{ends[0]}{'–' if ends[2] else ' – '}{ends[1]}"


def _ends(first: datetime, last: datetime) -> tuple[str, str, bool] | None:
    """The two ends of a span of days, what both share said once; whether in one month. None for one day."""
    start, end = local(first), local(last)
    if start.date() == end.date():
        return None
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}.", german_date(last), True
    if start.year == end.year:
        return f"{start.day}. {MONTHS[start.month - 1]}", german_date(last), False
    return german_date(first), german_date(last), False
