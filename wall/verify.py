"""A last look at the rendered pages before they replace the live site.

Templates escape everything, so these checks should never fire; they are the
net under that promise: no script or event handler, no resource from another
host, no link with a scheme other than http, https or mailto.
"""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit

LINK_SCHEMES = {"http", "https", "mailto"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "poster", "data", "cite"}


def _is_relative(value: str) -> bool:
    return not value.startswith("//") and not urlsplit(value).scheme


class _PageChecker(HTMLParser):
    def __init__(self, path: str):
        super().__init__(convert_charrefs=True)
        self.path = path
        self.problems: list[str] = []
        self.has_csp = False

    def handle_starttag(self, tag, attrs):
        rel = dict(attrs).get("rel") or ""
        for name, value in attrs:
            self._check_attribute(tag, name, value or "", rel)
        if tag == "meta" and ("http-equiv", "Content-Security-Policy") in attrs:
            self.has_csp = True
        if tag in ("script", "iframe", "object", "embed", "base", "form"):
            self.problems.append(f"{self.path}: <{tag}> is not allowed")

    handle_startendtag = handle_starttag

    def _check_attribute(self, tag: str, name: str, value: str, rel: str) -> None:
        if name.startswith("on") or name in ("style", "srcdoc"):
            self.problems.append(f"{self.path}: <{tag} {name}> is not allowed")
        elif name == "srcset" or (name in URL_ATTRIBUTES and name != "href"):
            if not all(_is_relative(part.strip().split(" ")[0]) for part in value.split(",")):
                self.problems.append(f"{self.path}: <{tag} {name}> loads from another host: {value!r}")
        elif name == "href" and not _is_relative(value.strip()):
            scheme = urlsplit(value.strip()).scheme.lower()
            # <link> only loads what its rel asks for; canonical and alternate load nothing.
            loads = tag == "link" and rel not in ("canonical", "alternate")
            if scheme not in LINK_SCHEMES or loads:
                self.problems.append(f"{self.path}: <{tag} href> not allowed: {value!r}")


def verify_site(files: dict[str, str]) -> list[str]:
    """Problems in the rendered HTML pages; an empty list means safe to publish."""
    problems: list[str] = []
    for path, text in sorted(files.items()):
        if not path.endswith(".html"):
            continue
        checker = _PageChecker(path)
        checker.feed(text)
        checker.close()
        problems.extend(checker.problems)
        if not checker.has_csp:
            problems.append(f"{path}: no Content-Security-Policy meta tag")
    return problems
