"""A fake Threads Graph API on loopback: keyword search (TAG, RECENT) with cursor paging and `until`,
media objects by id, Graph error bodies, and CDN media whose URLs are signed anew on each read.

Shapes follow the Threads API documentation (developers.facebook.com/docs/threads:
keyword search, media retrieval) and the Graph conventions of
../shared/reference/platform-apis.md §5.4.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode

from .conftest import webp_bytes
from .fakes import FakeServer, Reply, Request

VERSION = "v1.0"


def graph_error(status: int, code: int, message: str, subcode: int | None = None,
                kind: str = "OAuthException") -> Reply:
    """A Graph error body; the optional keys are left out rather than sent as null."""
    body: dict = {"message": message, "type": kind, "code": code, "fbtrace_id": "AbCdEf123"}
    if subcode is not None:
        body["error_subcode"] = subcode
    return Reply.json({"error": body}, status)


EXPIRED = graph_error(400, 190, "Error validating access token: Session has expired on Tuesday, "
                                "31-Mar-20 10:00:00 PDT. The current time is Wednesday, 01-Apr-20 05:00:00 PDT.",
                      subcode=463)


@dataclass
class ThreadsFake:
    """The state of the fake API; tests change it between runs."""

    server: FakeServer
    threads: list[dict] = field(default_factory=list)  # newest first, as RECENT orders them
    deleted: set[str] = field(default_factory=set)  # ids answered like a deleted object
    page_size: int = 2  # the server's own cap, so paging is exercised
    token: str = "secret"
    fail_with: Reply | None = None  # answer every search request with this
    until: str = "honoured"  # the search's `until` (unix time, inclusive): 'honoured', 'refused' or 'ignored'
    signatures: int = 0  # CDN URLs carry a signature that changes on every read

    def __post_init__(self) -> None:
        self.server.route("GET", rf"/{VERSION}/keyword_search")(self.search)
        self.server.route("GET", rf"/{VERSION}/(?P<id>\d+)")(self.media_object)
        self.server.route("GET", r"/cdn/(?P<name>[^/]+)")(self.cdn)

    @property
    def base(self) -> str:
        return self.server.base_url

    def add(self, number: int, text: str = "Ich biete Hilfe #EssenArbeitetZusammen", **extra) -> dict:
        """Add a thread with `number` (larger is newer) and keep the newest first."""
        thread = make_thread(number, text, **extra)
        self.threads.append(thread)
        self.threads.sort(key=lambda t: t["timestamp"], reverse=True)
        return thread

    def refused(self, request: Request) -> Reply | None:
        if "access_token" in request.query:
            return graph_error(400, 100, "The fake wants the token in a header, never in a URL")
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return EXPIRED
        return None

    def search(self, request: Request) -> Reply:
        if self.fail_with is not None:
            return self.fail_with
        if refused := self.refused(request):
            return refused
        if (request.arg("search_mode"), request.arg("search_type")) != ("TAG", "RECENT") or not request.arg("q"):
            return graph_error(400, 100, "(#100) Invalid parameter")
        if request.arg("until") and self.until == "refused":
            return graph_error(400, 100, "(#100) Param until is not a valid parameter")
        until = int(request.arg("until") or 0) if self.until == "honoured" else 0
        tag = request.arg("q").casefold()
        # Loosely, as a search does: a shorter related tag ('Essen' for 'EssenArbeitetZusammen') matches too.
        matching = [self.signed(t) for t in self.threads
                    if (tag.startswith(t.get("topic_tag", "\0").casefold()) or f"#{tag}" in t["text"].casefold())
                    and (not until or _epoch(t["timestamp"]) <= until)]
        start = int(base64.b64decode(request.arg("after", "") or "MA==").decode())
        limit = min(int(request.arg("limit", "25")), self.page_size)
        page = matching[start:start + limit]
        cursors = {"before": _cursor(start), "after": _cursor(start + len(page))}
        paging: dict = {"cursors": cursors}
        if start + limit < len(matching):  # Graph puts the token into `next`; clients must not follow it blindly
            query = urlencode({"q": request.arg("q"), "after": cursors["after"], "access_token": self.token})
            paging["next"] = f"https://graph.threads.net/{VERSION}/keyword_search?{query}"
        return Reply.json({"data": page, "paging": paging})

    def media_object(self, request: Request) -> Reply:
        if refused := self.refused(request):
            return refused
        thread_id = request.groups["id"]
        found = [t for t in self.threads if t["id"] == thread_id]
        if thread_id in self.deleted or not found:
            return graph_error(400, 100, f"Unsupported get request. Object with ID '{thread_id}' does not "
                                         "exist, cannot be loaded due to missing permissions, or does not "
                                         "support this operation", subcode=33, kind="GraphMethodException")
        return Reply.json(self.signed(found[0]))

    def cdn(self, request: Request) -> Reply:
        if request.groups["name"].startswith("fake"):  # an HTML page that claims to be a JPEG
            return Reply(200, b"<html><script>alert(1)</script></html>", {"Content-Type": "image/jpeg"})
        return Reply(200, webp_bytes(60, 40, kind="JPEG"), {"Content-Type": "image/jpeg"})

    def signed(self, thread: dict) -> dict:
        """The thread with fresh signatures on its media URLs, as every read brings."""
        self.signatures += 1
        copy = {key: self._sign(value) if key in ("media_url", "thumbnail_url") else value
                for key, value in thread.items()}
        if "children" in copy:
            copy["children"] = {"data": [{key: self._sign(value) if key.endswith("_url") else value
                                          for key, value in child.items()} for child in copy["children"]["data"]]}
        return copy

    def _sign(self, url: str) -> str:
        return f"{url.split('?', 1)[0]}?stp=dst-jpg&_nc_cat=1&oh=00_sig{self.signatures}&oe=5E8A1B2C"


def _epoch(timestamp: str) -> int:
    return int(datetime.strptime(timestamp, "%Y-%m-%dT%H:%M:%S%z").timestamp())


def _cursor(offset: int) -> str:
    return base64.b64encode(str(offset).encode()).decode()


def make_thread(number: int, text: str, *, user: str = "backstube.kruemel", media_type: str = "TEXT_POST",
                topic_tag: str | None = "EssenArbeitetZusammen", **extra) -> dict:
    """A media object as keyword search returns it with the connector's `fields`."""
    thread = {
        "id": thread_id(number),
        "text": text,
        "media_type": media_type,
        "permalink": f"https://www.threads.net/@{user}/post/C{number:04d}xYz",
        "shortcode": f"C{number:04d}xYz",
        "timestamp": f"2020-03-{10 + number % 20:02d}T09:{number % 60:02d}:00+0000",
        "username": user,
        "is_reply": False,
        "is_spoiler_media": False,
        **extra,
    }
    if topic_tag is not None:
        thread["topic_tag"] = topic_tag
    return thread


def thread_id(number: int) -> str:
    return f"1790000000000{number:05d}"


def image_of(base: str, name: str, alt: str | None = None) -> dict:
    """The media fields of an IMAGE (a thread's own or a carousel child's)."""
    return {"media_type": "IMAGE", "media_url": f"{base}/cdn/{name}.jpg?oh=00_first&oe=5E8A1B2C",
            **({"alt_text": alt} if alt is not None else {})}
