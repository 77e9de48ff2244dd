"""Instagram: public media of the hashtags, through the Graph API hashtag search.

Hashtag search serves only media of about the last 24 hours, with no author at all
(no username, profile or avatar), no alt text, no language and no edit marker.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Sequence

from wall.post import Author, Media, Post
from wall.urls import is_web_url

from .base import FetchResult, SourceContext
from .graph import (GRAPH_API, NATIVE_ID, GraphApi, GraphSettings, data_items, graph_time,
                    hashtags_in, keep_known_sources, plain_text)

AUTHOR_NAME = "Instagram-Beitrag"  # hashtag search never says who posted
FIELDS = "id,caption,media_type,media_url,permalink,timestamp,children{id,media_type,media_url}"
PAGE_SIZE = 50  # the most recent_media serves per page


@dataclass(frozen=True, kw_only=True)
class InstagramSettings(GraphSettings):
    """An Instagram source: the business account that searches, and its token."""

    user_id: str  # the Instagram business or creator account id (quoted in YAML)
    token_env: str = "INSTAGRAM_TOKEN"
    # recent_media serves the last 24 hours only: a source read once a day loses posts.
    hourly: bool = True


class InstagramConnector:
    """Reads /{hashtag-id}/recent_media for each hashtag.

    `gone` stays empty: hashtag media belong to other accounts, whose media only their
    owners may read by id, so a deletion cannot be told from the 24-hour window closing.
    """

    type = "instagram"
    Settings = InstagramSettings
    default_api_base = GRAPH_API
    needs_token = True

    def __init__(self, settings: InstagramSettings, context: SourceContext):
        self.settings = settings
        self.context = context
        self.api = GraphApi(context.http, settings, context.token)

    def fetch(self, known: Sequence[Post]) -> FetchResult:
        """Read the recent media of every hashtag (the last ~24 hours)."""
        result = FetchResult(state={"hashtag_ids": {}})
        known_by_id = {post.id: post for post in known}
        seen: set[str] = set()
        for tag in self.context.hashtags:
            hashtag_id = self._hashtag_id(tag, result)
            if hashtag_id:
                self._read_media(hashtag_id, result, seen, known_by_id)
        result.warnings.extend(self.api.warnings)
        return result

    def _hashtag_id(self, tag: str, result: FetchResult) -> str:
        """The hashtag's Graph id: from the state, else one search (ids never change)."""
        query = unicodedata.normalize("NFC", tag).lower()
        cached = self.context.state.get("hashtag_ids")
        hashtag_id = str(cached.get(query) or "") if isinstance(cached, dict) else ""
        if not hashtag_id:
            body = self.api.get("ig_hashtag_search", {"user_id": self.settings.user_id, "q": query})
            found = [item for item in data_items(body) if item.get("id")]
            if not found:
                result.warnings.append(f"Instagram knows no hashtag #{query}")
                return ""
            hashtag_id = str(found[0]["id"])
        result.state["hashtag_ids"][query] = hashtag_id
        return hashtag_id

    def _read_media(self, hashtag_id: str, result: FetchResult, seen: set[str],
                    known: dict[str, Post]) -> None:
        params = {"user_id": self.settings.user_id, "fields": FIELDS, "limit": PAGE_SIZE}
        path = f"{hashtag_id}/recent_media"
        for items in self.api.pages(path, params, self.settings.max_pages):
            for item in items:
                media_id = str(item.get("id") or "")
                if media_id in seen:
                    continue
                seen.add(media_id)
                post = media_to_post(item)
                if post is None:
                    result.skipped += 1
                else:
                    post = keep_known_sources(post, known)
                    result.posts.append(post)
                    self.context.hand_over(post)


def media_to_post(item: dict) -> Post | None:
    """One hashtag search result as a Post; None when it lacks what a post needs."""
    media_id = str(item.get("id") or "")
    published = graph_time(item.get("timestamp"))
    url = item.get("permalink")
    if not NATIVE_ID.fullmatch(media_id) or published is None or not is_web_url(url):
        return None
    text = plain_text(item.get("caption"))
    return Post(id=f"instagram:{media_id}", platform="instagram", url=url,
                author=Author(name=AUTHOR_NAME), published=published, text=text, status="pending",
                hashtags=hashtags_in(text), media=_images(item))


def _images(item: dict) -> tuple[Media, ...]:
    """The images of a post: each carousel child, else the media itself.

    Videos are left out: hashtag search gives no still image of them, only the video file.
    """
    children = data_items(item.get("children"))
    parts = children if item.get("media_type") == "CAROUSEL_ALBUM" and children else [item]
    return tuple(Media(path="", type="image", source_url=part["media_url"]) for part in parts
                 if part.get("media_type") != "VIDEO" and is_web_url(part.get("media_url")))
