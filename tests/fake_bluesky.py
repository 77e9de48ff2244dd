"""A fake Bluesky on loopback: PDS login and refresh, AppView search and getPosts, CDN images.

Post views follow ../shared/reference/platform-apis.md §2: facets with UTF-8 byte
offsets, embed views with CDN URLs, self-labels and moderation labels.  The awkward
cases are switches on the fake: the public AppView's HTML 403, a token that expires
mid-run, BadQueryString, 429 with RateLimit-Reset (epoch seconds) and Retry-After.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from .conftest import webp_bytes
from .fakes import FakeServer, Reply, Request

PASSWORD = "abcd-efgh-ijkl-mnop"
START = datetime(2020, 3, 20, 9, 0, tzinfo=timezone.utc)
FORBIDDEN_PAGE = ("<html>\r\n<head><title>403 Forbidden</title></head>\r\n<body>\r\n"
                  "<center><h1>403 Forbidden</h1></center>\r\n</body>\r\n</html>\r\n")


@dataclass
class BlueskyFake:
    """One fake serving as PDS, AppView and CDN at once; tests change it between runs."""

    server: FakeServer
    posts: list[dict] = field(default_factory=list)  # post views, as search and getPosts return them
    deleted: set[str] = field(default_factory=set)  # uris getPosts leaves out
    # uris the search service finds but the AppView drops after hydration (the viewer blocks the
    # author, a hide tag): the page comes back shorter, or empty, and still carries its cursor
    filtered: set[str] = field(default_factory=set)
    page_size: int = 2  # small pages so the cursor is followed
    public: bool = False  # behave as public.api.bsky.app: searchPosts is an HTML 403 page
    expire_tokens: int = 0  # this many AppView calls answer ExpiredToken (and expire the token)
    refresh_fails: bool = False  # refreshSession answers ExpiredToken
    bad_query: str = '"'  # a q containing this is a BadQueryString
    limited: list[Reply] = field(default_factory=list)  # answers given to the next searches first
    access: set[str] = field(default_factory=set)  # valid access tokens
    refresh: set[str] = field(default_factory=set)  # valid refresh tokens
    expired: set[str] = field(default_factory=set)
    sessions: int = 0

    def __post_init__(self) -> None:
        route = self.server.route
        route("POST", r"/xrpc/com\.atproto\.server\.createSession")(self.create_session)
        route("POST", r"/xrpc/com\.atproto\.server\.refreshSession")(self.refresh_session)
        route("GET", r"/xrpc/app\.bsky\.feed\.searchPosts")(self.search)
        route("GET", r"/xrpc/app\.bsky\.feed\.getPosts")(self.get_posts)
        route("GET", r"/img/.+")(self.image)

    @property
    def base(self) -> str:
        return self.server.base_url

    def add(self, number: int, text: str = "Ich biete Hilfe #EssenArbeitetZusammen", **extra: Any) -> dict:
        """Add a post with number `number` (larger is newer)."""
        post = make_post(self.base, number, text, **extra)
        self.posts.append(post)
        return post

    def delete(self, post: dict) -> None:
        self.posts.remove(post)
        self.deleted.add(post["uri"])

    def _new_session(self, did: str = "did:plc:ewgwall") -> Reply:
        self.sessions += 1
        access, refresh = f"access-{self.sessions}", f"refresh-{self.sessions}"
        self.access.add(access)
        self.refresh.add(refresh)
        return Reply.json({"accessJwt": access, "refreshJwt": refresh, "handle": "ewg.bsky.social",
                           "did": did, "active": True})

    def create_session(self, request: Request) -> Reply:
        body = request.json() or {}
        if body.get("identifier") != "ewg.bsky.social" or body.get("password") != PASSWORD:
            return Reply.json({"error": "AuthenticationRequired", "message": "Invalid identifier or password"}, 401)
        return self._new_session()

    def refresh_session(self, request: Request) -> Reply:
        token = _bearer(request)
        if self.refresh_fails or token not in self.refresh:
            return Reply.json({"error": "ExpiredToken", "message": "Token has been revoked"}, 400)
        self.refresh.discard(token)  # refresh tokens are used once
        return self._new_session()

    def _auth_problem(self, request: Request) -> Reply | None:
        token = _bearer(request)
        if token in self.access and self.expire_tokens > 0:
            self.expire_tokens -= 1
            self.access.discard(token)
            self.expired.add(token)
        if token in self.expired:
            return Reply.json({"error": "ExpiredToken", "message": "Token has expired"}, 400)
        if token not in self.access:
            return Reply.json({"error": "AuthMissing", "message": "Authentication Required"}, 401)
        return None

    def search(self, request: Request) -> Reply:
        if self.public:
            return Reply.text(FORBIDDEN_PAGE, 403)
        if self.limited:
            return self.limited.pop(0)
        problem = self._auth_problem(request)
        if problem:
            return problem
        q = request.arg("q")
        if not q:
            return Reply.json({"error": "InvalidRequest", "message": 'Error: Params must have the property "q"'}, 400)
        if self.bad_query in q:
            return Reply.json({"error": "BadQueryString", "message": "Bad query string"}, 400)
        wanted = {tag.casefold() for tag in request.query.get("tag", [])}
        since = request.arg("since")
        hits = [post for post in self.posts if wanted <= {t.casefold() for t in post_tags(post)}
                and (not since or sort_at(post) >= _parse(since))]
        hits.sort(key=lambda post: sort_at(post), reverse=True)
        offset = int(request.arg("cursor") or 0)
        size = min(int(request.arg("limit", "25")), self.page_size)
        page = [post for post in hits[offset:offset + size] if post_view_uri(post) not in self.filtered]
        answer: dict[str, Any] = {"posts": page, "hitsTotal": len(hits)}
        if offset + size < len(hits):
            answer["cursor"] = str(offset + size)
        return Reply.json(answer, headers=_rate_headers())

    def get_posts(self, request: Request) -> Reply:
        uris = request.query.get("uris", [])
        if len(uris) > 25:
            return Reply.json({"error": "InvalidRequest", "message": "uris must not have more than 25 elements"}, 400)
        problem = self._auth_problem(request)
        if problem:
            return problem
        found = {post["uri"]: post for post in self.posts if post.get("uri") not in self.deleted}
        return Reply.json({"posts": [found[uri] for uri in uris if uri in found]}, headers=_rate_headers())

    def image(self, request: Request) -> Reply:
        return Reply(200, webp_bytes(60, 40), {"Content-Type": "image/jpeg"})


def rate_limited(reset_in: float | None = None, retry_after: str | None = None) -> Reply:
    """A 429 as the xrpc server sends it: RateLimit-Reset is a moment in epoch seconds."""
    headers = _rate_headers(remaining=0, reset_in=reset_in or 0)
    if retry_after is not None:
        headers["Retry-After"] = retry_after
    if reset_in is None:
        del headers["RateLimit-Reset"]
    return Reply.json({"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}, 429, headers=headers)


def _rate_headers(remaining: int = 2999, reset_in: float = 300) -> dict[str, str]:
    return {"RateLimit-Limit": "3000", "RateLimit-Remaining": str(remaining),
            "RateLimit-Reset": str(int(time.time() + reset_in)), "RateLimit-Policy": "3000;w=300"}


def _bearer(request: Request) -> str:
    return request.headers.get("authorization", "").removeprefix("Bearer ")


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def post_view_uri(post: dict) -> str:
    return post.get("post", post)["uri"]


def sort_at(post: dict) -> datetime:
    post = post.get("post", post)  # a feed item wraps the post
    return min(_parse(post["record"]["createdAt"]), _parse(post["indexedAt"]))


def post_tags(post: dict) -> list[str]:
    post = post.get("post", post)
    facets = [f["tag"] for facet in post["record"].get("facets", []) for f in facet["features"] if "tag" in f]
    return facets + post["record"].get("tags", [])


def did_of(handle: str) -> str:
    return "did:plc:" + hashlib.sha256(handle.encode()).hexdigest()[:24]


def author_view(base: str, handle: str, name: str | None, labels: tuple[str, ...] = ()) -> dict:
    did = did_of(handle)
    view = {"did": did, "handle": handle, "avatar": f"{base}/img/avatar/plain/{did}/bafkreiavatar@jpeg",
            "labels": [label_view(did, value, did) for value in labels], "createdAt": "2019-11-01T08:00:00.000Z"}
    if name is not None:
        view["displayName"] = name
    return view


def label_view(src: str, value: str, uri: str, neg: bool = False) -> dict:
    label = {"src": src, "uri": uri, "val": value, "cts": "2020-03-20T09:00:00.000Z"}
    return {**label, "neg": True} if neg else label


def facets_for(text: str, links: dict[str, str]) -> list[dict]:
    """Tag, mention and link facets at UTF-8 byte offsets, as the Bluesky app writes them."""
    def span(start: int, end: int) -> dict:
        return {"byteStart": len(text[:start].encode()), "byteEnd": len(text[:end].encode())}
    facets = []
    for match in re.finditer(r"(?<!\w)#(\w+)", text):
        facets.append({"index": span(*match.span()),
                       "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": match[1]}]})
    for match in re.finditer(r"(?<!\w)@([\w.-]+\w)", text):
        facets.append({"index": span(*match.span()),
                       "features": [{"$type": "app.bsky.richtext.facet#mention", "did": did_of(match[1])}]})
    for shown, uri in links.items():
        start = text.index(shown)
        facets.append({"index": span(start, start + len(shown)),
                       "features": [{"$type": "app.bsky.richtext.facet#link", "uri": uri}]})
    return sorted(facets, key=lambda facet: facet["index"]["byteStart"])


def images_view(base: str, did: str, alts: list[str | None]) -> dict:
    images = []
    for number, alt in enumerate(alts):
        cid = f"bafkreiimg{number}"
        images.append({"thumb": f"{base}/img/feed_thumbnail/plain/{did}/{cid}@jpeg",
                       "fullsize": f"{base}/img/feed_fullsize/plain/{did}/{cid}@jpeg",
                       "alt": alt or "", "aspectRatio": {"width": 60, "height": 40}})
    return {"$type": "app.bsky.embed.images#view", "images": images}


def video_view(base: str, did: str, alt: str = "") -> dict:
    return {"$type": "app.bsky.embed.video#view", "cid": "bafkreivideo",
            "playlist": f"https://video.bsky.app/watch/{did}/bafkreivideo/playlist.m3u8",
            "thumbnail": f"{base}/img/video-thumb/{did}/bafkreivideo.jpg", "alt": alt,
            "aspectRatio": {"width": 16, "height": 9}}


def quote_view(quoted: dict) -> dict:
    """An app.bsky.embed.record#view of another post view."""
    record = {"$type": "app.bsky.embed.record#viewRecord", "uri": quoted["uri"], "cid": quoted["cid"],
              "author": quoted["author"], "value": quoted["record"], "indexedAt": quoted["indexedAt"],
              "embeds": [quoted["embed"]] if "embed" in quoted else []}
    return {"$type": "app.bsky.embed.record#view", "record": record}


