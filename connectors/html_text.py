"""Third-party HTML (Mastodon statuses, feed entries) to the plain text the wall stores.

Paragraphs and line breaks are kept; links keep their full target, so a link that
Mastodon shows shortened ('example.com/lang…') is stored as the whole URL; mention
and hashtag links keep their visible text.  Nothing of the markup survives.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

from wall.urls import is_web_url

BLOCKS = {"p", "div", "blockquote", "pre", "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6",
          "section", "article", "header", "footer", "figure", "table", "tr"}
DROPPED = {"script", "style", "template", "noscript", "iframe", "object", "svg", "math", "head", "title"}
MAX_DEPTH = 200


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.dropping = 0
        self.links: list[dict] = []  # open <a> elements: href, kind, text parts
        self.depth = 0

    def handle_starttag(self, tag, attrs):
        self.depth += 1
        if tag in DROPPED:
            self.dropping += 1
        elif self.dropping or self.depth > MAX_DEPTH:
            return
        elif tag == "br":
            self._emit("\n")
        elif tag in BLOCKS:
            self._emit("\n\n")
            if tag == "li":
                self._emit("• ")
        elif tag == "a":
            attributes = dict(attrs)
            classes = (attributes.get("class") or "").split()
            kind = "tag" if "hashtag" in classes or attributes.get("rel") == "tag" else (
                "mention" if "mention" in classes else "link")
            self.links.append({"href": attributes.get("href") or "", "kind": kind, "text": []})

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)

    def handle_endtag(self, tag):
        self.depth = max(self.depth - 1, 0)
        if tag in DROPPED:
            self.dropping = max(self.dropping - 1, 0)
        elif self.dropping:
            return
        elif tag in BLOCKS:
            self._emit("\n\n")
        elif tag == "a" and self.links:
            self._close_link(self.links.pop())

    def handle_data(self, data):
        if not self.dropping:
            self._emit(data)

    def _emit(self, text: str) -> None:
        (self.links[-1]["text"] if self.links else self.parts).append(text)

    def _close_link(self, link: dict) -> None:
        text = "".join(link["text"])
        visible = " ".join(text.split())
        href = link["href"]
        if link["kind"] == "mention" and is_web_url(href) and visible.count("@") == 1:
            # '@ben' linking to https://third.example/@ben is @ben@third.example.
            self._emit(f"{visible}@{urlsplit(href).hostname}")
        elif link["kind"] != "link" or not is_web_url(href):
            self._emit(text)
        elif not visible or same_link(visible, href):
            self._emit(href)
        else:
            self._emit(f"{text} ({href})")


def same_link(visible: str, href: str) -> bool:
    """True when the visible text is the URL itself, perhaps shortened ('example.com/pa…')."""
    bare = re.sub(r"^https?://(www\.)?", "", href)
    shown = re.sub(r"^https?://(www\.)?", "", visible).rstrip("…").rstrip(".")
    return bool(shown) and bare.startswith(shown)


def html_to_text(html: str) -> str:
    """Plain text of an HTML fragment: paragraphs as blank lines, <br> as line breaks."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    while parser.links:
        parser._close_link(parser.links.pop())
    text = "".join(parser.parts).replace("\r\n", "\n").replace("\xa0", " ")
    lines = [line.rstrip() for line in text.split("\n")]
    text = "\n".join(lines)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()
