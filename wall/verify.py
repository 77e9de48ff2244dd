"""A last look at the rendered pages before they replace the live site.

Templates escape everything, so these checks should never fire; they are the
net under that promise: no inline script or event handler (only the site's own
script files), no resource from another host, no link with a scheme other than
http, https or mailto, no <meta http-equiv> but the policy (a refresh would lead
away), no attribute the templates do not write.  Pages are parsed with lexbor, an
HTML5 parser that reads markup the way browsers do; URLs are read the way browsers
read them too.  Parts shared by many pages (cards, header, footer) are checked once
each: see SafetyNet.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import NamedTuple

from selectolax.lexbor import LexborHTMLParser

from .composed import PLACE_START, PLACE_TAG, Composed, Part, mark_number, place

LINK_SCHEMES = {"http", "https", "mailto"}
FORBIDDEN_TAGS = {"iframe", "object", "embed", "base", "frame", "frameset", "applet", "svg", "math",
                  "style", "noscript", "template"}
LOADING_ATTRIBUTES = {"src", "srcset", "imagesrcset", "action", "formaction", "poster", "data",
                      "cite", "background", "ping"}
NEVER_ATTRIBUTES = {"style", "srcdoc"}
START_TAG, END_TAG = "wall-part-start", "wall-part-end"  # around a shared part checked in its first page
MARK_TAGS = {PLACE_TAG, START_TAG, END_TAG}
PLAIN_ANCESTORS = {"body", "main", "div", "section", "article"}
# Inside these the parser reads markup by other rules (and drops or moves what it reads).
MODE_CHANGERS = {"table", "caption", "colgroup", "col", "tbody", "thead", "tfoot", "tr", "td", "th", "select"}
SPECIAL_TAGS = FORBIDDEN_TAGS | MARK_TAGS | MODE_CHANGERS | {"script"}
# The parser keeps these tags' state for the whole page: after an open <form> it drops the next
# <form> with its attributes (until a </form>), a <body> or <html> tag in the body only adds the
# attributes not set yet, and a <frameset> is dropped once the page has a <body> tag or text,
# else it replaces the body.  In a shared part, what the page around it hid where it was checked
# would count on other pages, and a </form> would undo what the skeleton's <form> hides there.
PAGE_STATE_TAG = re.compile(r"<(form|/form|body|html|frameset)(?=[\t\n\f\r />]|$)", re.IGNORECASE)
CHECKED_WINDOW = 6_000  # shared parts remembered as checked: pages showing a part come close together


C0_CONTROL_OR_SPACE = "".join(chr(code) for code in range(0x21))
TAB_OR_NEWLINE = str.maketrans("", "", "\t\n\r")
SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")
KNOWN_SCHEMES = (("https://", "https"), ("http://", "http"), ("mailto:", "mailto"))  # what templates write
LINK_PREFIXES = tuple(prefix for prefix, scheme in KNOWN_SCHEMES if scheme in LINK_SCHEMES)


def _scheme(value: str) -> str:
    """The URL's scheme, lower case, as a browser's URL parser finds it; '' for a relative URL."""
    value = value.strip(C0_CONTROL_OR_SPACE)
    if ":" not in value:  # most links: no scheme to look for
        return ""
    for prefix, scheme in KNOWN_SCHEMES:
        if value.startswith(prefix):
            return scheme
    head = value.partition(":")[0].translate(TAB_OR_NEWLINE)  # browsers drop these anywhere in a URL
    return head.lower() if SCHEME.fullmatch(head) else ""


def _is_relative(value: str) -> bool:
    value = value.strip(C0_CONTROL_OR_SPACE)
    if "\t" in value or "\n" in value or "\r" in value:  # browsers drop them: '/\t/host' is '//host'
        value = value.translate(TAB_OR_NEWLINE)
    return not value.startswith(("//", "\\", "/\\")) and not _scheme(value)


SINGLE_URL_ATTRIBUTES = {"href", "src"}  # hold one URL (unlike srcset and ping)
# http-equiv="refresh" would send visitors elsewhere, and no policy forbids it; set-cookie and the
# like have no place in a static page either.
ALLOWED_HTTP_EQUIV = {"content-security-policy", "content-type"}
UTF8 = re.compile(r"charset\s*=\s*[\"']?utf-?8[\"']?\s*$", re.IGNORECASE)  # another encoding turns bytes into markup
HARMLESS_ATTRIBUTES = {"class", "id", "lang", "alt", "width", "height", "loading", "decoding", "datetime",
                       "aria-labelledby", "aria-label", "aria-current", "aria-live", "rel", "type", "title",
                       "role", "content", "name", "charset", "property", "sizes", "for", "method", "hidden",
                       "data-n", "dir", "autocomplete", "spellcheck", "defer", "controls", "preload"}
# Any other attribute is refused: browsers keep adding ones that load (attributionsrc), so a list
# of those can never be complete, while the attributes the templates write can.  data-* and
# aria-* only hold values for scripts and screen readers.
INERT_PREFIXES = ("data-", "aria-")


def _attribute_problem(tag: str, name: str, value: str, attributes: dict) -> str | None:
    if name in HARMLESS_ATTRIBUTES:
        return None
    if name.startswith("on") or name in NEVER_ATTRIBUTES:
        return f"<{tag} {name}> is not allowed"
    if name == "http-equiv":
        kind = value.strip().lower()
        other_encoding = kind == "content-type" and not UTF8.search(attributes.get("content") or "")
        if kind not in ALLOWED_HTTP_EQUIV or other_encoding:
            return f"<{tag} http-equiv> not allowed: {value[:80]!r}"
    if name in LOADING_ATTRIBUTES:
        if not all(_is_relative(address) for address in _addresses(name, value)):
            return f"<{tag} {name}> loads from another host: {value[:80]!r}"
    elif name == "href" and not _is_relative(value):
        scheme = _scheme(value)
        # <link> loads what its rel asks for; canonical and alternate load nothing.
        loads = tag == "link" and attributes.get("rel") not in ("canonical", "alternate")
        if scheme not in LINK_SCHEMES or loads:
            return f"<{tag} href> not allowed: {value[:80]!r}"
    elif name not in ("href", "http-equiv") and not name.startswith(INERT_PREFIXES):
        return f"<{tag} {name}> is not an attribute the wall's templates write"
    return None


def _addresses(name: str, value: str) -> list[str]:
    """The URLs a loading attribute holds: srcset lists 'url 2x' by commas, ping is space-separated."""
    if "srcset" in name:
        return [part.strip().split(" ")[0] for part in value.split(",")]
    return value.split() if name == "ping" else [value]


def _own_script(node) -> bool:
    """A script element that loads one of the site's own files and holds no code itself."""
    source = (node.attributes.get("src") or "").strip()
    return bool(source) and _is_relative(source) and "static/" in source and source.endswith(".js") \
        and not node.text(deep=True).strip()


