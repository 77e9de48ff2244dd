"""A fake Meta Graph API on loopback: Instagram hashtag search and Facebook Page posts.

Shapes, paging, usage headers and error bodies follow ../shared/reference/platform-apis.md
§4 and §5: ids are strings, times end in '+0000', errors are 400/403 with a JSON body and a
`code`, `paging.next` is a full URL (here carrying an access_token, as Meta's do when the
token came as a parameter), CDN image URLs carry a signature that changes on every answer, and
only the top-level fields a request names in `fields` (and `id`) come back.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from .conftest import webp_bytes
from .fakes import FakeServer, Reply, Request

VERSION = "v25.0"
TOKEN = "secret-token-123"
IG_USER = "17841400000000000"
HASHTAG_ID = "17843826142012345"
PAGE_ID = "104123456789012"
STICKY_AFTER = "QVFIUmx1WkE3eHlSOHF3"


def graph_error(code: int, message: str, status: int = 400, subcode: int | None = None,
                headers: dict[str, str] | None = None) -> Reply:
    """An error answer as the Graph API sends it."""
    error: dict[str, Any] = {"message": message, "type": "OAuthException", "code": code,
                             "fbtrace_id": "AxYz123AbC"}
    if subcode is not None:
        error["error_subcode"] = subcode
    return Reply.json({"error": error}, status, headers=headers)


MISSING = ("Unsupported get request. Object with ID '{id}' does not exist, cannot be loaded due to "
           "missing permissions, or does not support this operation.")


@dataclass
class GraphFake:
    """The state of the fake Graph API; tests change it between runs."""

    server: FakeServer
    ig_media: list[dict] = field(default_factory=list)  # recent_media, in the order served
    pages: dict[str, dict] = field(default_factory=dict)  # Page id and user name -> id, name, link
    fb_posts: dict[str, list[dict]] = field(default_factory=dict)  # Page id -> posts, newest first
    deleted: set[str] = field(default_factory=set)  # post ids answered with code 100/33
    # ids that take their place on a page but are not shown to this token (visibility, privacy):
    # a page may come back short, or empty, and still carry `next` (Graph API "Paginated Results")
    invisible: set[str] = field(default_factory=set)
    page_size: int = 2  # small pages so paging is exercised
    cursor: str = "normal"  # 'sticky': the same `after` on every page; 'stuck': the same page again
    usage: dict[str, str] = field(default_factory=dict)  # usage headers sent with every answer
    fail_with: Reply | None = None  # answer every API request with this
    signature: int = 0  # the oe= of image URLs, new on every answer
    sticky_offset: int = 0

    def __post_init__(self) -> None:
        api = rf"/{VERSION}"
        self.server.route("GET", api + r"/(?P<node>[^/]+)")(self.node)
        self.server.route("GET", api + r"/ig_hashtag_search")(self.hashtag_search)
        self.server.route("GET", api + r"/(?P<hashtag>\d+)/recent_media")(self.recent_media)
        self.server.route("GET", api + r"/(?P<node>[^/]+)/posts")(self.page_posts)
        self.server.route("GET", api + r"/(?P<node>[^/]+)/picture")(self.picture)
        self.server.route("GET", r"/media/(?P<name>[^/]+)")(self.media)

    @property
    def base(self) -> str:
        return self.server.base_url

    def add_page(self, page_id: str = PAGE_ID, name: str = "Essen arbeitet zusammen",
                 username: str = "essenarbeitetzusammen") -> dict:
        """A Page known by its id and its user name."""
        page = {"id": page_id, "name": name, "link": f"https://www.facebook.com/{username}"}
        self.pages[page_id] = self.pages[username] = page
        self.fb_posts.setdefault(page_id, [])
        return page

    def add_post(self, page_id: str, number: int, message: str, **extra: Any) -> dict:
        """Add a Page post (larger numbers are newer)."""
        post = make_post(self.base, page_id, number, message, **extra)
        posts = self.fb_posts.setdefault(page_id, [])
        posts.append(post)
        posts.sort(key=lambda p: p["created_time"], reverse=True)
        return post

    def api_calls(self, pattern: str = r"/v25\.0/.*") -> list[Request]:
        return self.server.requests_to(pattern)

    # --- routes

    def hashtag_search(self, request: Request) -> Reply:
        refused = self._refusal(request)
        if refused:
            return refused
        if request.arg("user_id") != IG_USER:
            return graph_error(100, "(#100) The parameter user_id is required")
        query = request.arg("q") or ""
        found = [{"id": HASHTAG_ID}] if query == "essenarbeitetzusammen" else []
        return self._answer({"data": found})

    def recent_media(self, request: Request) -> Reply:
        refused = self._refusal(request)
        if refused:
            return refused
        if request.groups["hashtag"] != HASHTAG_ID or request.arg("user_id") != IG_USER:
            return graph_error(100, MISSING.format(id=request.groups["hashtag"]), subcode=33)
        return self._paged(request, self.ig_media, f"{HASHTAG_ID}/recent_media")

    def page_posts(self, request: Request) -> Reply:
        refused = self._refusal(request)
        if refused:
            return refused
        page = self.pages.get(request.groups["node"])
        if page is None:
            return graph_error(803, "(#803) Some of the aliases you requested do not exist")
        # since and until are unix times; both ends count, as the docs' "range" reads.
        since, until = int(request.arg("since") or 0), int(request.arg("until") or 0)
        posts = [p for p in self.fb_posts[page["id"]]
                 if _epoch(p["created_time"]) >= since and (not until or _epoch(p["created_time"]) <= until)]
        return self._paged(request, posts, f"{page['id']}/posts")

    def picture(self, request: Request) -> Reply:
        refused = self._refusal(request)
        if refused:
            return refused
        return self._answer({"data": {"height": 200, "width": 200, "is_silhouette": False,
                                      "url": f"{self.base}/media/avatar.jpg?oe=__SIG__&oh=a1"}})

    def node(self, request: Request) -> Reply:
        refused = self._refusal(request)
        if refused:
            return refused
        node = request.groups["node"]
        if node in self.pages:
            return self._answer(self.pages[node])
        found = [p for posts in self.fb_posts.values() for p in posts if p["id"] == node]
        if found and node not in self.deleted:
            return self._answer(selected(found[0], request.arg("fields")))
        if "_" in node or node.isdigit():
            return graph_error(100, MISSING.format(id=node), subcode=33)
        return graph_error(803, "(#803) Some of the aliases you requested do not exist")

    def media(self, request: Request) -> Reply:
        name = request.groups["name"]
        if name.startswith("fake"):  # an HTML page that claims to be a JPEG
            return Reply(200, b"<html><script>alert(1)</script></html>", {"Content-Type": "image/jpeg"})
        color = zlib.crc32(name.encode()).to_bytes(4, "big")[:3]
        return Reply(200, webp_bytes(60, 40, tuple(color)), {"Content-Type": "image/webp"})

    # --- helpers

    def _refusal(self, request: Request) -> Reply | None:
        if self.fail_with is not None:
            return self.fail_with
        if request.headers.get("authorization") != f"Bearer {TOKEN}" and request.arg("access_token") != TOKEN:
            return graph_error(190, "Invalid OAuth access token - Cannot parse access token")
        return None

    def _paged(self, request: Request, items: list[dict], path: str) -> Reply:
        start = self._offset(request)
        page = items[start:start + min(int(request.arg("limit") or 25), self.page_size)]
        body: dict[str, Any] = {"data": [selected(item, request.arg("fields")) for item in page
                                         if item["id"] not in self.invisible]}
        if start + len(page) < len(items):
            after = STICKY_AFTER if self.cursor != "normal" else f"QVFI{start + len(page)}"
            query = {key: values[0] for key, values in request.query.items()}
            query.update(after=after, access_token=TOKEN)
            body["paging"] = {"cursors": {"before": "QVFIMA", "after": after},
                              "next": f"https://graph.facebook.com/{VERSION}/{path}?{urlencode(query)}"}
        return self._answer(body)

    def _offset(self, request: Request) -> int:
        after = request.arg("after")
        if not after or self.cursor == "stuck":
            self.sticky_offset = 0
            return 0
        if self.cursor == "sticky":  # Meta keeps the place itself; the cursor says nothing
            self.sticky_offset += self.page_size
            return self.sticky_offset
        return int(after.removeprefix("QVFI"))

    def _answer(self, data: Any) -> Reply:
        self.signature += 1
        body = json.dumps(data).replace("__SIG__", str(self.signature)).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=UTF-8", "facebook-api-version": VERSION,
                   "x-fb-trace-id": "AbCdEfGhIjK"}
        if len(self.server.requests) > 1:  # Meta sends usage headers only after some calls
            headers["X-App-Usage"] = '{"call_count":12,"total_cputime":3,"total_time":5}'
        headers.update(self.usage)
        return Reply(200, body, headers)


def selected(item: dict, fields: str | None) -> dict:
    """The item with only the requested top-level fields (and `id`), as Graph answers a `fields` list."""
    if not fields:
        return item
    names, depth, name = {"id"}, 0, ""
    for char in fields + ",":
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif depth == 0 and char == ",":
            names.add(name.strip())
            name = ""
        elif depth == 0:
            name += char
    return {key: value for key, value in item.items() if key in names}


def _epoch(graph_time: str) -> int:
    return int(datetime.strptime(graph_time, "%Y-%m-%dT%H:%M:%S%z").timestamp())


def make_media(base: str, number: int, caption: str, media_type: str = "IMAGE",
               children: list[dict] | None = None, **extra: Any) -> dict:
    """An Instagram hashtag search result (no username: the API never gives one)."""
    suffix = "mp4" if media_type == "VIDEO" else "jpg"
    item = {
        "id": f"1789569566800{number:04d}",
        "caption": caption,
        "media_type": media_type,
        "media_url": f"{base}/media/ig-{number}.{suffix}?stp=dst&oe=__SIG__&oh=b2",
        "permalink": f"https://www.instagram.com/p/DFabc{number:03d}XyZ/",
        "timestamp": f"2020-04-01T{number % 12:02d}:12:44+0000",
    }
    if children is not None:
        item["children"] = {"data": children}
    item.update(extra)
    return item


def ig_child(base: str, number: int, media_type: str = "IMAGE", name: str = "") -> dict:
    """One part of a carousel."""
    suffix = "mp4" if media_type == "VIDEO" else "jpg"
    return {"id": f"179111111111{number:05d}", "media_type": media_type,
            "media_url": f"{base}/media/{name or f'child-{number}.{suffix}'}?oe=__SIG__&oh=c3"}


def make_post(base: str, page_id: str, number: int, message: str, *, updated: str | None = None,
              attachments: list[dict] | None = None, status_type: str = "mobile_status_update",
              parent_id: str | None = None, hidden: bool = False) -> dict:
    """A Page post as /{page-id}/posts returns it."""
    created = f"2020-03-{20 + number % 10:02d}T08:{number % 60:02d}:00+0000"
    post: dict[str, Any] = {
        "id": f"{page_id}_{number}",
        "message": message,
        "created_time": created,
        "updated_time": updated or created,
        "permalink_url": f"https://www.facebook.com/{page_id}/posts/{number}",
        "status_type": status_type,
        "is_hidden": hidden,  # hidden from the Page's timeline by its admins (Page posts only)
    }
    if attachments:
        post["attachments"] = {"data": attachments}
    if parent_id:
        post["parent_id"] = parent_id
    if not message:
        del post["message"]  # Graph leaves out empty fields
    return post


def photo(base: str, name: str, description: str | None = None, kind: str = "photo") -> dict:
    """A photo (or, with kind 'video_inline', a video) attachment."""
    item: dict[str, Any] = {"type": kind, "media_type": "video" if "video" in kind else "photo",
                            "media": {"image": {"src": f"{base}/media/{name}?_nc_cat=1&oe=__SIG__&oh=d4",
                                                "width": 720, "height": 960}},
                            "target": {"id": "456", "url": "https://www.facebook.com/photo.php?fbid=456"},
                            "url": "https://www.facebook.com/photo.php?fbid=456"}
    if description is not None:
        item["description"] = description
    return item


def album(base: str, *photos: dict) -> dict:
    """An album attachment with its photos as subattachments."""
    return {"type": "album", "media_type": "album", "title": "Aktion",
            "url": "https://www.facebook.com/media/set/?set=a.123",
            "media": {"image": {"src": f"{base}/media/cover.jpg?oe=__SIG__", "width": 720, "height": 960}},
            "subattachments": {"data": list(photos)}}
