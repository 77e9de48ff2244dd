"""URL checks: only http and https ever become links, parsed, never pattern-guessed."""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit, urlunsplit

_CONTROL_OR_SPACE = re.compile(r"[\x00-\x20\x7f-\x9f\s]")
_SAFE_NAME = re.compile(r"[^a-z0-9._-]")


# The shape nearly every address has ('https://host/path?query'), recognised without parsing it.
# urlsplit accepts everything this accepts (tests/test_urls.py compares the two on many odd
# addresses); whatever it does not match is parsed.
_PLAIN_WEB_URL = re.compile(r"https?://[A-Za-z0-9.-]+(?:[/?#][!-~]*)?")


def is_web_url(value: object) -> bool:
    """True for an absolute http(s) URL with a host and no spaces or control characters."""
    if isinstance(value, str) and _PLAIN_WEB_URL.fullmatch(value):
        return True
    return parsed_as_web_url(value)


def parsed_as_web_url(value: object) -> bool:
    """is_web_url's answer, found by parsing the URL."""
    if not isinstance(value, str) or not value or _CONTROL_OR_SPACE.search(value):
        return False
    try:
        parts = urlsplit(value)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and port_ok


def href(url: str) -> str:
    """An http(s) URL as it may stand in an href: characters HTML does not allow there percent-encoded."""
    parts = urlsplit(url)
    safe = "-._~!$&'()*+,;=:@/%"
    return urlunsplit((parts.scheme, parts.netloc, quote(parts.path, safe), quote(parts.query, safe + "?"),
                       quote(parts.fragment, safe + "?")))


def host_of(url: str) -> str:
    """The lower-case host of a URL, '' when there is none."""
    try:
        return (urlsplit(url).hostname or "").lower().rstrip(".")
    except ValueError:
        return ""


def host_matches(host: str, domain: str) -> bool:
    """True when host is domain or one of its subdomains."""
    domain = domain.lower().strip(".")
    return bool(domain) and (host == domain or host.endswith("." + domain))


def safe_name(value: str) -> str:
    """A file-name-safe form: lower-case, only a-z 0-9 . _ - (others become '-')."""
    name = _SAFE_NAME.sub("-", value.lower())
    # Leading dots would hide the file or climb directories ('..').
    name = name.lstrip(".") or "-"
    return name[:150]


def display_url(url: str, limit: int = 40) -> str:
    """A short label for a long URL: host and path, cut with an ellipsis."""
    label = re.sub(r"^https?://(www\.)?", "", url)
    return label if len(label) <= limit else label[: limit - 1] + "…"


def comparable(url: str) -> str:
    """url as two addresses of the same page compare: scheme and host in lower case, no
    trailing slash, no fragment."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path.rstrip("/"), parts.query, ""))
