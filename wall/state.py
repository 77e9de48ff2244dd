"""content/state.yaml as the fetch keeps it: where each source stopped (the build reads only its
last_fetch, in store.read_last_fetch)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import yaml

from .emitter import WIDTH, simple_yaml
from .store import STATE_FILE
from .writing import write_atomic
from .yamlfile import YamlFileError, read_yaml

log = logging.getLogger(__name__)


def read_state(content_dir: Path) -> dict[str, Any]:
    """content/state.yaml as a plain dict ({} when missing or unreadable)."""
    path = content_dir / STATE_FILE
    if not path.is_file():
        return {}
    try:
        data = read_yaml(path)
    except YamlFileError as error:
        log.warning("%s; starting without fetch state", error)
        return {}
    return _plain(data) if isinstance(data, dict) else {}


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def write_state(content_dir: Path, state: dict[str, Any]) -> None:
    """Write content/state.yaml only when its bytes change."""
    path = content_dir / STATE_FILE
    if not state:
        return
    text = ("# Written by `generate.py fetch`: where each source stopped. Safe to delete;\n"
            "# the next fetch then reads again from the start, without duplicates.\n" + state_yaml(state))
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        write_atomic(path, text.encode("utf-8"))


def state_yaml(state: dict[str, Any]) -> str:
    """The state as YAML, keys sorted; written directly where it can be (see emitter.py), at the
    end of every fetch, when the sources are done."""
    return simple_yaml(_sorted(state)) or yaml.safe_dump(state, sort_keys=True, allow_unicode=True, width=WIDTH)


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _sorted(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_sorted(item) for item in value]
    return value
