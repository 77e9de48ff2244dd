"""Post text as data for templates: paragraphs of lines of segments, never markup."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .platforms import PLATFORMS
from .urls import display_url, href, is_web_url

_URL = r"https?://[^\s<>\"'`\\^{}|]+"
# Each token starts with 'h', '#' or '@', which lets the regex engine skip the text between
# tokens (three times as fast): the check of the character before '#' and '@' comes after them.
_TOKENS = re.compile(
    f"(?P<url>{_URL})"
    r"|#(?<![\w#&/]#)(?P<tag>\w[\w·-]*\w|\w)"
    r"|@(?<![\w@/.]@)(?P<who>[A-Za-z0-9_][A-Za-z0-9_.-]*(?:@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)?)")
_TRAILING = ".,;:!?'\"»«“”‘’…"
MAX_LINKED_URL = 2000  # characters; a longer one stays text (sitemaps and old browsers stop at about 2,000)
# Bidirectional overrides and isolates can reorder the page around a post ("Trojan Source");
# control characters and non-characters are invalid in HTML and XML.
_UNSHOWABLE = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f"
                         "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
_SURROGATE = re.compile("[\ud800-\udfff]")  # half of a pair: no character, and no file can hold it


@dataclass(frozen=True)
class Segment:
    """A piece of a line: plain text, or a link of some kind."""

    kind: str  # 'text', 'link', 'hashtag' or 'mention'
    text: str  # what is shown
    href: str = ""  # where it leads; only ever http(s)


def _trim_url(url: str) -> str:
    """The URL without trailing punctuation, nor closing brackets that it does not open."""
    opened, closed = url.count("("), url.count(")")
    end = len(url)
    while end and (url[end - 1] in _TRAILING or (url[end - 1] == ")" and opened < closed)):
        closed -= url[end - 1] == ")"
        end -= 1
    return url[:end]


def find_urls(text: str) -> list[str]:
    """The http(s) URLs in a text, as the wall would link them."""
    return [url for url in (_trim_url(match) for match in re.findall(_URL, text)) if is_web_url(url)]


def clean_text(text: str) -> str:
    """Text without bidi or control characters, for anything shown to visitors; a lone
    surrogate (JSON can escape one) becomes the replacement character."""
    return _SURROGATE.sub("\ufffd", _UNSHOWABLE.sub("", text))


def one_line(text: str) -> str:
    """clean_text on one line: every kind of line break (a lone CR, U+2028 ...) becomes a space."""
    return " ".join(clean_text(text).split())


def segments(line: str, platform: str, post_url: str) -> list[Segment]:
    """Split one line into text, link, hashtag and mention segments."""
    found: list[Segment] = []
    position = 0
    for match in _TOKENS.finditer(line):
        segment, end = _segment_for(match, platform, post_url)
        if segment is None:
            continue
        if match.start() > position:
            found.append(Segment("text", line[position:match.start()]))
        found.append(segment)
        position = end
    if position < len(line):
        found.append(Segment("text", line[position:]))
    return _merge_text(found)


def _segment_for(match: re.Match, platform: str, post_url: str) -> tuple[Segment | None, int]:
    if match.group("url"):
        url = _trim_url(match.group("url"))
        if len(url) > MAX_LINKED_URL or not is_web_url(url):
            return None, 0
        return Segment("link", display_url(url), href(url)), match.start() + len(url)
    info = PLATFORMS.get(platform)
    if match.group("tag"):
        tag = match.group("tag")
        link = info.hashtag_link(tag, post_url) if info else ""
        return (Segment("hashtag", "#" + tag, link) if link else None), match.end()
    who = match.group("who").rstrip(".-")
    link = info.mention_link(who, post_url) if info else ""
    return (Segment("mention", "@" + who, link) if link else None), match.start() + 1 + len(who)


def _merge_text(found: list[Segment]) -> list[Segment]:
    merged: list[Segment] = []
    for segment in found:
        if merged and segment.kind == "text" and merged[-1].kind == "text":
            merged[-1] = Segment("text", merged[-1].text + segment.text)
        else:
            merged.append(segment)
    return merged


def paragraphs(text: str, platform: str, post_url: str) -> list[list[list[Segment]]]:
    """Paragraphs (split at blank lines) of lines of segments."""
    blocks = re.split(r"\n[ \t]*\n+", clean_text(text).replace("\r\n", "\n").strip("\n"))
    return [[segments(line, platform, post_url) for line in block.split("\n")]
            for block in blocks if block.strip()]


def text_start(text: str, limit: int) -> str:
    """The start of text, at most limit characters, ending after a whole word with '…'.

    Cut at a space, a link stays whole (a link cut short would lead elsewhere); a first word
    longer than limit is cut inside, unless it is a link: then nothing of it is shown.
    """
    if len(text) <= limit:
        return text
    whole_words = re.match(r"(.*\S)\s", text[:limit + 1], re.DOTALL)  # up to the last space within limit
    if whole_words:
        kept = whole_words.group(1)
    else:
        first = text[:limit].strip()
        kept = "" if _is_link(first) else first
    last = kept.rsplit(maxsplit=1)[-1] if kept.strip() else ""
    return (kept if _is_link(last) else kept.rstrip(",;:.-– \n")) + "…"  # a link keeps its last character


def _is_link(word: str) -> bool:
    return "://" in word or word.lower().startswith("www.")


def excerpt(text: str, limit: int = 80) -> str:
    """The start of a text on one line, cut at a word with an ellipsis."""
    flat = _on_one_line(clean_text(text))
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1].rsplit(" ", 1)[0] if " " in flat[: limit - 1] else flat[: limit - 1]
    return cut.rstrip(",;:.-– ") + "…"


def _on_one_line(text: str) -> str:
    """The lines of a text joined; one ending in a letter or digit gets a dash after it.

    A heading line such as "… eine erste Zwischenbilanz" would otherwise run into the next.
    """
    lines = [flat for line in text.splitlines() if (flat := " ".join(line.split()))]
    return " ".join(f"{line} –" if line[-1].isalnum() and number < len(lines) else line
                    for number, line in enumerate(lines, 1))
