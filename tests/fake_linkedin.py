"""A fake LinkedIn REST API on loopback: Posts finder with offset paging, posts by URN,
organizations, images and videos with signed download URLs, and LinkedIn's error bodies.

Shapes follow ../shared/reference/platform-apis.md §6.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import unquote, urlencode

from .conftest import webp_bytes
from .fakes import FakeServer, Reply, Request

ORGANIZATION = "12345678"
BASE_MILLIS = 1_584_700_000_000  # 2020-03-20T10:26:40Z


def error(status: int, message: str, code: str = "", service_code: int = 0) -> Reply:
    """A LinkedIn error body: status, serviceErrorCode, code, message."""
    body: dict = {"status": status, "message": message}
    if service_code:
        body["serviceErrorCode"] = service_code
    if code:
        body["code"] = code
    return Reply.json(body, status)


@dataclass
class LinkedInFake:
    """The state of the fake API; tests change it between runs."""

    server: FakeServer
    posts: list[dict] = field(default_factory=list)  # served newest change first
    organizations: dict[str, dict] = field(default_factory=dict)
    deleted: set[str] = field(default_factory=set)  # URNs answered with 404 by GET /rest/posts/{urn}
    forbidden: set[str] = field(default_factory=set)  # organisation URNs the token's member has no role on
    page_size: int = 2  # the server's own cap, so paging is exercised
    version: str = "202604"  # the only LinkedIn-Version it serves
    token: str = "secret"
    fail_with: Reply | None = None  # answer every listing request with this
    after_page: Callable[[Request], None] | None = None  # runs after a listing page is built
    signatures: int = 0  # every download URL is signed anew, as LinkedIn's are

    def __post_init__(self) -> None:
        self.organizations.setdefault(ORGANIZATION, {"id": int(ORGANIZATION), "localizedName": "Backstube Krümel GmbH",
                                                     "vanityName": "backstube-kruemel"})
        self.server.route("GET", r"/rest/posts")(self.listing)
        self.server.route("GET", r"/rest/posts/(?P<urn>[^/]+)")(self.post)
        self.server.route("GET", r"/rest/organizations/(?P<id>[^/]+)")(self.organization)
        self.server.route("GET", r"/rest/images/(?P<urn>[^/]+)")(self.image)
        self.server.route("GET", r"/rest/videos/(?P<urn>[^/]+)")(self.video)
        self.server.route("GET", r"/media/(?P<name>[^/]+)")(self.media)

    @property
    def base(self) -> str:
        return self.server.base_url

    def add(self, number: int, commentary: str = r"Ich biete Hilfe {hashtag|\#|EssenArbeitetZusammen}",
            **extra) -> dict:
        """Add a post with `number` (larger is newer) by the default organisation."""
        post = make_post(number, commentary, **extra)
        self.posts.append(post)
        return post

    def refused(self, request: Request) -> Reply | None:
        """LinkedIn's answer to a missing token or version, None when the request may pass."""
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return error(401, "The token used in the request has expired", "EXPIRED_ACCESS_TOKEN", 65601)
        version = request.headers.get("linkedin-version")
        if not version:
            return error(400, "A version must be present. Please specify a version by adding the "
                              "Linkedin-Version header.", "VERSION_MISSING")
        if version != self.version:
            return error(426, f"Requested version {version} is not active", "NONEXISTENT_VERSION")
        if request.headers.get("x-restli-protocol-version") != "2.0.0":
            return error(400, "Rest.li protocol version 2.0.0 required", "ILLEGAL_ARGUMENT")
        return None

    def listing(self, request: Request) -> Reply:
        if self.fail_with is not None:
            return self.fail_with
        refused = self.refused(request)
        if refused or request.arg("q") != "author":
            return refused or error(400, "Unknown finder", "ILLEGAL_ARGUMENT")
        if request.arg("author") in self.forbidden:
            return error(403, f"Not enough permissions to access: partnerApiPostsExternal.FINDER-author."
                              f"{request.arg('author')}", "ACCESS_DENIED", 100)
        mine = sorted((p for p in self.posts if p["author"] == request.arg("author")),
                      key=lambda p: p["lastModifiedAt"], reverse=True)
        start, count = int(request.arg("start", "0")), min(int(request.arg("count", "10")), self.page_size)
        page = mine[start:start + count]
        links = []
        if start + count < len(mine):
            query = urlencode({"author": request.arg("author"), "count": count, "q": "author",
                               "start": start + count})
            links.append({"type": "application/json", "rel": "next", "href": f"/rest/posts?{query}"})
        if self.after_page is not None:
            self.after_page(request)
        return Reply.json({"paging": {"start": start, "count": count, "links": links}, "elements": page},
                          headers={"x-restli-protocol-version": "2.0.0"})

    def post(self, request: Request) -> Reply:
        urn = unquote(request.groups["urn"])
        found = [p for p in self.posts if p["id"] == urn and urn not in self.deleted]
        if refused := self.refused(request):
            return refused
        return Reply.json(found[0]) if found else error(404, f"Not Found: {urn}", "NOT_FOUND", 100)

    def organization(self, request: Request) -> Reply:
        found = self.organizations.get(request.groups["id"])
        return self.refused(request) or (Reply.json(found) if found else error(404, "Not Found", "NOT_FOUND"))

    def image(self, request: Request) -> Reply:
        urn = unquote(request.groups["urn"])
        if refused := self.refused(request):
            return refused
        if urn.startswith("urn:li:image:gone"):
            return error(404, f"Not Found: {urn}", "NOT_FOUND")
        return Reply.json({"id": urn, "status": "AVAILABLE", "downloadUrl": self._signed(urn),
                           "downloadUrlExpiresAt": BASE_MILLIS + 3_600_000})

    def video(self, request: Request) -> Reply:
        urn = unquote(request.groups["urn"])
        return self.refused(request) or Reply.json({
            "id": urn, "status": "AVAILABLE", "duration": 12000, "thumbnail": self._signed(urn),
            "downloadUrl": f"{self.base}/media/video.mp4", "downloadUrlExpiresAt": BASE_MILLIS + 3_600_000})

    def media(self, request: Request) -> Reply:
        if request.groups["name"].startswith("fake"):  # an HTML page that claims to be a JPEG
            return Reply(200, b"<html><script>alert(1)</script></html>", {"Content-Type": "image/jpeg"})
        return Reply(200, webp_bytes(60, 40, kind="PNG"), {"Content-Type": "image/png"})

    def _signed(self, urn: str) -> str:
        self.signatures += 1
        name = urn.rsplit(":", 1)[-1]
        return f"{self.base}/media/{name}?e=1585000000&v=beta&t=sig{self.signatures}"