def make_post(base: str, number: int, text: str, *, handle: str = "kruemel.bsky.social",
              name: str | None = "Backstube Krümel", links: dict[str, str] | None = None,
              embed: dict | None = None, images: list[str | None] | None = None, reply: bool = False,
              self_labels: tuple[str, ...] = (), labels: tuple[str, ...] = (),
              author_labels: tuple[str, ...] = (), tags: list[str] | None = None,
              created_at: str | None = None, indexed_at: str | None = None, langs: list[str] | None = None) -> dict:
    """A post view as searchPosts returns it; its images live on the fake itself."""
    did = did_of(handle)
    rkey = f"3kz{number:010d}"
    uri = f"at://{did}/app.bsky.feed.post/{rkey}"
    indexed = START + timedelta(hours=number)
    record: dict[str, Any] = {"$type": "app.bsky.feed.post", "text": text, "facets": facets_for(text, links or {}),
                              "langs": ["de"] if langs is None else langs,
                              "createdAt": created_at or _stamp(indexed - timedelta(seconds=2))}
    if tags:
        record["tags"] = tags
    if reply:
        parent = {"uri": f"at://{did}/app.bsky.feed.post/3kzparent", "cid": "bafyparent"}
        record["reply"] = {"root": parent, "parent": parent}
    if self_labels:
        record["labels"] = {"$type": "com.atproto.label.defs#selfLabels", "values": [{"val": v} for v in self_labels]}
    view = {"uri": uri, "cid": f"bafyrei{number}", "author": author_view(base, handle, name, author_labels),
            "record": record, "replyCount": 0, "repostCount": 0, "likeCount": 3, "quoteCount": 0,
            "indexedAt": indexed_at or _stamp(indexed),
            "labels": [label_view(did, value, uri) for value in self_labels]
            + [label_view("did:plc:ar7c4by46qjdydhdevvrndac", value, uri) for value in labels]}
    if images is not None:
        embed = images_view(base, did, images)
    if embed is not None:
        view["embed"] = embed
    return view
