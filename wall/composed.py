"""Pages put together from a skeleton and shared parts.

A post's card shows on several listings and the header on every page: each is
rendered once and put into every page that shows it.  A page stays in this form
until it is written, so that the safety net can check each shared part once
instead of on every page (see verify.SafetyNet).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Callable

from markupsafe import Markup, escape

# Stands for the way up to the site root in a part rendered once for every folder depth.
# Escaped text can never contain it: a '<' in a post comes out as '&lt;'.
ROOT_MARK = Markup("<root>")
# Where part n goes in the skeleton: an element of its own, so the safety net sees where it is.
# Marks hold a secret of this build: no markup but place()'s (and the net's) can pass for one.
MARK_KEY = secrets.token_hex(8)
PLACE_START, PLACE_END = f'<wall-part data-n="{MARK_KEY}:', '"></wall-part>'
PLACE_TAG = "wall-part"


def mark_number(number: int) -> str:
    """The data-n of the marks for part number: its place, and the net's start and end marks."""
    return f"{MARK_KEY}:{number}"


@dataclass(frozen=True)
class Part:
    """A shared part as one page shows it."""

    text: str  # as rendered once, with ROOT_MARK for the way up to the site root
    root: str  # that way up for this page: '', '../', '../../', ...

    def __str__(self) -> str:
        return self.text.replace(ROOT_MARK, escape(self.root))


@dataclass(frozen=True)
class Composed:
    """A page: its skeleton with a place for each part, and the parts."""

    skeleton: str
    parts: tuple[Part, ...]

    def __str__(self) -> str:
        return self.filled(lambda number: str(self.parts[number]))

    def filled(self, fill: Callable[[int], str]) -> str:
        """The skeleton with each place replaced by fill(part number)'s text."""
        pieces = self.skeleton.split(PLACE_START)
        out = [pieces[0]]
        for piece in pieces[1:]:
            number, _, rest = piece.partition(PLACE_END)
            out += (fill(int(number)), rest)
        return "".join(out)


def place(number: int) -> Markup:
    """The mark in the skeleton where part number goes."""
    return Markup(f'<{PLACE_TAG} data-n="{mark_number(number)}{PLACE_END}')
