"""A last look at the rendered pages before they replace the live site.

Templates escape everything, so these checks should never fire; they are the
net under that promise: no inline script or event handler (only the site's own
script files), no resource from another host, no link with a scheme other than
http, https or mailto.  Pages are parsed
with lexbor, an HTML5 parser that reads markup the way browsers do.
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser

LINK_SCHEMES = {"http", "https", "mailto"}
FORBIDDEN_TAGS = {"iframe", "object", "embed", "base", "frame", "frameset", "applet", "svg", "math",
                  "style", "noscript", "template"}
LOADING_ATTRIBUTES = {"src", "srcset", "imagesrcset", "action", "formaction", "poster", "data",
                      "cite", "background", "ping"}
NEVER_ATTRIBUTES = {"style", "srcdoc"}


C0_CONTROL_OR_SPACE = "".join(chr(code) for code in range(0x21))
TAB_OR_NEWLINE = str.maketrans("", "", "\t\n\r")
SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")
KNOWN_SCHEMES = (("https://", "https"), ("http://", "http"), ("mailto:", "mailto"))  # what templates write


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
    return not value.startswith(("//", "\\", "/\\")) and not _scheme(value)


HARMLESS_ATTRIBUTES = {"class", "id", "lang", "alt", "width", "height", "loading", "decoding", "datetime",
                       "aria-labelledby", "aria-label", "aria-current", "aria-live", "rel", "type", "title",
                       "role", "content", "name", "charset", "property", "sizes", "for", "method", "hidden"}


def _attribute_problem(tag: str, name: str, value: str, rel: str) -> str | None:
    if name in HARMLESS_ATTRIBUTES:
        return None
    if name.startswith("on") or name in NEVER_ATTRIBUTES:
        return f"<{tag} {name}> is not allowed"
    if name in LOADING_ATTRIBUTES:
        parts = value.split(",") if "srcset" in name else [value]
        if not all(_is_relative(part.strip().split(" ")[0]) for part in parts):
            return f"<{tag} {name}> loads from another host: {value[:80]!r}"
    elif name == "href" and not _is_relative(value):
        scheme = _scheme(value)
        # <link> loads what its rel asks for; canonical and alternate load nothing.
        loads = tag == "link" and rel not in ("canonical", "alternate")
        if scheme not in LINK_SCHEMES or loads:
            return f"<{tag} href> not allowed: {value[:80]!r}"
    return None


def _own_script(node) -> bool:
    """A script element that loads one of the site's own files and holds no code itself."""
    source = (node.attributes.get("src") or "").strip()
    return bool(source) and _is_relative(source) and "static/" in source and source.endswith(".js") \
        and not node.text(deep=True).strip()


def check_page(path: str, text: str | bytes) -> list[str]:
    """Problems in one HTML page (bytes are read as UTF-8)."""
    problems: list[str] = []
    has_csp = False
    for node in LexborHTMLParser(text).root.traverse():
        tag = node.tag
        if tag in FORBIDDEN_TAGS:
            problems.append(f"{path}: <{tag}> is not allowed")
        if tag == "script" and not _own_script(node):
            problems.append(f"{path}: <script> is allowed only as a file of the site's static/ folder")
        attributes = node.attributes
        if not attributes:
            continue
        if tag == "meta" and attributes.get("http-equiv") == "Content-Security-Policy":
            has_csp = True
        rel = attributes.get("rel") or ""
        for name, value in attributes.items():
            if name in HARMLESS_ATTRIBUTES:
                continue
            problem = _attribute_problem(tag, name, value or "", rel)
            if problem:
                problems.append(f"{path}: {problem}")
    if not has_csp:
        problems.append(f"{path}: no Content-Security-Policy meta tag")
    return problems


def verify_site(files: dict[str, str]) -> list[str]:
    """Problems in the rendered HTML pages; an empty list means safe to publish."""
    problems: list[str] = []
    for path, text in sorted(files.items()):
        if path.endswith(".html"):
            problems.extend(check_page(path, text))
    return problems
