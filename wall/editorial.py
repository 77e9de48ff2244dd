"""What editors do from a terminal: approve, reject, list pending posts, add deny rules (in German).

`add_deny_rule` edits config.yaml in place, line by line, so its comments and
order stay exactly as the editors wrote them.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from .config import ConfigError, load_config
from .post import Post
from .store import read_posts
from .workers import usable_cpus
from .writing import write_atomic, write_post
from .yamlfile import LineDict, LineList, Problem, read_yaml

DENY_KINDS = {"author": "authors", "keyword": "keywords", "domain": "domains", "id": "ids", "image": "images",
              "avatar": "avatars"}
STATUS_WORDS = {"approved": "freigegeben", "rejected": "abgelehnt"}  # what approve and reject report


class EditorialError(Exception):
    """The request cannot be carried out; nothing was changed."""


def all_posts(content_dir: Path, categories: set[str]) -> dict[str, Post]:
    """Every readable post by id; refuses to work on content with errors."""
    problems: list[Problem] = []
    posts = read_posts(content_dir, categories, problems, jobs=usable_cpus())
    errors = [problem for problem in problems if problem.severity == "error"]
    if errors:
        raise EditorialError("die Dateien enthalten Fehler, nichts wurde geändert:\n" + "\n".join(map(str, errors)))
    return {post.id: post for post in posts}


def set_status(content_dir: Path, categories: set[str], ids: list[str], status: str,
               note: str | None = None) -> list[Path]:
    """Give the posts with these ids a new status (and note); all ids must exist."""
    posts = all_posts(content_dir, categories)
    unknown = [post_id for post_id in ids if post_id not in posts]
    if unknown:
        raise EditorialError(f"kein Beitrag mit der id {', '.join(unknown)}; nichts wurde geändert "
                             "('generate.py pending' zeigt die wartenden)")
    written = []
    for post_id in ids:
        post = posts[post_id]
        path = Path(post.file)
        if not _edit_in_place(path, status, note):
            changes = {"status": status, **({"note": note} if note is not None else {})}
            path = write_post(content_dir, replace(post, **changes))
        written.append(path)
    return written


def _edit_in_place(path: Path, status: str, note: str | None) -> bool:
    """Change the status (and note) lines only, so a hand-written file keeps its form."""
    data = read_yaml(path)
    lines = path.read_text(encoding="utf-8").split("\n")
    single_line = {key: "\n" not in str(data.get(key, "")) for key in ("status", "note")}
    if not isinstance(data, LineDict) or not all(single_line.values()):
        return False
    lines[data.key_lines["status"] - 1] = f"status: {status}"
    if note is not None:
        note_line = f"note: {json.dumps(note, ensure_ascii=False)}"
        if "note" in data.key_lines:
            lines[data.key_lines["note"] - 1] = note_line
        else:
            lines.insert(len(lines) - 1 if lines[-1] == "" else len(lines), note_line)
    write_atomic(path, "\n".join(lines).encode("utf-8"))
    return True


def pending_posts(content_dir: Path, categories: set[str]) -> list[Post]:
    """Posts waiting for review, oldest first."""
    posts = all_posts(content_dir, categories).values()
    return sorted((post for post in posts if post.status == "pending"), key=lambda post: (post.published, post.id))


def add_deny_rule(config_path: Path, kind: str, value: str) -> bool:
    """Add value to moderation.deny.<kind> in config.yaml; False when it is already there."""
    key = DENY_KINDS[kind]
    value = value.strip()
    if not value:
        raise EditorialError("der Wert darf nicht leer sein")
    text = config_path.read_text(encoding="utf-8")
    data = read_yaml(config_path)
    deny = _deny_section(data)
    current = deny.get(key)
    if isinstance(current, list) and value in current:
        return False
    lines = text.split("\n")
    _insert(lines, deny, key, value)
    new_text = "\n".join(lines)
    write_atomic(config_path, new_text.encode("utf-8"))
    try:
        load_config(config_path)
    except ConfigError as error:
        write_atomic(config_path, text.encode("utf-8"))
        raise EditorialError(f"config.yaml wäre danach ungültig und bleibt, wie sie war: {error}") from None
    return True


def _deny_section(data: object) -> LineDict:
    moderation = data.get("moderation") if isinstance(data, dict) else None
    deny = moderation.get("deny") if isinstance(moderation, dict) else None
    if not isinstance(deny, LineDict):
        raise EditorialError("config.yaml hat keinen Abschnitt moderation.deny, in den die Regel gehört")
    return deny


def _insert(lines: list[str], deny: LineDict, key: str, value: str) -> None:
    quoted = json.dumps(value, ensure_ascii=False)  # a JSON string is a valid YAML scalar
    if key not in deny:
        indent = _indent_of(lines[deny.line - 1])
        lines.insert(deny.line - 1, f"{indent}{key}: [{quoted}]")
        return
    index = deny.key_lines[key] - 1
    current = deny[key]
    line = lines[index]
    if isinstance(current, LineList) and current.line - 1 == index and "[" in line:
        start, end = line.index("["), line.index("]", line.index("["))
        inside = line[start + 1:end].strip()
        lines[index] = f"{line[:start]}[{inside + ', ' if inside else ''}{quoted}]{line[end + 1:]}"
    elif isinstance(current, LineList) and current.item_lines:
        last = current.item_lines[-1] - 1
        lines.insert(last + 1, f"{_indent_of(lines[last])}- {quoted}")
    elif current is None:
        name_end = line.index(f"{key}:") + len(key) + 1
        lines[index] = f"{line[:name_end]} [{quoted}]{line[name_end:]}"
    else:
        raise EditorialError(f"moderation.deny.{key} in config.yaml ist keine Liste")


def _indent_of(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]
