"""Render the whole wall into {relative path: text}; no file is read or written here."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markdown_it import MarkdownIt

from .config import Config
from .dates import german_date, iso
from .platforms import PLATFORMS
from .post import Post
from .related import related_posts
from .store import Page
from .text import excerpt
from .views import PostView, post_view

RESERVED_PATHS = {"seite", "beitrag", "plattform", "kategorie", "static", "media", "feed",
                  "wall", "suche", "404"}
FEED_SIZE = 50
SCREEN_POSTS = 20  # newest posts in the screen mode
SEARCH_TEXT = 300  # characters of each post in the search index


@dataclass(frozen=True)
class Listing:
    """One page of a paginated list of posts."""

    path: str  # output folder below the site root, '' for the front page
    posts: list[PostView]  # newest first
    number: int | None  # archive number (1 = oldest), None for the listing's first page
    archive_size: int  # how many archive pages the listing has
    newer: str | None  # path of the page with newer posts
    older: str | None  # path of the page with older posts


@dataclass(frozen=True)
class Section:
    """A filtered listing: a platform or a category."""

    key: str
    label: str
    path: str  # e.g. 'kategorie/angebot/'
    count: int


@dataclass(frozen=True)
class SiteInput:
    """Everything a build renders from, gathered before anything is rendered."""

    config: Config
    posts: tuple[Post, ...]  # the shown posts, in any order
    pages: tuple[Page, ...]
    updated: datetime | None  # 'Stand': the last fetch, else the newest post
    demo: bool  # the posts are the shipped demo set
    css_path: str  # the stylesheet below the site root, with a cache-busting version


def make_environment(templates: Path) -> Environment:
    """Jinja2 with autoescaping for every template, and no silent undefined values."""
    return Environment(loader=FileSystemLoader(str(templates)), autoescape=True,
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                       keep_trailing_newline=True)


def sort_newest_first(posts: Iterable[Post]) -> list[Post]:
    """Newest first; posts published at the same moment by id, so order never varies."""
    return sorted(sorted(posts, key=lambda post: post.id),
                  key=lambda post: post.published, reverse=True)


def paginate(views: list[PostView], per_page: int, prefix: str) -> list[Listing]:
    """Split a newest-first list so archive pages never change when posts are added.

    Archive page i holds the i-th block of per_page posts counted from the oldest;
    the listing's first page holds everything newer than the last full archive
    page (between per_page and 2 * per_page - 1 posts).
    """
    archive_size = max(len(views) // per_page - 1, 0)
    oldest_first = views[::-1]
    blocks = [oldest_first[(i - 1) * per_page: i * per_page][::-1] for i in range(1, archive_size + 1)]
    front = oldest_first[archive_size * per_page:][::-1]

    def path(number: int | None) -> str:
        return prefix if number is None else f"{prefix}seite/{number}/"

    pages = [Listing(prefix, front, None, archive_size, None,
                     path(archive_size) if archive_size else None)]
    for number, block in enumerate(blocks, 1):
        newer = path(number + 1) if number < archive_size else path(None)
        pages.append(Listing(path(number), block, number, archive_size, newer,
                             path(number - 1) if number > 1 else None))
    return pages


def render_site(site: SiteInput, env: Environment) -> dict[str, str]:
    """Every generated file of the wall: path below the site root -> text."""
    config = site.config
    views = [post_view(post, config) for post in sort_newest_first(site.posts)]
    platforms = _sections(views, "plattform", {k: p.label for k, p in PLATFORMS.items()},
                          _platform_of)
    categories = _sections(views, "kategorie", {c.key: c.label for c in config.categories},
                           _category_of)
    common = dict(site=config.site, demo=site.demo, css=site.css_path, categories=categories,
                  platforms=platforms, legal_pages=site.pages,
                  updated=german_date(site.updated) if site.updated else "",
                  updated_iso=iso(site.updated) if site.updated else "")
    renderer = _Renderer(env, common)
    files: dict[str, str] = {}
    pinned = [view for view in views if view.post.pinned]
    files.update(renderer.listings(views, "", "Alle Beiträge", pinned=pinned))
    for sections, key_of in ((platforms, _platform_of), (categories, _category_of)):
        for section in sections:
            selected = [view for view in views if key_of(view) == section.key]
            files.update(renderer.listings(selected, section.path, section.label, section=section))
    related = related_posts(site.posts, config.hashtags)
    by_id = {view.post.id: view for view in views}
    for view in views:
        files[f"beitrag/{view.slug}/index.html"] = renderer.page(
            "post.html", f"beitrag/{view.slug}/", view=view, title=view.title, description=view.summary,
            related=[by_id[other] for other in related[view.post.id]], related_heading=_related_heading(view),
            image=_first_image(view))
    markdown = MarkdownIt("commonmark", {"html": False, "typographer": False})
    for page in site.pages:
        files[f"{page.slug}/index.html"] = renderer.page(
            "page.html", f"{page.slug}/", page=page, body=markdown.render(page.markdown),
            title=page.title, description=page.description)
    files["404.html"] = renderer.page("404.html", None, title="Seite nicht gefunden", description="")
    files["suche/index.html"] = renderer.page("search.html", "suche/", title="Suche",
                                              description="Alle Beiträge durchsuchen")
    files["suche/index.json"] = search_index(views)
    files.update(_screen_mode(views[:SCREEN_POSTS], renderer))
    files.update(_feeds_and_indexes(views, files, renderer, config, site.updated))
    return files


def _related_heading(view: PostView) -> str:
    return {"angebot": "Passende Gesuche", "gesuch": "Passende Angebote"}.get(view.post.category,
                                                                              "Ähnliche Beiträge")


def _first_image(view: PostView) -> str:
    """The post's first image (path below the site root), for link previews."""
    return next((media.src for media in view.media if media.type == "image"), "")


