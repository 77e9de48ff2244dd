"""content/pages/: the editors' pages in Markdown (Impressum, Datenschutz, ...), with front matter."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import frontmatter
import yaml

from .fields import expected
from .yamlfile import NOT_UTF8, Problem, YamlFileError, display_path, parse_yaml

PAGE_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,60}")
# The page in Leichte Sprache, linked at the top of every page where the start page's header
# is (BITV 2.0 § 4 asks for it on the start page).
EASY_LANGUAGE = "leichte-sprache"


@dataclass(frozen=True)
class Page:
    """An editors' page such as the Impressum, written in Markdown."""

    slug: str  # URL name, from the file name
    title: str  # heading and <title>
    markdown: str  # the body
    description: str = ""  # for search engines
    order: int = 100  # position in the footer
    file: str = ""  # where it was read from


# What the shipped legal pages ask the EWG to fill in; publish refuses a site still holding it.
PLACEHOLDER = re.compile(r"\[(?:Bitte ergänzen|Rechtlich prüfen)[^\]\n]*\]?")


class _FrontMatter(frontmatter.YAMLHandler):
    """Front matter read like every YAML file of the wall (PyYAML's own loader lets a 5,000-digit
    number or deep nesting escape as a ValueError or RecursionError)."""

    def __init__(self, display: str):
        self.display = display

    def load(self, fm: str, **kwargs: object) -> Any:
        return parse_yaml(fm.encode("utf-8"), self.display)


def read_pages(pages_dir: Path, problems: list[Problem]) -> list[Page]:
    """Read the editors' Markdown pages, sorted by order then name."""
    paths = sorted(pages_dir.glob("*.md"))
    pages = [page for path in paths if (page := read_page(path, problems))]
    for path in paths:
        problems.extend(_placeholders(path))
    return sorted(pages, key=lambda page: (page.order, page.slug))


def _placeholders(path: Path) -> list[Problem]:
    """A warning for each line still holding a placeholder such as '[Bitte ergänzen: Registergericht]'."""
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return [Problem(display_path(path), number, f"noch auszufüllen: {found.group(0)!r} (die Wall geht erst "
                                                "online, wenn jeder Platzhalter ersetzt ist)", "warning")
            for number, line in enumerate(lines, 1) if (found := PLACEHOLDER.search(line))]


def read_page(path: Path, problems: list[Problem]) -> Page | None:
    """Read one Markdown page with front matter (title required)."""
    display = display_path(path)
    if not PAGE_SLUG.fullmatch(path.stem):
        problems.append(Problem(display, 1, "Seitennamen dürfen nur a-z, 0-9 und '-' enthalten"))
        return None
    try:
        text = path.read_bytes().decode("utf-8")
        page = frontmatter.loads(text, handler=_FrontMatter(display))
    except UnicodeDecodeError:
        problems.append(Problem(display, 1, NOT_UTF8))
        return None
    except YamlFileError as error:  # the front matter starts with the line break after '---': lines match
        problems.append(error.problem)
        return None
    title, order = page.get("title"), page.get("order", 100)
    if not isinstance(title, str) or not title.strip():
        problems.append(Problem(display, 1, "title: Pflichtfeld fehlt"))
        return None
    if not isinstance(order, int) or isinstance(order, bool):
        problems.append(Problem(display, 1, f"order: {expected('eine ganze Zahl', order)}"))
        return None
    problems.extend(_comments_after_values(text, display))
    return Page(slug=path.stem, title=title.strip(), markdown=page.content,
                description=str(page.get("description") or ""), order=order, file=display)


def _comments_after_values(text: str, display: str) -> list[Problem]:
    """Warnings for front matter values followed by a comment.

    YAML reads " #" as the start of a comment, so `description: … #EssenArbeitetZusammen …`
    silently loses everything from the hashtag on; editors write hashtags all the time.
    """
    if not frontmatter.default_handlers.YAMLHandler.FM_BOUNDARY.match(text):
        return []
    front = frontmatter.default_handlers.YAMLHandler().split(text)[0]  # line 0 is the opening "---"
    root = yaml.compose(front, Loader=yaml.SafeLoader)
    if not isinstance(root, yaml.MappingNode):
        return []
    lines = front.splitlines()
    found = []
    for key, value in root.value:
        if not isinstance(value, yaml.ScalarNode) or value.style in ("|", ">"):
            continue
        end = value.end_mark
        if lines[end.line][end.column:].lstrip().startswith("#"):
            found.append(Problem(display, end.line + 1, f"{key.value}: der Text ab ' #' gilt in YAML als Kommentar "
                                 "und fehlt auf der Seite; den Wert in Anführungszeichen setzen", "warning"))
    return found
