"""Post files written as PyYAML's emitter writes them, a tenth of its time.

Every post a fetch stores is turned into YAML, and PyYAML's emitter (pure Python,
event by event) took most of a source's own work: with several sources finishing
at once, they queue for the interpreter.  The values of a post file are few kinds:
mappings, lists (empty ones too), numbers, true and false, and text that PyYAML writes plain, in
single quotes (both folded at spaces past the line width) or as a literal block.
This module writes those directly, byte for byte as the emitter does
(tests/test_emitter.py compares the two on many generated values), and answers
None for anything else: text with tabs, control characters or line breaks of YAML's
own, text the emitter would put in double quotes, a block that needs an indentation
or keep indicator.  The caller then asks PyYAML.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.resolver import Resolver

WIDTH = 100  # the emitter's line width, as writing.dump_post sets it
INDENT = 2  # its indentation step
SIMPLE_KEY = 128  # a key this long or longer the emitter writes as a complex key, after '? '
STR_TAG = "tag:yaml.org,2002:str"
_RESOLVER = Resolver()  # SafeDumper's: it decides whether text written plain would read back as text
# Characters the emitter writes as they are when unicode is allowed: any other (a tab, a control
# character, YAML 1.1's own line breaks NEL, LS and PS, a byte order mark) makes it use double quotes.
_SPECIAL = re.compile("[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010fffe]")
_INDICATORS = frozenset("#,[]{}&*!|>'\"%@`")  # no plain text starts with one of these
_LONE_SPACE = re.compile(r"(?<! ) (?! )")
_EMPTY = {dict: " {}\n", list: " []\n"}  # the emitter writes empty collections in flow style


class _NotSimple(Exception):
    """A value this module does not write: PyYAML does."""


def simple_yaml(data: dict[str, Any]) -> str | None:
    """data as PyYAML's safe dumper writes it (block style, unicode, width 100, keys in order,
    multi-line text as literal blocks), or None when it is not of the simple kinds."""
    if not data:
        return None
    out: list[str] = []
    try:
        _mapping(data, 0, "", out)
    except _NotSimple:
        return None
    return "".join(out)


def _mapping(data: dict, indent: int, first_prefix: str, out: list[str]) -> None:
    """first_prefix: what stands before the first key ('- ' for a mapping in a list)."""
    prefix = first_prefix or " " * indent
    for key, value in data.items():
        if type(key) is not str or len(key) >= SIMPLE_KEY or "\n" in key or _plain(key) is None:
            raise _NotSimple  # the emitter writes it after '? ', or quoted
        line = prefix + key + ":"
        prefix = " " * indent
        if isinstance(value, (dict, list)):
            if not value:
                out.append(line + _EMPTY[type(value)])
                continue
            out.append(line + "\n")
            if isinstance(value, dict):
                _mapping(value, indent + INDENT, "", out)
            else:
                _sequence(value, indent, out)  # a list in a mapping is not indented further
        elif type(value) is str and "\n" in value:
            out.append(line + _literal(value, indent + INDENT))
        else:
            out.append(_one_line(line + " ", value, indent + INDENT) + "\n")


def _sequence(items: list, indent: int, out: list[str]) -> None:
    dash = " " * indent + "- "
    for item in items:
        if isinstance(item, dict) and item:
            _mapping(item, indent + INDENT, dash, out)
        elif type(item) in _EMPTY and not item:
            out.append(dash.rstrip(" ") + _EMPTY[type(item)])
        elif isinstance(item, (dict, list)) or (type(item) is str and "\n" in item):
            raise _NotSimple
        else:
            out.append(_one_line(dash, item, indent + INDENT) + "\n")


def _one_line(start: str, value: Any, indent: int) -> str:
    """start followed by value (folded onto lines indented by indent where it is long)."""
    if value is True or value is False:
        return start + ("true" if value else "false")
    if type(value) is int:
        return start + str(value)
    if type(value) is not str or _SPECIAL.search(value):
        raise _NotSimple
    plain = _plain(value)
    line = start + (plain if plain is not None else "'" + value.replace("'", "''") + "'")
    if len(line) <= WIDTH:
        return line
    quotes = 0 if plain is not None else 1
    return _folded(line, len(start) + quotes, len(line) - quotes, indent)


def _plain(value: str) -> str | None:
    """value as the emitter writes it plain, None when it would quote it."""
    first = value[:1]
    if (not value or _SPECIAL.search(value) or first == " " or value[-1] in " :" or first in _INDICATORS
            or (first in "?:-" and value[1:2] in ("", " ")) or value.startswith(("---", "..."))
            or ": " in value or " #" in value
            or _RESOLVER.resolve(yaml.ScalarNode, value, (True, False)) != STR_TAG):
        return None
    return value


def _folded(line: str, start: int, stop: int, indent: int) -> str:
    """line broken as the emitter breaks the value in line[start:stop]: at a space that stands
    alone and is not the value's first or last character, once the line is past WIDTH (the
    space gives way to a line break and indent)."""
    out = []
    kept_from, column_there = 0, 0  # where the line being written starts in line, and its column there
    for space in _LONE_SPACE.finditer(line, start + 1):
        at = space.start()
        if at >= stop - 1:
            break
        if column_there + at - kept_from > WIDTH:
            out += (line[kept_from:at], "\n", " " * indent)
            kept_from, column_there = at + 1, indent
    out.append(line[kept_from:])
    return "".join(out)


def _literal(value: str, indent: int) -> str:
    """' |-' or ' |' and the text's lines: a literal block holds text as it is."""
    if _SPECIAL.search(value) or value[0] in " \n" or value[-1] == " " or " \n" in value:
        raise _NotSimple  # an indentation indicator, or no block at all (spaces before a line break)
    if value[-1] != "\n":
        header, body = " |-\n", value
    elif len(value) > 1 and value[-2] != "\n":
        header, body = " |\n", value[:-1]
    else:
        raise _NotSimple  # '|+', after which the emitter may end the document with '...'
    pad = " " * indent
    return header + "\n".join(pad + line if line else "" for line in body.split("\n")) + "\n"
