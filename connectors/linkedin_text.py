"""LinkedIn's "little text" (the commentary of a post) as plain text.

Escapes are undone, hashtag templates become #Tag and mentions @Name; pure
functions, no I/O.
"""

from __future__ import annotations

import re

LITTLE = re.compile(r"\\(?P<escaped>.)"
                    r"|\{(?P<template>(?:\\.|[^\\{}])*)\}"
                    r"|@\[(?P<name>(?:\\.|[^\\\]])*)\]\(urn:li:[^()\s]*\)", re.S)


def commentary_text(element: dict) -> str:
    """A post's commentary as plain text, with the link of a shared article if it is not in it."""
    text = little_text(str(element.get("commentary") or ""))
    article = ((element.get("content") or {}).get("article") or {}).get("source")
    if isinstance(article, str) and article.startswith(("https://", "http://")) and article not in text:
        text = f"{text}\n\n{article}".strip()
    return text


def little_text(commentary: str) -> str:
    """LinkedIn "little text" as plain text: escapes undone, hashtags as #Tag, mentions as @Name."""
    parts, position = [], 0
    for match in LITTLE.finditer(commentary):
        parts += [commentary[position:match.start()], _little_element(match)]
        position = match.end()
    parts.append(commentary[position:])
    return "".join(parts).replace("\r\n", "\n").strip()


def _little_element(match: re.Match) -> str:
    if match.group("escaped") is not None:
        return match.group("escaped")
    if match.group("name") is not None:
        return "@" + _unescape(match.group("name"))
    name, *arguments = _template_parts(match.group("template"))
    if name == "hashtag" and arguments:
        return "#" + _unescape(arguments[-1]).lstrip("#")
    return "".join(_unescape(argument) for argument in arguments)


def _template_parts(inner: str) -> list[str]:
    parts = [""]
    for token in re.findall(r"\\.|\||[^\\|]+", inner, re.S):
        if token == "|":
            parts.append("")
        else:
            parts[-1] += token
    return parts


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text, flags=re.S)
