"""RFC 8288 Link headers, as Mastodon pages its timelines."""

from __future__ import annotations

import re

_LINK = re.compile(r"<([^>]*)>\s*((?:;\s*[^;,]+)*)")


def next_link(header: str, rel: str) -> str | None:
    """The URL of the link with the given rel in a Link header, None when absent."""
    for match in _LINK.finditer(header or ""):
        params = match.group(2)
        rels = re.search(r'rel\s*=\s*"?([^";]+)"?', params)
        if rels and rel in rels.group(1).split():
            return match.group(1)
    return None
