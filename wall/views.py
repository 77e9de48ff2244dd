"""What a template needs to show one post: every value computed here, no markup."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from .config import Config
from .dates import german_date, german_datetime, iso
from .platforms import PLATFORMS
from .post import Post
from .text import Segment, clean_text, excerpt, paragraphs, text_start
from .urls import href, is_web_url
from .variants import needs_small, small_name

TAGLINE = "#EssenArbeitetZusammen"
CARD_TEXT = 600  # characters of a post's text a card in a listing shows; its page shows all (about 8 phone lines)


@dataclass(frozen=True)
class MediaView:
    """One attachment as the page shows it."""

    src: str  # path below the site root
    type: str  # 'image' or 'video'
    alt: str  # never empty for images: a fallback names the author
    width: int | None
    height: int | None
    small: str = ""  # a 640-pixel copy for narrow screens, '' when the image is small already


@dataclass(frozen=True)
class PostView:
    """A post with everything its card and page show.

    The fields are what every mention of a post needs (a related-posts list shows
    no more); the properties below them, costlier, are computed when first used.
    """

    post: Post
    config: Config = field(repr=False, compare=False)
    slug: str  # URL name below beitrag/
    author_name: str  # without bidi or control characters, like every text below
    platform_label: str  # 'Mastodon', 'X (Twitter)', ...
    category_label: str  # '' when uncategorised
    date: str  # '23. März 2020'
    datetime: str  # ISO 8601 for <time datetime>
    permalink: str  # absolute URL of the post's page on the wall
    title: str  # 'Beitrag von … (Plattform)', for <title> and feeds
    summary: str  # a one-line excerpt

    @cached_property
    def handle(self) -> str:
        """'' when the platform gives none."""
        return clean_text(self.post.author.handle)

    @cached_property
    def text(self) -> str:
        """The post's plain text."""
        return clean_text(self.post.text)

    @cached_property
    def content_warning(self) -> str:
        """'' when none."""
        return clean_text(self.post.content_warning)

    @property
    def original_link_text(self) -> str:
        """'Original auf Mastodon', 'Zur Quelle', ..."""
        return PLATFORMS[self.post.platform].original_link_text

    @cached_property
    def date_long(self) -> str:
        """'23. März 2020, 14:05 Uhr'."""
        return german_datetime(self.post.published)

    @cached_property
    def updated(self) -> str:
        """ISO 8601 of the last edit, else of publication."""
        return iso(self.post.edited_at or self.post.published)

    @cached_property
    def paragraphs(self) -> list[list[list[Segment]]]:
        """The text, ready to render."""
        return paragraphs(self.post.text, self.post.platform, self.post.url)

    @cached_property
    def is_cut(self) -> bool:
        """A card in a listing shows only the start of a long text (the post's page all of it)."""
        return len(self.post.text) > CARD_TEXT

    @cached_property
    def card_paragraphs(self) -> list[list[list[Segment]]]:
        """What a card in a listing shows of the text: all of it, or its start ending in '…'."""
        if not self.is_cut:
            return self.paragraphs
        return paragraphs(text_start(self.post.text, CARD_TEXT), self.post.platform, self.post.url)

    @cached_property
    def media(self) -> tuple[MediaView, ...]:
        return tuple(_media_view(media, self.author_name) for media in self.post.media)

    @property
    def avatar(self) -> str:
        """Path below the site root, '' for none."""
        return self.post.author.avatar

    @cached_property
    def original_url(self) -> str:
        """The post on its platform, '' when not a safe link."""
        return href(self.post.url) if is_web_url(self.post.url) else ""

    @cached_property
    def profile_url(self) -> str:
        """The author's profile, '' when not a safe link."""
        return href(self.post.author.url) if is_web_url(self.post.author.url) else ""

    @cached_property
    def contact_href(self) -> str:
        """mailto: link to the EWG naming the post."""
        return contact_mailto(self.config.site.contact_email, self.post, self.author_name, self.platform_label,
                              self.date, self.permalink)

    @cached_property
    def removal_href(self) -> str:
        """mailto: link asking for removal."""
        return removal_mailto(self.config.site.contact_email, self.post, self.author_name, self.platform_label,
                              self.date, self.permalink)


def post_view(post: Post, config: Config) -> PostView:
    """What the templates show for one post (the costly parts only when asked for)."""
    author = clean_text(post.author.name)
    platform = PLATFORMS[post.platform].label
    category = config.category_keys.get(post.category)
    return PostView(
        post=post, config=config, slug=post.slug, author_name=author, platform_label=platform,
        category_label=category.label if category else "", date=german_date(post.published),
        datetime=iso(post.published), permalink=f"{config.site.base_url}beitrag/{post.slug}/",
        title=f"Beitrag von {author} · {platform}", summary=excerpt(post.text or post.content_warning or "", 160),
    )


def _media_view(media, author: str) -> MediaView:
    alt = clean_text(media.alt).strip()
    if not alt and media.type == "image":
        alt = f"Bild aus dem Beitrag von {author}"
    small = small_name(media.path) if media.type == "image" and needs_small(media.width) else ""
    return MediaView(src=media.path, type=media.type, alt=alt, width=media.width, height=media.height, small=small)


def mailto(address: str, subject: str, body: str) -> str:
    """A mailto: URL with subject and body encoded as RFC 6068 asks (CRLF line breaks)."""
    def encode(value: str) -> str:
        return percent_encoded(value.replace("\r\n", "\n").replace("\n", "\r\n"))
    return f"mailto:{address}?subject={encode(subject)}&body={encode(body)}"


_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_PERCENT = [chr(byte) if byte in _UNRESERVED else f"%{byte:02X}" for byte in range(256)]


def percent_encoded(value: str) -> str:
    """urllib.parse.quote(value, safe=''), one and a half times as fast: every card has two
    mail links whose bodies are hundreds of bytes, and quote() looks up each byte in Python."""
    return "".join(map(_PERCENT.__getitem__, value.encode("utf-8")))


def contact_mailto(address: str, post: Post, author: str, platform: str, date: str,
                   permalink: str) -> str:
    """'Kontakt aufnehmen': the EWG gets a mail that names the post and its permalink."""
    subject = f"{TAGLINE}: Kontakt zum Beitrag von {author} · {platform} · {date}"
    quoted = excerpt(post.text, 60)
    body = (f"Guten Tag,\n\nich möchte Kontakt zu {author} aufnehmen, wegen dieses Beitrags "
            f"vom {date} · {platform}:\n"
            + (f"„{quoted}“\n" if quoted else "")
            + f"\nBeitrag auf der Wall: {permalink}\nOriginal: {post.url}\n\nMein Anliegen:\n\n")
    return mailto(address, subject, body)


def removal_mailto(address: str, post: Post, author: str, platform: str, date: str,
                   permalink: str) -> str:
    """'Entfernung beantragen': a mail asking the EWG to take a post down."""
    subject = f"{TAGLINE}: Entfernung beantragen – Beitrag von {author} · {platform} · {date}"
    body = (f"Guten Tag,\n\nbitte entfernen Sie diesen Beitrag von der Social Media Wall "
            f"{TAGLINE}:\n\nBeitrag auf der Wall: {permalink}\nOriginal: {post.url}\n"
            f"Kennung: {post.id}\n\nGrund (freiwillig):\n\n")
    return mailto(address, subject, body)
