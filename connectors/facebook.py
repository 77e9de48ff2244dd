"""Facebook: the posts of configured Pages that carry the hashtags.

Facebook has no hashtag search, so each Page's own posts are read and only those whose
message carries one of the hashtags are kept.  A read cut short (max_pages, the usage
limit) keeps the Page's `since` and the time of its oldest post; the next run goes on
below that time (`until`) before `since` moves on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence
from urllib.parse import quote

from wall.post import Author, Media, Post
from wall.urls import is_web_url

from .base import ConnectorError, FetchResult, SourceContext
from .graph import (GRAPH_API, NATIVE_ID, GraphApi, GraphError, GraphSettings, carries, data_items,
                    graph_time, hashtags_in, keep_known_sources, plain_text)

FIELDS = ("id,message,created_time,permalink_url,status_type,parent_id,is_hidden,"
          "attachments{type,description,media,subattachments}")
PAGE_SIZE = 25
RECHECKS = 20  # known posts asked for by id each run, newest first
PHOTO_TYPES = frozenset({"photo", "album", "cover_photo", "profile_media"})
VIDEO_ALT = "Vorschaubild eines Videos"


@dataclass(frozen=True, kw_only=True)
class FacebookSettings(GraphSettings):
    """A Facebook source: the Pages whose posts are read."""

    pages: tuple[str, ...]  # Page ids (quoted in YAML) or Page user names
    token_env: str = "FACEBOOK_PAGE_TOKEN"


class FacebookConnector:
    """Reads /{page-id}/posts of each configured Page and keeps the posts with the hashtags."""

    type = "facebook"
    Settings = FacebookSettings
    default_api_base = GRAPH_API
    needs_token = True

    def __init__(self, settings: FacebookSettings, context: SourceContext):
        self.settings = settings
        self.context = context
        self.api = GraphApi(context.http, settings, context.token)
        self.authors: dict[str, Author] = {}  # Page id -> the Page as author, for Pages read this run
        self.parents: dict[str, str] = {}  # post id -> id of the post it shares
        self.seen: set[str] = set()
        self.scans: dict[str, dict[str, int]] = {}  # Page -> until and top of a read cut short

    def fetch(self, known: Sequence[Post]) -> FetchResult:
        """Read each Page's posts since the last run, then recheck the newest known posts."""
        before = self.context.state.get("since")
        before = before if isinstance(before, dict) else {}
        since = {page: before[page] for page in self.settings.pages if isinstance(before.get(page), int)}
        scans = self.context.state.get("scan")
        scans = scans if isinstance(scans, dict) else {}
        self.scans = {page: scans[page] for page in since if _is_scan(scans.get(page))}
        result = FetchResult(state={"since": since})
        known_by_id = {post.id: post for post in known}
        self._read_pages(result, known_by_id)
        if self.scans:
            result.state["scan"] = self.scans
        self._recheck(known, result, known_by_id)
        self._drop_shared_copies(result, known_by_id)
        result.warnings.extend(self.api.warnings)
        return result

    def _read_pages(self, result: FetchResult, known: dict[str, Post]) -> None:
        errors: list[ConnectorError] = []
        for page in self.settings.pages:
            try:
                self._read_page(page, result, known)
            except ConnectorError as error:
                if error.kind in ("auth", "rate_limit"):  # the same token for every Page
                    raise
                errors.append(error)
                result.warnings.append(f"Page {page}: {error}")
        if errors and len(errors) == len(self.settings.pages):
            raise errors[0]

    def _read_page(self, page: str, result: FetchResult, known: dict[str, Post]) -> None:
        page_id, author = self._page_author(page)
        since = result.state["since"].get(page)
        scan = self.scans.get(page, {})
        params = {"fields": FIELDS, "limit": PAGE_SIZE, **({"since": since} if since else {}),
                  **({"until": scan["until"]} if scan else {})}
        read: list[int] = []  # the creation times of the posts read, unix
        for items in self.api.pages(f"{quote(page_id, safe='')}/posts", params, self.settings.max_pages):
            for item in items:
                created = graph_time(item.get("created_time"))
                if created:
                    read.append(int(created.timestamp()))
                self._take(item, author, result, known)
        self._keep(page, since, scan, read, result)
        self.authors[page_id] = author

    def _keep(self, page: str, since: int | None, scan: dict[str, int], read: list[int],
              result: FetchResult) -> None:
        """A read cut short keeps `since` and goes on below its oldest post next run; else `since` moves up.

        A first run (no `since` yet) reads max_pages pages and no further, as the docs promise.
        """
        top = max([*read, scan.get("top", 0)])
        if self.api.more and since and top:
            # Meta does not say whether `until` is inclusive: one second more re-reads a post rather than skip one.
            self.scans[page] = {"until": min(read) + 1 if read else scan["until"], "top": top}
            if not self.api.exhausted:  # the usage limit has a warning of its own
                result.warnings.append(f"Page {page}: more than max_pages ({self.settings.max_pages}) pages of "
                                       "new posts; the next run reads on")
            return
        self.scans.pop(page, None)
        if top:
            result.state["since"][page] = max(since or 0, top)

    def _page_author(self, page: str) -> tuple[str, Author]:
        """The Page's id and the Page as the author of its posts."""
        info = self.api.get(quote(page, safe=""), {"fields": "id,name,link"})
        page_id = str(info.get("id") or page)
        link = info.get("link")
        url = link if is_web_url(link) else f"https://www.facebook.com/{quote(page_id, safe='')}"
        name = plain_text(info.get("name")) or page
        return page_id, Author(name=name, url=url, avatar=self._avatar(page_id))

    def _avatar(self, page_id: str) -> str:
        body = self.api.get(f"{quote(page_id, safe='')}/picture", {"redirect": "0", "type": "large"})
        picture = body.get("data") if isinstance(body.get("data"), dict) else {}
        url = picture.get("url")
        return url if is_web_url(url) and not picture.get("is_silhouette") else ""

    def _take(self, item: dict, author: Author, result: FetchResult, known: dict[str, Post]) -> None:
        post = page_post(item, author)
        if post is not None and post.id in self.seen:
            return
        if post is not None:
            self.seen.add(post.id)
        if post is not None and item.get("is_hidden") is True:
            self._leave_hidden(post, result, known)
            return
        if post is None or not carries(post.hashtags, self.context.hashtags):
            result.skipped += 1
            return
        post = keep_known_sources(post, known)
        result.posts.append(post)
        if item.get("status_type") == "shared_story" and item.get("parent_id"):
            self.parents[post.id] = f"facebook:{item['parent_id']}"  # maybe dropped at the end
        else:
            self.context.hand_over(post)

    def _leave_hidden(self, post: Post, result: FetchResult, known: dict[str, Post]) -> None:
        """A post the Page hid from its timeline stays off the wall; one already there goes as if deleted."""
        stored = known.get(post.id)
        if stored is not None and stored.status != "rejected":
            result.gone.append(post.id)
        else:
            result.skipped += 1

    def _recheck(self, known: Sequence[Post], result: FetchResult, known_by_id: dict[str, Post]) -> None:
        """Ask for the newest known posts by id: code 100/33 means deleted, else maybe edited or hidden.

        Only posts of Pages read in this run are asked for, so a token that lost its access
        to a Page (which also answers 100/33) cannot remove that Page's posts.
        """
        candidates = [post for post in known if post.status != "rejected" and post.id not in self.seen
                      and _page_of(post) in self.authors]
        for post in sorted(candidates, key=lambda p: p.published, reverse=True)[:RECHECKS]:
            if self.api.exhausted:
                return
            try:
                item = self.api.get(quote(post.native_id, safe=""), {"fields": FIELDS})
            except ConnectorError as error:
                if not (isinstance(error, GraphError) and error.missing):
                    result.warnings.append(f"rechecking known posts stopped: {error}")
                    return
                result.gone.append(post.id)
                continue
            self._take(item, self.authors[_page_of(post)], result, known_by_id)

    def _drop_shared_copies(self, result: FetchResult, known: dict[str, Post]) -> None:
        """A Page's share of a post that is on the wall anyway gives no second copy."""
        present = {post.id for post in result.posts} | set(known)
        kept = [post for post in result.posts if self.parents.get(post.id) not in present]
        result.skipped += len(result.posts) - len(kept)
        result.posts = kept


