"""`generate.py add URL`: a manual post scaffolded from a public page's Open Graph data.

Facebook and LinkedIn pages that no API of ours reaches still describe themselves
to link previews (og:title, og:description, og:image).  The post is stored as
pending; an editor checks and completes the text, then approves it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests
from selectolax.lexbor import LexborHTMLParser

from wall.config import Config
from wall.fields import in_range, parse_timestamp
from wall.media import MediaStore, withdrawn_pictures
from wall.merge import suggest_category
from wall.post import LANGUAGE_TAG, Author, Media, Post, post_filename
from wall.store import read_posts
from wall.yamlfile import display_path
from wall.writing import UnreadablePost, write_post
from wall.urls import comparable, is_web_url, safe_name
from wall.workers import usable_cpus

from .base import ConnectorError
from .html_text import html_to_text
from .http import HttpClient

MAX_PAGE = 2 * 1024 * 1024  # the <head> is what we need; a page is not read past this
HTML_TYPES = ("text/html", "application/xhtml+xml")
HASHTAG = re.compile(r"(?<![\w#&/])#(\w[\w·]*)")


class AddError(Exception):
    """The post was not added; nothing was written."""


@dataclass(frozen=True)
class PageInfo:
    """What a page says about itself in its <head>, as plain text."""

    title: str = ""  # og:title, else <title>
    description: str = ""  # og:description, else <meta name="description">
    image: str = ""  # og:image as an absolute http(s) URL, '' when there is none
    image_alt: str = ""  # og:image:alt
    site_name: str = ""  # og:site_name
    published: str = ""  # article:published_time as the page gives it
    locale: str = ""  # og:locale, e.g. de_DE


def add_post(config: Config, content_dir: Path, url: str, *, category: str = "", author: str = "",
             now: datetime | None = None, timeout: float = 20) -> tuple[Path, list[str]]:
    """Scaffold a pending manual post for url; return its file and warnings (images left out)."""
    if not is_web_url(url):
        raise AddError(f"only http and https addresses can be added, got {url[:100]!r}")
    if category and category not in config.category_keys:
        raise AddError(f"unknown category {category!r}; expected one of: {', '.join(config.category_keys)}")
    existing = existing_post(config, content_dir, url)
    if existing:
        raise AddError(f"a post for {url} already exists: {existing}; nothing was changed")
    http = HttpClient(timeout=timeout, retries=1)
    try:
        page = read_page(http, url)
    except ConnectorError as error:
        raise AddError(f"could not read the page: {error}") from None
    moment = (now or datetime.now(timezone.utc)).replace(microsecond=0)
    post = page_post(url, page, author=author, now=moment)
    post = replace(post, category=category or suggest_category(post.text, config.categories))
    media = MediaStore(content_dir, frozenset({urlsplit(url).netloc.lower()}), http.session.headers,
                       timeout=timeout, withdrawn=withdrawn_pictures(content_dir, config.moderation))
    post, warnings = media.localise(post)
    try:
        return write_post(content_dir, post), warnings
    except UnreadablePost as error:
        raise AddError(str(error)) from None


def existing_post(config: Config, content_dir: Path, url: str) -> str:
    """The file of a stored post with this URL (or this URL's manual id), '' when there is none."""
    path = content_dir / post_filename(manual_id(url))
    if path.is_file():
        return display_path(path)
    wanted = comparable(url)
    for post in read_posts(content_dir, set(config.category_keys), [], jobs=usable_cpus()):
        if comparable(post.url) == wanted:
            return post.file
    return ""


def manual_id(url: str) -> str:
    """'manual:<host and path as a slug>-<short hash of the URL>'."""
    parts = urlsplit(url)
    host = (parts.hostname or "").removeprefix("www.")
    slug = re.sub(r"[-._]+", "-", safe_name(f"{host}{parts.path}")).strip("-")[:60].strip("-")
    return f"manual:{slug}-{hashlib.sha256(url.encode('utf-8')).hexdigest()[:8]}"


def read_page(http: HttpClient, url: str) -> PageInfo:
    """Fetch a page (at most MAX_PAGE bytes of it) and read what it says about itself."""
    response = http.get(url, stream=True)
    try:
        body = _read_capped(response)
    finally:
        response.close()
    kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in HTML_TYPES:
        raise AddError(f"not an HTML page ({kind or 'no content type'}): {url}")
    return parse_page(_decode(body, response), response.url)


def _read_capped(response: requests.Response) -> bytes:
    chunks, size = [], 0
    for chunk in response.iter_content(64 * 1024):
        chunks.append(chunk)
        size += len(chunk)
        if size >= MAX_PAGE:
            break
    return b"".join(chunks)[:MAX_PAGE]


def _decode(body: bytes, response: requests.Response) -> str:
    if "charset=" in response.headers.get("content-type", "").lower() and response.encoding:
        return body.decode(response.encoding, errors="replace")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("cp1252", errors="replace")


def parse_page(html: str, base_url: str) -> PageInfo:
    """The Open Graph data of an HTML page, with <title> and the meta description as fallbacks."""
    tree = LexborHTMLParser(html)
    meta: dict[str, str] = {}
    for element in tree.css("meta"):
        key = (element.attributes.get("property") or element.attributes.get("name") or "").strip().lower()
        content = element.attributes.get("content")
        if key and content and key not in meta:
            meta[key] = content
    title = tree.css_first("title")
    image = (meta.get("og:image") or meta.get("og:image:url") or "").strip()
    image = urljoin(base_url, image) if image else ""
    return PageInfo(title=_plain(meta.get("og:title") or (title.text() if title else "")),
                    description=_plain(meta.get("og:description") or meta.get("description") or ""),
                    image=image if is_web_url(image) else "", image_alt=_plain(meta.get("og:image:alt", "")),
                    site_name=_plain(meta.get("og:site_name", "")),
                    published=meta.get("article:published_time", ""),
                    locale=meta.get("og:locale", "").strip())


def _plain(text: str) -> str:
    # Meta values are text, but a hostile or broken page may put markup into them.
    return " ".join(html_to_text(text).split())


def page_post(url: str, page: PageInfo, *, author: str, now: datetime) -> Post:
    """The pending manual post for a page; AddError when the page says nothing usable."""
    text = "\n\n".join(part for part in (page.title, page.description) if part)
    if not text:
        raise AddError(f"the page has no title or description (og:title, og:description, <title>, "
                       f"<meta name=\"description\">): {url}; write the post file by hand")
    media = (Media(path="", type="image", alt=page.image_alt, source_url=page.image),) if page.image else ()
    language = page.locale.replace("_", "-")
    return Post(id=manual_id(url), platform="manual", url=url, text=text, status="pending",
                author=Author(name=author.strip() or page.site_name or (urlsplit(url).hostname or "")),
                published=_published(page.published, now), media=media, fetched_at=now,
                language=language if LANGUAGE_TAG.fullmatch(language) else "",
                hashtags=tuple(dict.fromkeys(HASHTAG.findall(text))))


def _published(value: str, now: datetime) -> datetime:
    """article:published_time in UTC; now when it is missing, unreadable, before 2000 or in the future."""
    try:
        moment = parse_timestamp(value) or datetime.fromisoformat(value.strip())
    except ValueError:
        return now
    if moment.tzinfo is None:  # a date without an offset: read as UTC
        moment = moment.replace(tzinfo=timezone.utc)
    return min(moment.astimezone(timezone.utc), now) if in_range(moment) else now
