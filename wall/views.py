"""What a template needs to show one post: every value computed here, no markup."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from .config import Config
from .dates import german_date, german_datetime, iso
from .platforms import PLATFORMS
from .post import Post
from .text import Segment, clean_text, excerpt, paragraphs
from .urls import href, is_web_url
from .variants import needs_small, small_name

TAGLINE = "#EssenArbeitetZusammen"


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
    """A post with everything its card and page show."""

    post: Post
    slug: str  # URL name below beitrag/
    author_name: str  # without bidi or control characters, like every text below
    handle: str  # '' when the platform gives none
    text: str  # the post's plain text
    content_warning: str  # '' when none
    platform_label: str  # 'Mastodon', 'X (Twitter)', ...
    original_link_text: str  # 'Original auf Mastodon', 'Zur Quelle', ...
    category_label: str  # '' when uncategorised
    date: str  # '23. März 2020'
    date_long: str  # '23. März 2020, 14:05 Uhr'
    datetime: str  # ISO 8601 for <time datetime>
    updated: str  # ISO 8601 of the last edit, else of publication
    paragraphs: list[list[list[Segment]]]  # the text, ready to render
    media: tuple[MediaView, ...]
    avatar: str  # path below the site root, '' for none
    original_url: str  # the post on its platform, '' when not a safe link
    profile_url: str  # the author's profile, '' when not a safe link
    permalink: str  # absolute URL of the post's page on the wall
    contact_href: str  # mailto: link to the EWG naming the post
    removal_href: str  # mailto: link asking for removal
    title: str  # 'Beitrag von … (Plattform)', for <title> and feeds
    summary: str  # a one-line excerpt


def post_view(post: Post, config: Config) -> PostView:
    """Compute what the templates show for one post."""
    author = clean_text(post.author.name)
    platform = PLATFORMS[post.platform].label
    category = config.category_keys.get(post.category)
    permalink = f"{config.site.base_url}beitrag/{post.slug}/"
    date = german_date(post.published)
    return PostView(
        post=post, slug=post.slug, author_name=author, handle=clean_text(post.author.handle),
        text=clean_text(post.text), content_warning=clean_text(post.content_warning),
        platform_label=platform, original_link_text=PLATFORMS[post.platform].original_link_text,
        category_label=category.label if category else "",
        date=date, date_long=german_datetime(post.published), datetime=iso(post.published),
        updated=iso(post.edited_at or post.published),
        paragraphs=paragraphs(post.text, post.platform, post.url),
        media=tuple(_media_view(media, author) for media in post.media),
        avatar=post.author.avatar,
        original_url=href(post.url) if is_web_url(post.url) else "",
        profile_url=href(post.author.url) if is_web_url(post.author.url) else "",
        permalink=permalink,
        contact_href=contact_mailto(config.site.contact_email, post, author, platform, date, permalink),
        removal_href=removal_mailto(config.site.contact_email, post, author, platform, date, permalink),
        title=f"Beitrag von {author} ({platform})",
        summary=excerpt(post.text or post.content_warning or "", 160),
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
        return quote(value.replace("\r\n", "\n").replace("\n", "\r\n"), safe="")
    return f"mailto:{address}?subject={encode(subject)}&body={encode(body)}"


def contact_mailto(address: str, post: Post, author: str, platform: str, date: str,
                   permalink: str) -> str:
    """'Kontakt aufnehmen': the EWG gets a mail that names the post and its permalink."""
    subject = f"{TAGLINE}: Kontakt zum Beitrag von {author} ({platform}, {date})"
    quoted = excerpt(post.text, 60)
    body = (f"Guten Tag,\n\nich möchte Kontakt zu {author} aufnehmen, wegen dieses Beitrags "
            f"vom {date} ({platform}):\n"
            + (f"„{quoted}“\n" if quoted else "")
            + f"\nBeitrag auf der Wall: {permalink}\nOriginal: {post.url}\n\nMein Anliegen:\n\n")
    return mailto(address, subject, body)


def removal_mailto(address: str, post: Post, author: str, platform: str, date: str,
                   permalink: str) -> str:
    """'Entfernung beantragen': a mail asking the EWG to take a post down."""
    subject = f"{TAGLINE}: Entfernung beantragen – Beitrag von {author} ({platform}, {date})"
    body = (f"Guten Tag,\n\nbitte entfernen Sie diesen Beitrag von der Social Media Wall "
            f"{TAGLINE}:\n\nBeitrag auf der Wall: {permalink}\nOriginal: {post.url}\n"
            f"Kennung: {post.id}\n\nGrund (freiwillig):\n\n")
    return mailto(address, subject, body)
