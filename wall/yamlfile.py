"""Read YAML so that every value still knows the line it came from.

Post files and config.yaml are edited by hand in pull requests, so every
error must point at a line.  The loader below keeps PyYAML's node marks on
mappings and lists, refuses aliases, duplicate keys, numbers too long for Python to
convert and nesting too deep for its recursion limit, and leaves dates as
plain strings (the schema, not YAML's implicit typing, decides what a
timestamp is).  Files in the shapes our emitter writes (nearly all post files) are
read by fastyaml.py instead, in half the time, to the same values and lines.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping, Sequence

import yaml

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Problem:
    """One finding in one file: an error or a warning with its place."""

    path: str
    line: int
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        prefix = "Warnung: " if self.severity == "warning" else ""
        return printable(f"{self.path}:{self.line}: {prefix}{self.message}")


def display_path(path: Path) -> str:
    """A path as people should read it: relative to the working folder when possible."""
    absolute = os.path.abspath(path)
    cwd = os.getcwd()
    if absolute == cwd or absolute.startswith(cwd + os.sep):
        return os.path.relpath(absolute, cwd)
    return str(path)


def printable(text: str) -> str:
    """Text with control characters and line breaks escaped as in repr(): a terminal or a CI log
    must not take a file name or key for commands ('\x1b[2J', '\n::stop-commands::')."""
    return text if text.isprintable() else "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)


def shown_key(key: str) -> str:
    """A key from a file as a message shows it: as it is, or quoted and escaped when it holds
    characters that do not print."""
    return key if key.isprintable() else repr(key)


class YamlFileError(Exception):
    """A file that cannot be read as YAML at all."""

    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


class LineDict(dict):
    """A mapping that remembers its own line and the line of each key."""

    line: int = 1
    key_lines: Mapping[str, int] = MappingProxyType({})  # the loader gives each its own; one made by hand has none
    # Keys whose unquoted value a comment that looks like a hashtag cut short ('note: Abgelehnt #Spam'
    # is 'Abgelehnt'), with that comment: the text people meant to write and YAML dropped.
    cut_short: Mapping[str, str] = MappingProxyType({})


class LineList(list):
    """A list that remembers its own line and the line of each item."""

    line: int = 1
    item_lines: Sequence[int] = ()  # the loader gives each its own; one made by hand has none


ALIAS_MESSAGE = "Anker und Verweise (&name, *name) sind nicht erlaubt"
STR_TAG, MAP_TAG, SEQ_TAG = "tag:yaml.org,2002:str", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"
INT_TAG = "tag:yaml.org,2002:int"
# Python refuses to convert integers of more than 4,300 digits to and from text (a ValueError
# without a line); no value in our files needs a tenth of this.
MAX_NUMBER_LENGTH = 100


# Our files nest three levels deep.  The limit is explicit: Python 3.12 and later count recursion
# differently, and let 600 levels of _build pass without a RecursionError.
MAX_NESTING = 100

# A comment right after an unquoted value, starting like a hashtag; '# a remark' is meant as one.
_HASHTAG_COMMENT = re.compile(r"[ \t]+(#[^\s#][^\n]*)")


class _TooDeep(Exception):
    """Nesting beyond MAX_NESTING levels."""


class _LineLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe loader that records marks and rejects aliases, duplicate keys and tagged collections.

    Mappings, lists and strings (nearly all of a post file) are built in one recursive
    pass: PyYAML's generic, generator-based construction costs twice as much.
    """

    def __init__(self, text: str):
        super().__init__(text)
        self.text = text  # the parser's marks count characters of it
        self.hashtag_lines = _hashtag_lines(text)  # the only lines where a value may be cut short

    def get_single_data(self):
        node = self.root = self.get_single_node()
        return None if node is None else self._build(node, set(), 0)

    def _build(self, node, seen: set, depth: int) -> Any:
        if depth > MAX_NESTING:
            raise _TooDeep()
        if id(node) in seen:  # the composer hands out the anchored node again for an alias
            raise yaml.constructor.ConstructorError(
                None, None, ALIAS_MESSAGE, node.start_mark)
        seen.add(id(node))
        kind, tag = type(node), node.tag
        if kind is yaml.ScalarNode and tag == STR_TAG:
            return node.value
        if kind is yaml.MappingNode and tag == MAP_TAG:
            return self._build_map(node, seen, depth)
        if kind is yaml.SequenceNode and tag == SEQ_TAG:
            data = LineList([self._build(item, seen, depth + 1) for item in node.value])
            data.line = node.start_mark.line + 1
            data.item_lines = [item.start_mark.line + 1 for item in node.value]
            return data
        if kind is yaml.ScalarNode:
            return self._scalar(node)
        raise yaml.constructor.ConstructorError(
            None, None, f"die Angabe {tag} ist hier nicht erlaubt", node.start_mark)

    def _scalar(self, node) -> Any:
        """Numbers, booleans, null, !!binary ...: what the safe loader makes of them."""
        if node.tag == INT_TAG and len(node.value.lstrip("+-")) > MAX_NUMBER_LENGTH:
            raise yaml.constructor.ConstructorError(
                None, None, f"eine Zahl darf höchstens {MAX_NUMBER_LENGTH} Ziffern haben", node.start_mark)
        try:
            return self.construct_object(node)
        except (ValueError, KeyError):  # an explicit tag on a value that does not fit it: '!!int abc'
            raise yaml.constructor.ConstructorError(
                None, None, f"{node.value[:40]!r} ist kein gültiger Wert für {node.tag}", node.start_mark) from None

    def _build_map(self, node, seen: set, depth: int) -> LineDict:
        data = LineDict()
        data.line = node.start_mark.line + 1
        data.key_lines = key_lines = {}
        for key_node, _ in node.value:
            if key_node.tag != STR_TAG:  # '<<' merges mappings in, '=' is a key: PyYAML sees to both
                self.flatten_mapping(node)
                break
        depth += 1
        if node.value and depth > MAX_NESTING:
            raise _TooDeep()
        # Plain text keys and values (nearly all of a post file) are taken here, without a call of
        # _build each: what _build would do with them, in the same order.
        for key_node, value_node in node.value:
            if type(key_node) is yaml.ScalarNode and key_node.tag == STR_TAG and id(key_node) not in seen:
                seen.add(id(key_node))
                key = key_node.value
            else:
                key = self._build(key_node, seen, depth)
            if not isinstance(key, str) or key in data:
                self._refuse_key(key, key_node)
            if type(value_node) is yaml.ScalarNode and value_node.tag == STR_TAG and id(value_node) not in seen:
                seen.add(id(value_node))
                data[key] = value_node.value
            else:
                data[key] = self._build(value_node, seen, depth)
            key_lines[key] = key_node.start_mark.line + 1
            if (type(value_node) is yaml.ScalarNode and not value_node.style  # plain: no quotes, no block
                    and value_node.end_mark.line in self.hashtag_lines):
                comment = _HASHTAG_COMMENT.match(self.text, value_node.end_mark.index)
                if comment:
                    data.cut_short = {**data.cut_short, key: comment.group(1).rstrip()}
        return data

    @staticmethod
    def _refuse_key(key: Any, key_node) -> None:
        """Raise for a key that is not text or (being text) stands twice in its mapping."""
        if not isinstance(key, str):
            raise yaml.constructor.ConstructorError(
                None, None, f"Schlüssel müssen Text sein, gefunden: {key!r}", key_node.start_mark)
        raise yaml.constructor.ConstructorError(
            None, None, f"der Schlüssel {key!r} kommt doppelt vor; "
            "eine der beiden Zeilen löschen", key_node.start_mark)

    # The C parser asks these for every node; with no path resolvers the answer depends only on
    # the node's kind and, for a plain scalar, on its first character.  A static method: no bound
    # method made for each of the many calls.
    @staticmethod
    def resolve(kind, value, implicit):
        if kind is yaml.ScalarNode:
            if implicit[0]:
                for tag, regexp in _IMPLICIT_BY_FIRST.get(value[:1], _IMPLICIT_ANYWHERE):
                    if regexp.match(value):
                        return tag
            return STR_TAG
        return SEQ_TAG if kind is yaml.SequenceNode else MAP_TAG

    def descend_resolver(self, current_node, current_index):
        pass

    def ascend_resolver(self):
        pass