def check_page(path: str, text: str | bytes) -> list[str]:
    """Problems in one HTML page (bytes are read as UTF-8)."""
    problems, marks, _ = _inspect(path, text)
    if marks:
        problems.append(f"{path}: <{marks[0].tag}> is a mark of the build, not allowed in a page")
    return problems


class _Mark(NamedTuple):
    """Where a shared part sits in a page checked by SafetyNet."""

    tag: str  # PLACE_TAG, START_TAG or END_TAG
    number: str  # its data-n
    parent: int  # the parent element's identity
    plain: bool  # every element around it is one of PLAIN_ANCESTORS


def _inspect(path: str, text: str | bytes) -> tuple[list[str], list[_Mark], list[str]]:
    """(problems, the marks of shared parts, the elements that change how markup is read)."""
    problems: list[str] = []
    marks: list[_Mark] = []
    mode_changers: list[str] = []
    has_csp = False
    plain_parents: dict[int, bool] = {}  # an element's identity -> it and every element around it are plain
    for node in LexborHTMLParser(text).root.traverse():
        tag = node.tag
        attributes = node.attributes
        if tag in SPECIAL_TAGS:
            _special(path, tag, node, attributes, problems, marks, mode_changers, plain_parents)
        if not attributes:
            continue
        if tag == "meta" and attributes.get("http-equiv") == "Content-Security-Policy":
            has_csp = has_csp or node.parent.tag == "head"  # a policy is only obeyed there
        for name, value in attributes.items():
            if name in HARMLESS_ATTRIBUTES or (name in SINGLE_URL_ATTRIBUTES and value and value[0] == "."):
                continue  # '../x' and './x' stay on the site: no scheme starts with '.'
            if tag == "a" and name == "href" and value and value.startswith(LINK_PREFIXES):
                continue  # a link to another site or a mail address, as templates write them
            problem = _attribute_problem(tag, name, value or "", attributes)
            if problem:
                problems.append(f"{path}: {problem}")
    if not has_csp:
        problems.append(f"{path}: no Content-Security-Policy meta tag")
    return problems, marks, mode_changers


