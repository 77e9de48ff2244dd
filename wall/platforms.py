"""What the wall knows about each platform: its German label and how tags and people link."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from urllib.parse import quote

from .urls import is_web_url


@dataclass(frozen=True)
class Platform:
    """A platform posts come from."""

    key: str  # the `platform` field of a post file
    label: str  # shown to visitors
    tag_url: str = ""  # hashtag link, {tag} is filled in; empty: no link
    person_url: str = ""  # @mention link, {name} is filled in; empty: no link
    original_label: str = ""  # text of the link to the original; default 'Original auf <label>'

    @property
    def original_link_text(self) -> str:
        """'Original auf Mastodon', or the platform's own wording."""
        return self.original_label or f"Original auf {self.label}"

    def hashtag_link(self, tag: str, post_url: str = "") -> str:
        """The platform's page for a hashtag, '' where it has none."""
        if not self.tag_url:
            return ""
        return _hashtag_link(self.tag_url, tag, _origin(post_url))

    def mention_link(self, name: str, post_url: str = "") -> str:
        """The profile page of a mentioned account, '' where it cannot be known."""
        if not self.person_url:
            return ""
        if self.key == "mastodon":
            link = _fediverse_profile(name, post_url)
        else:
            link = self.person_url.format(name=quote(name, safe="."))
        return link if is_web_url(link) else ""


@functools.lru_cache(maxsize=4096)  # posts share their hashtags: a link is made and checked once
def _hashtag_link(tag_url: str, tag: str, origin: str) -> str:
    link = tag_url.format(tag=quote(tag, safe=""), origin=origin)
    return link if is_web_url(link) else ""


def _origin(url: str) -> str:
    parts = url.split("/", 3)
    return "/".join(parts[:3]) if len(parts) >= 3 and parts[0] in ("http:", "https:") else ""


def _fediverse_profile(name: str, post_url: str) -> str:
    """@user@host links to https://host/@user; a bare @user to the post's own instance."""
    user, _, host = name.partition("@")
    if host:
        return f"https://{quote(host, safe='.-')}/@{quote(user, safe='._-')}"
    origin = _origin(post_url)
    return f"{origin}/@{quote(user, safe='._-')}" if origin else ""


PLATFORMS: dict[str, Platform] = {
    platform.key: platform
    for platform in (
        Platform("mastodon", "Mastodon", "{origin}/tags/{tag}", "fediverse"),
        Platform("bluesky", "Bluesky", "https://bsky.app/hashtag/{tag}",
                 "https://bsky.app/profile/{name}"),
        Platform("threads", "Threads", "https://www.threads.net/search?q={tag}&serp_type=tags",
                 "https://www.threads.net/@{name}"),
        Platform("x", "X (Twitter)", "https://x.com/hashtag/{tag}", "https://x.com/{name}"),
        Platform("instagram", "Instagram", "https://www.instagram.com/explore/tags/{tag}/",
                 "https://www.instagram.com/{name}/"),
        Platform("facebook", "Facebook", "https://www.facebook.com/hashtag/{tag}"),
        Platform("linkedin", "LinkedIn", "https://www.linkedin.com/feed/hashtag/{tag}/"),
        Platform("rss", "Website", original_label="Zur Website des Unternehmens"),
        Platform("manual", "Direkt eingereicht", original_label="Zur Quelle"),
    )
}


def network_labels() -> list[str]:
    """The social networks the wall reads, as visitors see them named (not websites or submissions)."""
    return [platform.label for platform in PLATFORMS.values() if platform.key not in ("rss", "manual")]
