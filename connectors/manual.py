"""Manual posts: files that editors write into content/posts/manual/ (see docs/sources/manual.md).

Nothing is fetched; the connector exists so that a `manual` source can be named in
config.yaml.  `generate.py add URL` scaffolds such a file from a page's Open Graph data.
"""

from __future__ import annotations

from typing import Sequence

from wall.post import Post

from .base import FetchResult, SourceContext, SourceSettings


class ManualConnector:
    """Fetches nothing: manual posts are written by hand."""

    type = "manual"
    Settings = SourceSettings
    default_api_base = ""
    needs_token = False

    def __init__(self, settings: SourceSettings, context: SourceContext):
        self.settings = settings
        self.context = context

    def fetch(self, known: Sequence[Post]) -> FetchResult:
        """Nothing to fetch; the editors' files are already in content/."""
        return FetchResult()