def _special(path: str, tag: str, node, attributes: dict, problems: list[str], marks: list[_Mark],
             mode_changers: list[str], plain_parents: dict[int, bool]) -> None:
    if tag in FORBIDDEN_TAGS:
        problems.append(f"{path}: <{tag}> is not allowed")
    elif tag == "script" and not _own_script(node):
        problems.append(f"{path}: <script> is allowed only as a file of the site's static/ folder")
    elif tag in MARK_TAGS:
        parent = node.parent
        identity = parent.mem_id
        if identity not in plain_parents:  # the marks in a page share a few parents
            plain_parents[identity] = _plain_ancestors(parent)
        marks.append(_Mark(tag, attributes.get("data-n") or "", identity, plain_parents[identity]))
    elif tag in MODE_CHANGERS:
        mode_changers.append(tag)


def _plain_ancestors(node) -> bool:
    """True when node and every element around it (up to <html>) are PLAIN_ANCESTORS."""
    while node is not None and node.tag != "html":
        if node.tag not in PLAIN_ANCESTORS:
            return False
        node = node.parent
    return True


class SafetyNet:
    """check_page for pages made of a skeleton and shared parts (see composed.py), each part
    checked once per process rather than on every page that shows it.

    A part is checked inside the first page that shows it, between a start and an end mark
    that must have the same parent: then it closes everything it opens (an element, a
    comment, an attribute's quotes) and cannot change how the markup after it is read, but
    for a '<' at its very end: before the end mark it stays text, before the page's text it
    may open a tag.  Such a part, or a skeleton with a '<' just before a place, is refused.
    Later pages show it as one mark, and the skeleton around it is checked as ever.  Each
    part has one place in the skeleton, and only the build's own marks count: they hold a
    secret of the build, so one written in a part or in the skeleton cannot stand for a part
    not in the page, or for a place hidden in a comment.
    Where a part sits, only plain containers may be around it, and nowhere in such a page is a
    table or a select: inside those (or in SVG, template and the like, which are forbidden
    anyway) the parser reads the same markup differently, so a part checked in one place
    could mean something else in another.  Nor may a part hold a <form>, </form>, <body>,
    <html> or <frameset> tag (as shown, after its root mark is replaced): how the parser reads
    those depends on what came before them anywhere in the page.
    """

    def __init__(self, window: int = CHECKED_WINDOW):
        self.window = window
        self._checked: dict[tuple[str, str], None] = {}  # (part text, root kind), oldest first

    def problems(self, path: str, made: str | bytes | Composed) -> list[str]:
        """Problems in one page; made: its text, or the page composed of parts."""
        if not isinstance(made, Composed):
            return check_page(path, made)
        keys = [_part_key(part) for part in made.parts]
        fresh = {number for number, key in enumerate(keys) if key not in self._checked}
        placed: list[int] = []

        def fill(number: int) -> str:
            placed.append(number)
            return _marked(number, made, fresh)

        try:
            document = made.filled(fill)
        except (ValueError, IndexError):
            return [f"{path}: a place for a shared part is malformed"]
        if sorted(placed) != list(range(len(keys))):
            return [f"{path}: each shared part needs one place in the skeleton"]
        shown = [str(made.parts[number]) for number in sorted(fresh)]  # as the page has them
        problems, marks, mode_changers = _inspect(path, document)
        problems += _mark_problems(path, marks, len(keys), fresh)
        problems += _page_state_problems(path, shown)
        problems += _edge_problems(path, made.skeleton, shown)
        if mode_changers:
            problems.append(f"{path}: <{mode_changers[0]}> is not allowed in a page made of shared parts")
        if not problems:
            for number in fresh:
                self._remember(keys[number])
        return problems

    def _remember(self, key: tuple[str, str]) -> None:
        if len(self._checked) >= self.window:
            del self._checked[next(iter(self._checked))]
        self._checked[key] = None