def make_post(number: int, commentary: str, *, organization: str = ORGANIZATION, modified: int | None = None,
              content: dict | None = None, reshare_of: str | None = None, edited: bool = False,
              state: str = "PUBLISHED", visibility: str = "PUBLIC") -> dict:
    """A post element as GET /rest/posts returns it."""
    created = BASE_MILLIS + number * 60_000
    post = {
        "id": post_urn(number),
        "author": f"urn:li:organization:{organization}",
        "commentary": commentary,
        "visibility": visibility,
        "lifecycleState": state,
        "lifecycleStateInfo": {"isEditedByAuthor": edited},
        "isReshareDisabledByAuthor": False,
        "createdAt": created,
        "publishedAt": created + 1000,
        "lastModifiedAt": modified or created + 2000,
        "distribution": {"feedDistribution": "MAIN_FEED", "targetEntities": [],
                         "thirdPartyDistributionChannels": []},
    }
    if content:
        post["content"] = content
    if reshare_of:
        post["reshareContext"] = {"parent": reshare_of, "root": reshare_of}
    return post


def post_urn(number: int) -> str:
    return f"urn:li:share:72960000000000{number:05d}"


def image(name: str, alt: str | None = None) -> dict:
    """A `content.media` (or multiImage item) for an image URN."""
    return {"id": f"urn:li:image:{name}", **({"altText": alt} if alt is not None else {})}