def _is_scan(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(value.get(key), int) and not isinstance(value[key], bool)
                                           and value[key] > 0 for key in ("until", "top"))


def _page_of(post: Post) -> str:
    return post.native_id.partition("_")[0]  # Page post ids are '{page-id}_{post-id}'


def page_post(item: dict, author: Author) -> Post | None:
    """One Page post as a Post; None when it lacks what a post needs."""
    native = str(item.get("id") or "")
    published = graph_time(item.get("created_time"))
    url = item.get("permalink_url")
    if not NATIVE_ID.fullmatch(native) or published is None or not is_web_url(url):
        return None
    text = plain_text(item.get("message"))
    # No edited_at: updated_time also moves when someone comments.  An edit shows as a changed
    # text or photo when the post is read again, and the fetch dates it to that run.
    return Post(id=f"facebook:{native}", platform="facebook", url=url, author=author,
                published=published, text=text, status="pending", hashtags=hashtags_in(text),
                media=_media(item, text))


def _media(item: dict, text: str) -> tuple[Media, ...]:
    """The photos of a post (each of an album) and the preview images of its videos."""
    parts: list[dict] = []
    for attachment in data_items(item.get("attachments")):
        parts.extend(data_items(attachment.get("subattachments")) or [attachment])
    return tuple(media for media in (_image(part, text) for part in parts) if media)


def _image(part: dict, text: str) -> Media | None:
    kind = str(part.get("type") or "")
    media = part.get("media") if isinstance(part.get("media"), dict) else {}
    image = media.get("image") if isinstance(media.get("image"), dict) else {}
    source = image.get("src")
    if not is_web_url(source) or not (kind in PHOTO_TYPES or "video" in kind):
        return None
    # `description` is the photo's caption; on a single photo it repeats the message.
    description = plain_text(part.get("description"))
    alt = "" if description == text else description
    if "video" in kind:
        alt = f"{VIDEO_ALT}: {alt}" if alt else VIDEO_ALT
    return Media(path="", type="image", alt=alt, source_url=source)