def _hashtag_lines(text: str) -> set[int]:
    """The lines (counted from 0) with a '#' after a space or tab: where a comment may cut a value short."""
    lines = set()
    for mark in (" #", "\t#") if "\t" in text else (" #",):
        at = text.find(mark)
        while at != -1:
            lines.add(text.count("\n", 0, at))
            at = text.find(mark, at + 2)
    return lines


# Timestamps stay strings: the schema parses them and reports bad ones by line.
_LineLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}
_IMPLICIT_ANYWHERE = tuple(_LineLoader.yaml_implicit_resolvers.get(None, []))
_IMPLICIT_BY_FIRST = {first: tuple(resolvers) + _IMPLICIT_ANYWHERE
                      for first, resolvers in _LineLoader.yaml_implicit_resolvers.items()}
assert not _LineLoader.yaml_path_resolvers, "resolve() above assumes no path resolvers"


NOT_UTF8 = "kein gültiger UTF-8-Text"
_UTF8_HINT = ("ein Zeichen dieser Zeile (oft ein Umlaut) wurde von einem anderen Programm anders gespeichert; "
              "die Zeile im Editor von GitHub neu schreiben")
NOT_YAML = "kein gültiges YAML"
# What the YAML parser says of the mistakes people make most, in German (others stay as it says them).
_COLON = ("ein Doppelpunkt mit Leerzeichen mitten in einem Wert; den Wert in Anführungszeichen setzen "
          "(z. B. note: \"Abgelehnt: Werbung\"). Oder die Zeile ist weiter eingerückt als die Zeile darüber")
