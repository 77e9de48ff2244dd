"""A fake Mastodon instance on loopback: tag timeline with Link paging, statuses, media, rate limits.

Statuses are built from the shapes in ../shared/reference/platform-apis.md §1.3.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from .conftest import webp_bytes
from .fakes import FakeServer, Reply, Request


@dataclass
class MastodonFake:
    """The state of one fake instance; tests change it between runs."""

    server: FakeServer
    statuses: list[dict] = field(default_factory=list)  # newest first, as the server orders them
    deleted: set[str] = field(default_factory=set)  # ids answered with 404 on /statuses/:id
    page_size: int = 2  # small pages so paging is exercised
    fail_with: Reply | None = None  # answer every timeline request with this

    def __post_init__(self) -> None:
        self.server.route("GET", r"/api/v1/timelines/tag/(?P<tag>[^/]+)")(self.timeline)
        self.server.route("GET", r"/api/v1/statuses/(?P<id>[^/]+)")(self.status)
        self.server.route("GET", r"/media/(?P<name>[^/]+)")(self.media)

    @property
    def base(self) -> str:
        return self.server.base_url

    def add(self, number: int, text: str = "Ich biete Hilfe #EssenArbeitetZusammen", **extra: Any) -> dict:
        """Add a status with id `number` (larger is newer) at the top of the timeline."""
        status = make_status(self.base, number, text, **extra)
        self.statuses.insert(0, status)
        self.statuses.sort(key=lambda s: int(s["id"]), reverse=True)
        return status

    def timeline(self, request: Request) -> Reply:
        if self.fail_with is not None:
            return self.fail_with
        tag = request.groups["tag"].casefold()
        matching = [s for s in self.statuses if tag in {t["name"] for t in s["tags"]}
                    or (s.get("reblog") and tag in {t["name"] for t in s["reblog"]["tags"]})]
        limit = min(int(request.arg("limit", "20")), self.page_size)
        max_id, min_id = request.arg("max_id"), request.arg("min_id")
        if max_id:
            page = [s for s in matching if int(s["id"]) < int(max_id)][:limit]
        elif min_id:  # the page immediately newer than min_id
            page = [s for s in matching if int(s["id"]) > int(min_id)][-limit:]
        else:
            page = matching[:limit]
        headers = {"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "299",
                   "X-RateLimit-Reset": "2030-01-01T00:00:00.000000Z"}
        if page:  # Mastodon leaves the Link header out on empty pages
            path = f"{self.base}/api/v1/timelines/tag/{request.groups['tag']}"
            headers["Link"] = (f'<{path}?{urlencode({"limit": limit, "max_id": page[-1]["id"]})}>; rel="next", '
                               f'<{path}?{urlencode({"limit": limit, "min_id": page[0]["id"]})}>; rel="prev"')
        return Reply.json(page, headers=headers)

    def status(self, request: Request) -> Reply:
        if request.groups["id"] in self.deleted:
            return Reply.json({"error": "Record not found"}, 404)
        found = [s for s in self.statuses if s["id"] == request.groups["id"]]
        return Reply.json(found[0]) if found else Reply.json({"error": "Record not found"}, 404)

    def media(self, request: Request) -> Reply:
        name = request.groups["name"]
        if name.startswith("fake"):  # an HTML page that claims to be a JPEG
            return Reply(200, b"<html><script>alert(1)</script></html>", {"Content-Type": "image/jpeg"})
        return Reply(200, webp_bytes(60, 40), {"Content-Type": "image/webp"})


def make_status(base: str, number: int, text: str, *, user: str = "kruemel", name: str = "Backstube Krümel",
                media: list[dict] | None = None, reply_to: str | None = None, bot: bool = False,
                spoiler: str = "", edited_at: str | None = None, reblog: dict | None = None,
                language: str = "de", tags: list[str] | None = None, sensitive: bool | None = None) -> dict:
    """A status as GET /api/v1/timelines/tag returns it; its origin is the fake itself."""
    words = [w.strip(".,!?") for w in text.split() if w.startswith("#")]
    tag_names = tags if tags is not None else [w[1:].casefold() for w in words]
    paragraphs = "".join(f"<p>{_linkify(base, line)}</p>" for line in text.split("\n\n"))
    return {
        "id": str(number),
        "uri": f"{base}/users/{user}/statuses/{number}",
        "url": f"{base}/@{user}/{number}",
        "created_at": f"2020-03-{20 + number % 10:02d}T09:{number % 60:02d}:00.000Z",
        "edited_at": edited_at,
        "account": {"id": "1", "username": user, "acct": user, "display_name": f"{name} :essen:",
                    "url": f"{base}/@{user}", "avatar": f"{base}/media/avatar.png",
                    "avatar_static": f"{base}/media/avatar.png", "bot": bot,
                    "emojis": [{"shortcode": "essen", "url": f"{base}/e.png"}]},
        "content": paragraphs, "spoiler_text": spoiler,
        "sensitive": bool(spoiler) if sensitive is None else sensitive,
        "visibility": "public", "language": language,
        "in_reply_to_id": reply_to, "in_reply_to_account_id": None, "reblog": reblog,
        "media_attachments": media or [],
        "mentions": [], "tags": [{"name": t, "url": f"{base}/tags/{t}"} for t in tag_names],
        "emojis": [], "card": None, "poll": None,
    }


def _linkify(base: str, text: str) -> str:
    out = []
    for word in text.split(" "):
        if word.startswith("#"):
            tag = word[1:].rstrip(".,!?")
            out.append(f'<a href="{base}/tags/{tag.lower()}" class="mention hashtag" rel="tag">#<span>{tag}</span></a>'
                       + word[1 + len(tag):])
        elif word.startswith("https://"):
            shown = word[8:]
            out.append(f'<a href="{word}" rel="nofollow noopener" target="_blank"><span class="invisible">https://'
                       f'</span><span class="ellipsis">{shown[:10]}</span><span class="invisible">{shown[10:]}</span></a>')
        else:
            out.append(word.replace("&", "&amp;").replace("<", "&lt;"))
    return " ".join(out)


def image_attachment(base: str, number: int, alt: str | None = "Brot im Regal", name: str = "bild.webp") -> dict:
    return {"id": f"m{number}", "type": "image", "url": f"{base}/media/{name}",
            "preview_url": f"{base}/media/small-{name}", "description": alt,
            "meta": {"original": {"width": 60, "height": 40}}}
