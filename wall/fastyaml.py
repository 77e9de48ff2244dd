"""Post files in the shapes the emitter writes, read without PyYAML in half its time.

A build reads every post file, and a fetch reads them all before its sources start;
PyYAML's parser hands each scalar to Python as a node, which is most of a read.  Nearly
all our files are of a few shapes (see emitter.py): mappings indented by two, lists
under their key, one-line text written plain or in single quotes, plain text folded over
lines, literal blocks ('|' and '|-'), whole numbers, true and false, empty [] and {}.
read_simple reads exactly these, with the same values and the same line marks as the
loader in yamlfile.py, and answers None for anything else (a comment, a tab, a
duplicate key, a number PyYAML reads differently, a value that may be an error ...):
the caller then asks that loader, which also says what is wrong, and where.
tests/test_fastyaml.py compares the two on generated files and on edits of them.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import yaml

from .emitter import _INDICATORS, _SPECIAL
from .yamlfile import _IMPLICIT_ANYWHERE, _IMPLICIT_BY_FIRST, STR_TAG, LineDict, LineList, _LineLoader

# A key as our files have them (PyYAML's parser takes a plain key of at most 1,024 characters).
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,99}")
_WHOLE_NUMBER = re.compile(r"0|[1-9][0-9]{0,17}")
_SCALAR = yaml.ScalarNode
_IMPLICIT = (True, False)  # plain: YAML's implicit types apply
# Plain text starting otherwise is text: YAML's implicit types (numbers, true, null ...) start with these.
_TYPED_FIRST = frozenset(_IMPLICIT_BY_FIRST)
assert not _IMPLICIT_ANYWHERE
# Nor is it an indicator, a quote, a space, '-', '?' or ':' (these and the above: see _scalar).
_NOT_TEXT_FIRST = _TYPED_FIRST | _INDICATORS | frozenset(" -?:")


class _Decline(Exception):
    """Not of the simple shapes: the full loader reads it."""


def read_simple(text: str) -> LineDict | None:
    """The mapping in text as yamlfile's loader makes it, or None when text is not of the simple shapes."""
    if not text.endswith("\n") or text.startswith(("#", " ")) or "\n#" in text:
        return None
    lines = text.split("\n")
    lines.pop()
    # A tab, a carriage return, a control character, YAML's own line breaks: the emitter's
    # _SPECIAL, which str.isprintable (stricter, and quicker) finds none of in most files.
    if not all(map(str.isprintable, lines)) and _SPECIAL.search(text):
        return None
    try:
        data, end = _mapping(lines, 0, 0)
    except _Decline:
        return None
    return data if end == len(lines) and data else None


def _mapping(lines: list[str], at: int, indent: int, after_dash: bool = False) -> tuple[LineDict, int]:
    """The mapping whose keys stand at column indent from line at (after_dash: the first one
    follows a list item's '- ').  Returns it and the line after it."""
    data = LineDict()
    data.line = at + 1
    data.key_lines = key_lines = {}
    count = len(lines)
    pad = " " * indent
    deeper = pad + " "  # where a value's next line must start to continue it
    while at < count:
        line = lines[at]
        if after_dash:
            after_dash = False
        elif not line.startswith(pad) or line[indent:indent + 1] in (" ", "-", ""):
            break  # the mapping ends; what comes next is for the caller to judge
        key, colon, rest = (line[indent:] if indent else line).partition(":")
        if not colon or key in data or not _plain_key(key):
            raise _Decline  # no key, a key twice, a key YAML reads otherwise
        key_lines[key] = at + 1
        at += 1
        if rest[:1] != " ":
            if rest:
                raise _Decline  # 'key:value' is one plain text, not a key
            data[key], at = _nested(lines, at, indent)
            continue
        rest = rest[1:]
        if (rest and rest[0] not in _NOT_TEXT_FIRST and rest[-1] not in " :" and ": " not in rest
                and " #" not in rest and (at == count or not lines[at].startswith(deeper))):
            data[key] = rest  # most values: one line of plain text (what _scalar finds, sooner)
        elif rest[:1] == "|" and (rest == "|-" or rest == "|"):
            data[key], at = _literal(lines, at, indent, rest == "|")
        elif rest == "[]" or rest == "{}":
            data[key] = _empty(rest, at)
        else:
            data[key], at = _scalar(rest, lines, at, deeper)  # '' (after 'key: '): null
    return data, at


@functools.lru_cache(maxsize=256)
def _plain_key(key: str) -> bool:
    """key is a key as our files have them, and YAML reads it as text (not true, false or null)."""
    return _KEY.fullmatch(key) is not None and (
        key[0] not in _TYPED_FIRST or _LineLoader.resolve(_SCALAR, key, _IMPLICIT) == STR_TAG)


