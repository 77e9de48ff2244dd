"""Read YAML so that every value still knows the line it came from.

Post files and config.yaml are edited by hand in pull requests, so every
error must point at a line.  The loader below keeps PyYAML's node marks on
mappings and lists, refuses aliases and duplicate keys, and leaves dates as
plain strings (the schema, not YAML's implicit typing, decides what a
timestamp is).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{self.path}:{self.line}: {prefix}{self.message}"


class YamlFileError(Exception):
    """A file that cannot be read as YAML at all."""

    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


class LineDict(dict):
    """A mapping that remembers its own line and the line of each key."""

    line: int = 1
    key_lines: dict


class LineList(list):
    """A list that remembers its own line and the line of each item."""

    line: int = 1
    item_lines: list


class _LineLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe loader that records marks and rejects aliases and duplicate keys."""

    def construct_object(self, node, deep=False):
        if node in self.constructed_objects or node in self.recursive_objects:
            raise yaml.constructor.ConstructorError(
                None, None, "aliases (*name) are not allowed here", node.start_mark)
        return super().construct_object(node, deep=True)

    def construct_yaml_map(self, node):
        data = LineDict()
        data.line = node.start_mark.line + 1
        data.key_lines = {}
        yield data
        self.flatten_mapping(node)
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                raise yaml.constructor.ConstructorError(
                    None, None, f"keys must be text, got {key!r}", key_node.start_mark)
            if key in data:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key '{key}'", key_node.start_mark)
            data[key] = self.construct_object(value_node, deep=True)
            data.key_lines[key] = key_node.start_mark.line + 1

    def construct_yaml_seq(self, node):
        data = LineList()
        data.line = node.start_mark.line + 1
        data.item_lines = [item.start_mark.line + 1 for item in node.value]
        yield data
        data.extend(self.construct_object(item, deep=True) for item in node.value)


_LineLoader.add_constructor("tag:yaml.org,2002:map", _LineLoader.construct_yaml_map)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _LineLoader.construct_yaml_seq)
# Timestamps stay strings: the schema parses them and reports bad ones by line.
_LineLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}


def parse_yaml(data: bytes, path: str) -> Any:
    """Parse YAML bytes; raise YamlFileError naming path and line on any fault."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise YamlFileError(Problem(path, line, "not valid UTF-8 text")) from None
    try:
        return yaml.load(text, Loader=_LineLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        reason = error.problem or error.context or "invalid YAML"
        raise YamlFileError(Problem(path, line, f"invalid YAML: {reason}")) from None
    except yaml.YAMLError as error:
        raise YamlFileError(Problem(path, 1, f"invalid YAML: {error}")) from None


def read_yaml(path: Path, display: str | None = None) -> Any:
    """Read and parse one YAML file; errors name `display` (default: the path)."""
    return parse_yaml(path.read_bytes(), display or str(path))


def line_of(container: Any, key: Any) -> int:
    """The line of a key in a LineDict or an index in a LineList, else the container's."""
    if isinstance(container, LineDict) and key in container.key_lines:
        return container.key_lines[key]
    if isinstance(container, LineList) and isinstance(key, int) and key < len(container.item_lines):
        return container.item_lines[key]
    return getattr(container, "line", 1)
