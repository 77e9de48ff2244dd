"""Feeds on a loopback server: ETag and Last-Modified with 304s, moved and gone feeds, images.

The feed documents are the files in fixtures/feeds/ (each says what it holds and what to
expect), with `{base}` replaced by the fake's address.  The checklist is §7.4 of
../shared/reference/platform-apis.md.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

from .conftest import ROOT, webp_bytes
from .fakes import FakeServer, Reply, Request

FIXTURES = ROOT / "tests" / "fixtures" / "feeds"
RSS = "application/rss+xml; charset=utf-8"
ATOM = "application/atom+xml; charset=utf-8"


@dataclass
class FeedFake:
    """Feeds and images on one fake server; tests change them between runs."""

    server: FakeServer
    documents: dict[str, tuple[bytes, str]] = field(default_factory=dict)  # name -> body, content type
    versions: dict[str, int] = field(default_factory=dict)  # name -> how often it was published
    moved: dict[str, str] = field(default_factory=dict)  # name -> new name, answered with 301
    replies: dict[str, Reply] = field(default_factory=dict)  # name -> fixed answer (failures)
    etags: bool = True  # False: only Last-Modified is sent
    not_modified: int = 0  # 304s answered

    def __post_init__(self) -> None:
        self.server.route("GET", r"/feeds/(?P<name>[^/]+)")(self.feed)
        self.server.route("GET", r"/img/(?P<name>[^/]+)")(self.image)

    @property
    def base(self) -> str:
        return self.server.base_url

    def url(self, name: str) -> str:
        return f"{self.base}/feeds/{name}"

    def publish(self, name: str, text: str, content_type: str = RSS) -> str:
        """Serve text (with {base} filled in) as feed `name`; return its URL."""
        self.documents[name] = (text.replace("{base}", self.base).encode("utf-8"), content_type)
        self.versions[name] = self.versions.get(name, 0) + 1
        return self.url(name)

    def publish_fixture(self, name: str, fixture: str, content_type: str = RSS,
                        changes: dict[str, str] | None = None) -> str:
        """Serve fixtures/feeds/<fixture>, with each old -> new of changes applied."""
        text = (FIXTURES / fixture).read_text(encoding="utf-8")
        for old, new in (changes or {}).items():
            assert old in text, old
            text = text.replace(old, new)
        return self.publish(name, text, content_type)

    def validators(self, name: str) -> dict[str, str]:
        body, _ = self.documents[name]
        moment = datetime(2020, 3, 25, 9, tzinfo=timezone.utc) + timedelta(hours=self.versions[name])
        headers = {"Last-Modified": format_datetime(moment, usegmt=True)}
        if self.etags:
            headers["ETag"] = f'"{hashlib.sha256(body).hexdigest()[:16]}"'
        return headers

    def feed(self, request: Request) -> Reply:
        name = request.groups["name"]
        if name in self.replies:
            return self.replies[name]
        if name in self.moved:
            return Reply(301, b"", {"Location": self.url(self.moved[name])})
        if name not in self.documents:
            return Reply.text("<html><body>Nicht gefunden</body></html>", 404)
        body, content_type = self.documents[name]
        headers = self.validators(name)
        if self._unchanged(request, headers):
            self.not_modified += 1
            return Reply(304, b"", headers)
        return Reply(200, body, {"Content-Type": content_type, **headers})

    @staticmethod
    def _unchanged(request: Request, headers: dict[str, str]) -> bool:
        if "if-none-match" in request.headers:
            return request.headers["if-none-match"] == headers.get("ETag")
        return request.headers.get("if-modified-since") == headers["Last-Modified"]

    def image(self, request: Request) -> Reply:
        name = request.groups["name"]
        if name.startswith("fake"):  # an HTML page that claims to be a JPEG
            return Reply(200, b"<html><script>alert(1)</script></html>", {"Content-Type": "image/jpeg"})
        shade = hashlib.sha256(name.encode()).digest()
        return Reply(200, webp_bytes(60, 40, color=tuple(shade[:3])), {"Content-Type": "image/webp"})
