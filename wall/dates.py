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