def _part_key(part: Part) -> tuple[str, str]:
    # Behind '', a part's '//host' would leave the site; behind '../' and any number of them,
    # every link stays relative.  Any other root is its own kind.
    root = part.root
    kind = "up" if root and root == "../" * (len(root) // 3) else root
    return part.text, kind


def _marked(number: int, made: Composed, fresh: set[int]) -> str:
    if number not in fresh:
        return place(number)
    return (f'<{START_TAG} data-n="{mark_number(number)}"></{START_TAG}>{made.parts[number]}'
            f'<{END_TAG} data-n="{mark_number(number)}"></{END_TAG}>')


def _page_state_problems(path: str, texts: list[str]) -> list[str]:
    found = {match.group(1).lower() for text in texts for match in PAGE_STATE_TAG.finditer(text)}
    return [f"{path}: <{tag}> is not allowed in a shared part (the page around it changes how it is read)"
            for tag in sorted(found)]


def _edge_problems(path: str, skeleton: str, shown: list[str]) -> list[str]:
    """shown: the text of each part checked here."""
    # A '<' just before a part, or at the end of one, opens a tag with the text after the edge;
    # where the net reads it, a mark follows instead, and the '<' stays text.
    if "<" + PLACE_START in skeleton or any(text.endswith("<") for text in shown):
        return [f"{path}: a '<' at the edge of a shared part would make a tag of the text after it"]
    return []


def _mark_problems(path: str, marks: list[_Mark], count: int, fresh: set[int]) -> list[str]:
    # Each mark once: a start and an end for a part checked here, a place for the others.
    # Marks hold the build's secret: one written in a part or in the skeleton matches none, and
    # cannot stand for a part not in the page, or for a place hidden in a comment or an attribute.
    expected = {(PLACE_TAG, mark_number(number)): 1 for number in range(count) if number not in fresh}
    for number in fresh:
        expected[START_TAG, mark_number(number)] = expected[END_TAG, mark_number(number)] = 1
    found = Counter((mark.tag, mark.number) for mark in marks)
    problems = []
    if dict(found) != expected:
        problems.append(f"{path}: shared parts are not where they belong (inside an attribute or text?)")
    if not all(mark.plain for mark in marks if mark.tag != END_TAG):
        problems.append(f"{path}: a shared part sits inside an element other than {sorted(PLAIN_ANCESTORS)}")
    starts = {mark.number: mark.parent for mark in marks if mark.tag == START_TAG}
    if any(starts.get(mark.number) != mark.parent for mark in marks if mark.tag == END_TAG):
        problems.append(f"{path}: a shared part leaves an element, a comment or an attribute open")
    return problems


def verify_site(files: dict[str, str]) -> list[str]:
    """Problems in the rendered HTML pages; an empty list means safe to publish."""
    problems: list[str] = []
    for path, text in sorted(files.items()):
        if path.endswith(".html"):
            problems.extend(check_page(path, text))
    return problems