_FLOW_END = ("eine Liste in [ ] ist nicht richtig geschlossen: Fehlt ein Komma zwischen zwei Einträgen, ein "
             "Anführungszeichen oder die schließende Klammer?")
YAML_REASONS = {
    "mapping values are not allowed in this context": _COLON,
    "mapping values are not allowed here": _COLON,  # the parser written in Python says it so
    "did not find expected key": "diese Zeile passt nicht zur Einrückung der Zeilen darüber; die Einrückung "
                                 "prüfen, und ob darüber eine Zeile fehlt",
    "could not find expected ':'": "in dieser oder der Zeile darüber fehlt ein ':' oder das Leerzeichen danach "
                                   "(richtig ist 'schlüssel: wert'), oder die Zeile ist falsch eingerückt",
    "found unexpected end of stream": "die Datei endet mitten in einem Wert; fehlt ein schließendes "
                                      "Anführungszeichen?",
    "found a tab character that violates indentation": "ein Tabulator in der Einrückung; ersetzen Sie ihn durch "
                                                       "Leerzeichen",
    "found character that cannot start any token": "der Wert beginnt mit einem Zeichen, das YAML dort nicht "
                                                   "erlaubt (etwa @, ` oder ein Tabulator); den Wert in "
                                                   "Anführungszeichen setzen",
    "did not find expected '-' indicator": "hier wurde ein Listeneintrag ('- …') erwartet; die Einrückung prüfen",
    "did not find expected ',' or ']'": _FLOW_END,
    "did not find expected ',' or '}'": "ein Eintrag in { } ist nicht richtig geschlossen: Fehlt ein Komma, ein "
                                        "Anführungszeichen oder die schließende Klammer?",
    "found unknown escape character": "ein unbekanntes Zeichen nach '\\' in doppelten Anführungszeichen; "
                                      "einfache Anführungszeichen ('…') setzen",
    "found undefined alias": ALIAS_MESSAGE,
}
# Quotes a word processor or a mail program puts in: YAML takes them for ordinary letters.
TYPOGRAPHIC_QUOTES = "„“”‚‘’«»"
_TYPOGRAPHIC_HINT = ("; in dieser Zeile stehen typografische Anführungszeichen („…“), YAML braucht gerade "
                     "(\"…\")")


def parse_yaml(data: bytes, path: str) -> Any:
    """Parse YAML bytes; raise YamlFileError naming path and line on any fault."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise YamlFileError(Problem(path, line, f"{NOT_UTF8}: {_UTF8_HINT}")) from None
    from .fastyaml import read_simple  # here: it builds on this module's line marks and resolver

    simple = read_simple(text)
    if simple is not None:
        return simple
    loader = _LineLoader(text)
    try:
        return loader.get_single_data()
    except (_TooDeep, RecursionError):  # libyaml stops at 1,000 levels, _build sooner
        raise YamlFileError(Problem(path, _deepest_line(loader.root), f"{NOT_YAML}: zu tief verschachtelt")) from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        reason = error.problem or error.context or ""
        lines = text.splitlines()
        quoted = 0 < line <= len(lines) and any(quote in lines[line - 1] for quote in TYPOGRAPHIC_QUOTES)
        hint = _TYPOGRAPHIC_HINT if quoted else ""
        raise YamlFileError(Problem(path, line, f"{NOT_YAML}: {YAML_REASONS.get(reason, reason)}{hint}")) from None
    except yaml.YAMLError as error:
        raise YamlFileError(Problem(path, 1, f"{NOT_YAML}: {error}")) from None
    finally:
        loader.dispose()


def _deepest_line(root: Any) -> int:
    """The line of the most deeply nested node below root (found without recursion)."""
    deepest, line = -1, 1
    todo = [(root, 0)] if root is not None else []
    while todo:
        node, depth = todo.pop()
        if depth > deepest:
            deepest, line = depth, node.start_mark.line + 1
        if isinstance(node, yaml.SequenceNode):
            todo.extend((item, depth + 1) for item in node.value)
        elif isinstance(node, yaml.MappingNode):
            todo.extend((value, depth + 1) for _, value in node.value)
    return line


def read_yaml(path: str | Path, display: str | None = None) -> Any:
    """Read and parse one YAML file; errors name `display` (default: the path)."""
    with open(path, "rb") as file:
        data = file.read()
    return parse_yaml(data, display or str(path))


def line_of(container: Any, key: Any) -> int:
    """The line of a key in a LineDict or an index in a LineList, else the container's."""
    if isinstance(container, LineDict) and key in container.key_lines:
        return container.key_lines[key]
    if isinstance(container, LineList) and isinstance(key, int) and key < len(container.item_lines):
        return container.item_lines[key]
    return getattr(container, "line", 1)