def _platform_of(view: PostView) -> str:
    return view.post.platform


def _category_of(view: PostView) -> str:
    return view.post.category


def _sections(views: list[PostView], kind: str, labels: dict[str, str], key_of) -> list[Section]:
    counts: dict[str, int] = {}
    for view in views:
        if key_of(view):
            counts[key_of(view)] = counts.get(key_of(view), 0) + 1
    return [Section(key, label, f"{kind}/{key}/", counts[key])
            for key, label in labels.items() if counts.get(key)]


class _Renderer:
    """Renders templates with the context every page shares."""

    def __init__(self, env: Environment, common: dict[str, Any]):
        self.env = env
        self.common = common

    def page(self, template: str, path: str | None, **context: Any) -> str:
        """Render one page at path ('' = front page; None = any URL, as for 404.html)."""
        context.setdefault("image", "")
        root = "../" * path.count("/") if path is not None else _absolute_root(self.common["site"].base_url)
        canonical = self.common["site"].base_url + path if path is not None else ""
        return self.env.get_template(template).render(
            **self.common, **context, root=root, path=path or "", canonical=canonical)

    def listings(self, views: list[PostView], prefix: str, heading: str,
                 section: Section | None = None, pinned: list[PostView] | None = None) -> dict[str, str]:
        per_page = self.common["site"].posts_per_page
        files = {}
        for listing in paginate(views, per_page, prefix):
            front = listing.number is None
            highlighted = pinned if (pinned and front) else []
            shown = [v for v in listing.posts if v not in highlighted]
            title = heading if front else f"{heading} – Archivseite {listing.number}"
            files[listing.path + "index.html"] = self.page(
                "wall.html", listing.path, listing=listing, posts=shown, pinned=highlighted,
                heading=heading, title=title, section=section, is_home=(prefix == "" and front),
                total=len(views), description=self.common["site"].description)
        return files


def _absolute_root(base_url: str) -> str:
    """The site root as an absolute path, e.g. '/essenarbeitetzusammen/'."""
    after_host = base_url.split("://", 1)[-1]
    return "/" + after_host.split("/", 1)[1] if "/" in after_host else "/"


def _feeds_and_indexes(views: list[PostView], files: dict[str, str], renderer: _Renderer,
                       config: Config, updated: datetime | None) -> dict[str, str]:
    newest = views[:FEED_SIZE]
    feed_updated = iso(updated) if updated else "1970-01-01T00:00:00+00:00"
    html_pages = sorted(path[: -len("index.html")] for path in files if path.endswith("index.html"))
    lastmod = {f"beitrag/{v.slug}/": iso(v.post.edited_at or v.post.published) for v in views}
    return {
        "feed.xml": renderer.page("feed.xml", "feed.xml", posts=newest, feed_updated=feed_updated,
                                  title=config.site.title, description=config.site.description),
        "feed.json": json_feed(newest, config),
        "sitemap.xml": renderer.page("sitemap.xml", "sitemap.xml", paths=html_pages, lastmod=lastmod,
                                     title="", description=""),
        "robots.txt": renderer.page("robots.txt", "robots.txt", title="", description=""),
    }


def _screen_mode(views: list[PostView], renderer: "_Renderer") -> dict[str, str]:
    version = hashlib.sha256("\n".join(f"{v.post.id} {v.updated}" for v in views).encode()).hexdigest()[:16]
    return {"wall/index.html": renderer.page("screen.html", "wall/", posts=views, version=version,
                                             title="Bildschirm-Ansicht", description="Die neuesten Beiträge, groß",
                                             body_class="screen"),
            "wall/stand.txt": version + "\n"}


def search_index(views: list[PostView]) -> str:
    """The posts as the in-browser search reads them: short keys, newest first."""
    entries = [{"s": view.slug, "a": view.author_name, "p": view.platform_label, "c": view.category_label,
                "d": view.date, "t": excerpt(view.text, SEARCH_TEXT), "h": list(view.post.hashtags),
                **({"l": view.post.language} if view.post.language else {})} for view in views]
    return json.dumps(entries, ensure_ascii=False, separators=(",", ":")) + "\n"


def json_feed(views: list[PostView], config: Config) -> str:
    """The wall as JSON Feed 1.1."""
    base = config.site.base_url
    items = [_json_item(view, base) for view in views]
    feed = {"version": "https://jsonfeed.org/version/1.1", "title": config.site.title,
            "home_page_url": base, "feed_url": base + "feed.json",
            "description": config.site.description, "language": config.site.language,
            "items": items}
    return json.dumps(feed, ensure_ascii=False, indent=2, sort_keys=False) + "\n"


def _json_item(view: PostView, base: str) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": view.permalink, "url": view.permalink, "title": view.title,
        "content_text": view.text, "date_published": view.datetime,
        "authors": [{"name": view.author_name, **({"url": view.profile_url} if view.profile_url else {})}],
        "tags": [tag for tag in (view.category_label, view.platform_label) if tag] + list(view.post.hashtags),
    }
    if view.original_url:
        item["external_url"] = view.original_url
    if view.post.edited_at:
        item["date_modified"] = view.updated
    images = [media for media in view.media if media.type == "image"]
    if images:
        item["image"] = base + images[0].src
    if view.post.language:
        item["language"] = view.post.language
    return item
