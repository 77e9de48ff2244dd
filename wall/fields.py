"""Typed reading of one YAML mapping, collecting every problem with its line.

Post files and config.yaml share this, so both report mistakes the same way:
`path:line: dotted.key: erwartet: what was expected, gefunden: what was found`.
The messages are German: editors read them, in pull requests and workflow logs.
"""

from __future__ import annotations

import difflib
import re
from datetime import datetime, timezone
from typing import Any, Callable, Iterator

from .urls import is_web_url
from .yamlfile import LineDict, LineList, Problem, line_of, shown_key

_OFFSET_AT_END = re.compile(r"(Z|[+-]\d{2}:?\d{2})$")


def describe(value: Any) -> str:
    """A short, safe rendering of a value for an error message (true and false as YAML writes them)."""
    text = str(value).lower() if isinstance(value, bool) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def expected(what: str, value: Any) -> str:
    """'erwartet: <what>, gefunden: <value>', the shape of every message about a wrong value."""
    return f"erwartet: {what}, gefunden: {describe(value)}"


_ZONES: dict = {}  # UTC offset -> the zone object every time with that offset shares
# Every time of the wall lies in these years: far enough from the ends of what datetime holds
# (year 1 to 9999) that converting it to Essen's time or adding a day cannot overflow.
EARLIEST = datetime(2000, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(2100, 1, 1, tzinfo=timezone.utc)  # exclusive
WEB_ADDRESS = "eine http- oder https-Adresse"
TIME_HINT = "eine Zeitangabe mit Zeitzone wie '2020-03-23T10:15:00+01:00'"
RANGE_HINT = "eine Zeitangabe in den Jahren 2000 bis 2099"


def in_range(moment: datetime) -> bool:
    """True for an aware time from EARLIEST up to (not including) LATEST."""
    return EARLIEST <= moment < LATEST


def parse_timestamp(value: str) -> datetime | None:
    """Parse ISO 8601 with a UTC offset in the years 2000 to 2099; None if it is not one."""
    parsed = _parse_iso(value)
    return parsed if parsed is not None and in_range(parsed) else None


def utc_from_epoch(seconds: float) -> datetime | None:
    """Seconds since 1970 as an aware UTC time in the years 2000 to 2099; None otherwise."""
    try:
        moment = datetime.fromtimestamp(seconds, timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None
    return moment if in_range(moment) else None


def _parse_iso(value: str) -> datetime | None:
    if not isinstance(value, str) or not _OFFSET_AT_END.search(value.strip()):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None
    # One zone object per offset rather than one per time: tens of thousands of posts hold a few
    # offsets, and pickling them (to and from workers, into the build cache) costs a third less.
    return parsed.replace(tzinfo=_ZONES.setdefault(parsed.utcoffset(), parsed.tzinfo))


class Fields:
    """Reads the keys of one mapping; problems go to a shared list."""

    def __init__(self, mapping: LineDict, path: str, problems: list[Problem],
                 prefix: str = "", unknown: str = "error"):
        self.mapping = mapping
        self.path = path
        self.problems = problems
        self.prefix = prefix
        self.unknown = unknown
        self.seen: set[str] = set()

    @classmethod
    def of(cls, value: Any, path: str, problems: list[Problem], prefix: str,
           line: int, unknown: str = "error") -> "Fields | None":
        """Fields over `value`, or None (with a problem) when it is not a mapping."""
        if isinstance(value, dict):
            return cls(value, path, problems, prefix, unknown)
        problems.append(Problem(path, line, f"{prefix or 'Datei'}: "
                                            + expected("Zeilen der Form 'schlüssel: wert'", value)))
        return None

    def name(self, key: str) -> str:
        return f"{self.prefix}.{key}" if self.prefix else key

    def line(self, key: str | None = None) -> int:
        return line_of(self.mapping, key) if key is not None else getattr(self.mapping, "line", 1)

    def error(self, key: str, message: str, severity: str = "error") -> None:
        self.problems.append(Problem(self.path, self.line(key), f"{self.name(key)}: {message}",
                                     severity))

    def raw(self, key: str, required: bool) -> Any:
        """The value of key, None when absent; reports a missing required key."""
        self.seen.add(key)
        if key not in self.mapping or self.mapping[key] is None:
            if required and key in self.mapping:  # 'title: #Essen': all after ' #' is a comment
                self.error(key, "Pflichtfeld ist leer; bitte einen Wert eintragen (beginnt er mit #, dann in "
                                "Anführungszeichen)")
            elif required:
                self.problems.append(Problem(self.path, self.line(),
                                             f"{self.name(key)}: Pflichtfeld fehlt"))
            return None
        return self.mapping[key]

    def typed(self, key: str, kind: type, label: str, required: bool = False,
              check: Callable[[Any], str | None] | None = None) -> Any:
        """The value when it has the expected type and passes check, else None."""
        value = self.raw(key, required)
        if value is None:
            return None
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            self.error(key, expected(label, value))
            return None
        reason = check(value) if check else None
        if reason:
            self.error(key, reason)
            return None
        return value

    def text(self, key: str, required: bool = False, nonempty: bool = False,
             pattern: re.Pattern | None = None, hint: str = "") -> str | None:
        def check(value: str) -> str | None:
            if nonempty and not value.strip():
                return "darf nicht leer sein"
            if pattern and not pattern.fullmatch(value):
                return expected(hint, value)
            return None
        return self.typed(key, str, "Text", required, check)

    def boolean(self, key: str) -> bool | None:
        return self.typed(key, bool, "true oder false")

    def integer(self, key: str, minimum: int, maximum: int, required: bool = False) -> int | None:
        def check(value: int) -> str | None:
            if not minimum <= value <= maximum:
                return expected(f"eine ganze Zahl von {minimum} bis {maximum}", value)
            return None
        return self.typed(key, int, "eine ganze Zahl", required, check)

    def url(self, key: str, required: bool = False) -> str | None:
        def check(value: str) -> str | None:
            return None if is_web_url(value) else expected(WEB_ADDRESS, value)
        return self.typed(key, str, WEB_ADDRESS, required, check)

    def timestamp(self, key: str, required: bool = False) -> datetime | None:
        value = self.typed(key, str, TIME_HINT, required)
        if value is None:
            return None
        parsed = _parse_iso(value)
        if parsed is None:
            self.error(key, expected(TIME_HINT, value))
        elif not in_range(parsed):
            self.error(key, expected(RANGE_HINT, value))
            return None
        return parsed

    def choice(self, key: str, options: Any, required: bool = False,
               meanings: dict[str, str] | None = None) -> str | None:
        """One of options; meanings maps words people write instead (German ones) to the option meant."""
        def check(value: str) -> str | None:
            if value in options:
                return None
            message = f"unbekannter Wert {describe(value)}; erlaubt: {', '.join(sorted(options))}"
            meant = (meanings or {}).get(value.strip().lower()) or next(
                (option for option in options if option == value.strip().lower()), None)
            return message + (f". Gemeint ist wohl: {key}: {meant}" if meant else "")
        return self.typed(key, str, "Text", required, check)

    def texts(self, key: str, pattern: re.Pattern | None = None, hint: str = "") -> tuple[str, ...]:
        """A list of text values; bad items are reported and left out."""
        items = self.typed(key, list, LIST_HINT)
        if items is None:
            return ()
        good = []
        for index, item in enumerate(items):
            if isinstance(item, dict):  # [Gewinn: 100%]: a colon makes the item a mapping
                self.problems.append(Problem(self.path, line_of(items, index),
                                             f"{self.name(key)}[{index}]: ein Doppelpunkt im Eintrag; den Eintrag "
                                             "in Anführungszeichen setzen"))
            elif not isinstance(item, str) or (pattern and not pattern.fullmatch(item)):
                self.problems.append(Problem(self.path, line_of(items, index),
                                             f"{self.name(key)}[{index}]: {expected(hint or 'Text', item)}"))
            else:
                good.append(item)
        return tuple(good)

    def sub(self, key: str, required: bool = False, unknown: str | None = None) -> "Fields | None":
        value = self.raw(key, required)
        if value is None:
            return None
        return Fields.of(value, self.path, self.problems, self.name(key), self.line(key),
                         unknown or self.unknown)

    def each(self, key: str) -> Iterator["Fields"]:
        """Fields for each mapping in a list under key."""
        items = self.typed(key, list, LIST_HINT)
        for index, item in enumerate(items or []):
            fields = Fields.of(item, self.path, self.problems, f"{self.name(key)}[{index}]",
                               line_of(items, index), self.unknown)
            if fields is not None:
                yield fields

    def finish(self, hints: dict[str, str] | None = None) -> None:
        """Report keys nobody asked for (an error or a warning, as configured), and values a comment cut short.

        hints: what to say of a key that belongs elsewhere ('alt' above its image's 'path');
        a key close to a known one ('autors') gets that one suggested.
        """
        for key, comment in getattr(self.mapping, "cut_short", {}).items():
            self.error(key, f"der Text ab '{comment[:40]}' gilt in YAML als Kommentar und fehlt; den Wert "
                            "in Anführungszeichen setzen", "warning")
        message = "unbekannter Schlüssel" if self.unknown == "error" else "unbekanntes Feld, wird ignoriert"
        for key in self.mapping:
            if key not in self.seen:
                hint = (hints or {}).get(key) or _close_key(key, self.seen)
                self.problems.append(Problem(self.path, self.line(key),
                                             f"{self.name(shown_key(key))}: {message}" + (f"; {hint}" if hint else ""),
                                             self.unknown))


LIST_HINT = 'eine Liste wie ["…", "…"]'


def _close_key(key: str, known: set[str]) -> str:
    """'gemeint ist wohl authors' for 'author' when authors is a key of this section."""
    close = difflib.get_close_matches(key.lower(), sorted(known), n=1, cutoff=0.75) if key.isprintable() else []
    return f"gemeint ist wohl {close[0]}" if close else ""


__all__ = ["Fields", "LineDict", "LineList", "describe", "expected", "in_range", "parse_timestamp", "utc_from_epoch"]