def _nested(lines: list[str], at: int, indent: int) -> tuple[Any, int]:
    """The list or mapping below a key with nothing after it on its line."""
    if at == len(lines):
        raise _Decline  # 'key:' at the end: null
    following = lines[at]
    if following.startswith("- ", indent) and following.startswith(" " * indent):
        return _sequence(lines, at, indent)
    deeper = indent + 2
    if following.startswith(" " * deeper) and following[deeper:deeper + 1] not in (" ", "-", ""):
        return _mapping(lines, at, deeper)
    raise _Decline


def _sequence(lines: list[str], at: int, indent: int) -> tuple[LineList, int]:
    items = LineList()
    items.line = at + 1
    items.item_lines = item_lines = []
    dash = " " * indent + "- "
    deeper = " " * (indent + 1)  # where an item's next line must start to continue it
    start = len(dash)
    count = len(lines)
    while at < count and lines[at].startswith(dash):
        item = lines[at][start:]
        item_lines.append(at + 1)
        key, colon, rest = item.partition(":")
        if colon and rest[:1] in ("", " ") and _plain_key(key):
            value, at = _mapping(lines, at, start, after_dash=True)
        elif item == "[]" or item == "{}":
            value, at = _empty(item, at + 1), at + 1
        else:
            value, at = _scalar(item, lines, at + 1, deeper)
        items.append(value)
    if at < count and lines[at].startswith(" " * indent) and lines[at][indent:indent + 1] in ("-", " "):
        raise _Decline  # '-' without a space, or a line indented into the list
    return items, at


def _empty(text: str, at: int) -> LineList | LineDict:
    value: LineList | LineDict
    if text == "[]":
        value = LineList()
        value.item_lines = []
    else:
        value = LineDict()
        value.key_lines = {}
    value.line = at  # the line it stands on (at is the line after it, counted from 0)
    return value


def _scalar(first: str, lines: list[str], at: int, deeper: str) -> tuple[Any, int]:
    """A value written from its key's line on (first) and continued on the lines from at that
    start with deeper (one space more than its key or its list's '-')."""
    if first[:1] in ("", " "):
        raise _Decline  # nothing (null), or spaces YAML does not count
    count = len(lines)
    if at < count and lines[at].startswith(deeper):
        pieces = [first]
        while at < count and lines[at].startswith(deeper):
            pieces.append(lines[at].lstrip(" "))
            at += 1
        if not all(pieces) or any(piece[-1] == " " for piece in pieces):
            raise _Decline  # an empty line (a line break in the text), spaces YAML drops
        value = " ".join(pieces)  # a line break between two lines of text is a space
    else:
        value = first
    head = value[0]
    if head == "'":
        inner = value[1:-1]
        if len(value) < 2 or value[-1] != "'" or "'" in inner.replace("''", ""):
            raise _Decline
        return inner.replace("''", "'"), at
    if (head in _INDICATORS or value[-1] in " :" or ": " in value or " #" in value
            or (head in "-?:" and value[1:2] in ("", " ")) or value.startswith(("---", "..."))):
        raise _Decline  # a comment, a key, an indicator: not plain text
    if head not in _TYPED_FIRST or _LineLoader.resolve(_SCALAR, value, _IMPLICIT) == STR_TAG:
        return value, at
    if value == "true":
        return True, at
    if value == "false":
        return False, at
    if _WHOLE_NUMBER.fullmatch(value):
        return int(value), at
    raise _Decline  # null, a float, 0x1f, yes, 1_000 ...: the loader's own rules


def _literal(lines: list[str], at: int, indent: int, clip: bool) -> tuple[str, int]:
    """A block's text: its lines at the first line's indentation (deeper than the key's), empty
    lines kept inside; '|' keeps one line break at the end, '|-' none."""
    count = len(lines)
    start = at
    while at < count and lines[at] == "":
        at += 1
    if at == count:
        raise _Decline
    first = lines[at]
    width = len(first) - len(first.lstrip(" "))
    if width <= indent:
        raise _Decline
    pad = " " * width
    last = at
    while at < count:
        line = lines[at]
        if line.isspace():
            raise _Decline  # spaces only: whether they are text or an empty line is YAML's subtle rule
        if line.startswith(pad):
            last = at
        elif line != "":
            break
        at += 1
    body = "\n".join(line[width:] for line in lines[start:last + 1])
    return (body + "\n" if clip else body), last + 1
