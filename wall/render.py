"""Render the wall into {relative path: text}; no file is read or written here.

Every page gets a key: a hash of everything it is made from (its posts, the
config, the templates, the rendering code).  Given the keys of the previous
build, only pages whose key changed are rendered; the caller reuses the rest.
Where nothing a plan is made from changed (plan_key), the last build's keys stand
as they are, and the site is not planned again.
A page rendered this way is byte-identical to the same page in a full build.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from jinja2 import Environment

from .composed import Composed
from .dates import german_date, german_period, german_span, iso
from .feeds import FEED_SIZE, arrival_or_edit, json_feed, last_modified, search_index
from .pages import EASY_LANGUAGE
from .pagination import Listing, paginate, sort_newest_first
from .platforms import network_labels
from .post import Post
from .related import related_posts
from .renderer import PageRenderer
from .sitedata import (ARCHIVE, SCREEN, SCREEN_POSTS, Section, SiteInput, archive_months, index_parts,
                       placed_by_section, search_part_file, site_sections, sitemap_folders, sitemap_part_file)

HOME_TITLE = "Essen arbeitet zusammen"  # the front page's heading (templates/wall.html)
CODE = ("render.py", "sitedata.py", "renderer.py", "views.py", "text.py", "platforms.py", "dates.py", "related.py",
        "feeds.py", "urls.py", "variants.py", "composed.py", "pagination.py", "pages.py")


@dataclass
class Rendered:
    """A build's plan: every file's key, and how to render the ones that changed."""

    keys: dict[str, str] = field(default_factory=dict)  # every file of the site -> its key
    # The changed files, unrendered, ordered by the newest post each shows: neighbours in this
    # list share cards, so workers given neighbouring pages render each card only once.  A page
    # renders to its text, or (for HTML pages) to a Composed skeleton with shared parts.
    pending: list[tuple[str, Callable[[], str | Composed]]] = field(default_factory=list)


def _listing_title(heading: str, shown: list[Post], period: str, is_home: bool) -> str:
    """The front page carries the wall's name, as its heading does; archive pages their dates."""
    if is_home:
        return HOME_TITLE
    return f"{heading} {german_span(shown[-1].published, shown[0].published)}" if period else heading


def render_site(site: SiteInput, env: Environment, previous: Mapping[str, str] | None = None,
                related_cache: dict | None = None, jobs: int = 1) -> Rendered:
    """Plan every file; the ones whose key differs from previous (all without it) are to render.

    related_cache keeps the related-posts search between builds (see related_posts),
    which up to jobs processes share.
    """
    plan = _Plan(site, env, previous or {}, related_cache, jobs)
    wall = plan.listings(plan.placed, "", "Alle Beiträge", pinned=[p for p in plan.posts if p.pinned])
    in_section = placed_by_section(plan.placed)
    for section in plan.platforms + plan.categories:
        plan.listings(in_section[section.path], section.path, section.label, section=section)
    plan.post_pages()
    plan.month_index(wall)
    plan.other_pages()
    plan.machine_files()
    return plan.sorted_result()


def plan_key(site: SiteInput, env: Environment) -> str:
    """A digest of everything render_site plans from: where it is the last build's, so is every
    page's key (a rebuild with nothing changed need not plan again)."""
    inputs = (site.config, sorted(post.digest for post in site.placed), sorted(post.id for post in site.posts),
              site.pages, site.updated, site.demo, site.css_path)
    return hashlib.sha256(repr(inputs).encode() + _code_digest().encode()
                          + _templates_digest(env).encode()).hexdigest()


@functools.cache
def _markdown() -> Any:
    from markdown_it import MarkdownIt  # here: only a build that renders an editor's page needs it

    return MarkdownIt("commonmark", {"html": False, "typographer": False})


def _code_digest() -> str:
    here = Path(__file__).resolve().parent
    return hashlib.sha256(b"".join((here / name).read_bytes() for name in CODE)).hexdigest()


def _templates_digest(env: Environment) -> str:
    folder = Path(env.loader.searchpath[0])  # type: ignore[union-attr]
    files = sorted(path for path in folder.rglob("*") if path.is_file())
    return hashlib.sha256(b"".join(p.name.encode() + p.read_bytes() for p in files)).hexdigest()


class _Plan:
    """Works out every file of the site and its key; self.pages renders the ones that changed."""

    def __init__(self, site: SiteInput, env: Environment, previous: Mapping[str, str],
                 related_cache: dict | None = None, jobs: int = 1):
        self.site, self.env, self.previous, self.related_cache = site, env, previous, related_cache
        self.jobs = jobs
        self.config = site.config
        self.placed = sort_newest_first(site.placed)
        self._shown_ids = {post.id for post in site.posts}
        self.posts = [post for post in self.placed if post.id in self._shown_ids]  # shown posts are placed
        self.result = Rendered()
        self._rank = {post.id: rank for rank, post in enumerate(self.posts)}
        self._pending_ranks: list[int] = []
        # Post pages and archive pages with the newest post they show: the sitemap part they go in.
        self._dated: dict[str, Post] = {}
        self.platforms, self.categories = site_sections(self.posts, self.config)
        self.common = dict(site=self.config.site, demo=site.demo, css=site.css_path, categories=self.categories,
                           platforms=self.platforms, networks=network_labels(), legal_pages=site.pages,
                           easy_language=next((p for p in site.pages if p.slug == EASY_LANGUAGE), None),
                           updated=german_date(site.updated) if site.updated else "",
                           updated_iso=iso(site.updated) if site.updated else "")
        self.pages = PageRenderer(env, self.config, self.common,
                                  [section.path for section in self.categories + self.platforms])
        # Only what pages show: a new deny rule or source must not re-render the wall.
        everywhere = (self.config.site, self.config.categories, self.config.hashtags, site.demo, site.css_path,
                      [(s.key, s.label) for s in self.platforms], [(s.key, s.label) for s in self.categories],
                      [(p.slug, p.title, p.order) for p in site.pages])
        self.global_key = hashlib.sha256(repr(everywhere).encode() + _code_digest().encode()
                                         + _templates_digest(env).encode()).hexdigest()

    def emit(self, path: str, material: Any, render: Callable[[], str | Composed], newest: Post | None = None) -> None:
        """Record a file with its key; render it only when the key is new.  newest: the newest post it shows."""
        key = hashlib.sha256(f"{self.global_key}|{path}|{material!r}".encode()).hexdigest()
        self.result.keys[path] = key
        if self.previous.get(path) != key:
            self.result.pending.append((path, render))
            self._pending_ranks.append(self._rank[newest.id] if newest else -1)

    def sorted_result(self) -> Rendered:
        order = sorted(range(len(self.result.pending)), key=self._pending_ranks.__getitem__)
        self.result.pending = [self.result.pending[index] for index in order]
        return self.result

    def listings(self, placed: list[Post], prefix: str, heading: str, section: Section | None = None,
                 pinned: list[Post] | None = None) -> list[Listing]:
        """The pages of one listing, cut from the posts placed in it (see paginate), showing the shown ones."""
        total = sum(1 for post in placed if post.id in self._shown_ids)
        listings = paginate(placed, self.config.site.posts_per_page, prefix, lambda post: post.id in self._shown_ids)
        for listing in listings:
            front = listing.name is None
            highlighted = pinned if (pinned and front) else []
            shown = [post for post in listing.posts if post not in highlighted]
            period = "" if front else german_period(shown[-1].published, shown[0].published)
            material = ("listing", heading, section if front else None, listing.name, period, listing.newer,
                        listing.older, [p.digest for p in shown], [p.digest for p in highlighted],
                        (self.common["updated_iso"] if prefix == "" else "", total) if front else None)
            if not front:
                self._dated[listing.path] = shown[0]
            self.emit(listing.path + "index.html", material,
                      functools.partial(self._listing_page, listing, shown, highlighted, heading, period,
                                        section=section, total=total, is_home=prefix == "" and front),
                      newest=(highlighted + shown or [None])[0])
        return listings

    def _listing_page(self, listing: Listing, shown: list[Post], highlighted: list[Post], heading: str,
                      period: str, **context: Any) -> str | Composed:
        return self.pages.page("wall.html", listing.path, listing=listing, posts=self.pages.views(shown),
                               card=self.pages.card, pinned=self.pages.views(highlighted), heading=heading,
                               title=_listing_title(heading, shown, period, context["is_home"]), period=period,
                               description=self.config.site.description, **context)

    def post_pages(self) -> None:
        related = related_posts(self.posts, self.config.hashtags, self.related_cache, self.jobs)
        by_id = {post.id: post for post in self.posts}
        for post in self.posts:
            others = [by_id[other] for other in related[post.id]]
            self._dated[f"beitrag/{post.slug}/"] = post
            self.emit(f"beitrag/{post.slug}/index.html", ("post", post.digest, [o.digest for o in others]),
                      lambda post=post, others=others: self._post_page(post, others), newest=post)

    def _post_page(self, post: Post, others: list[Post]) -> str:
        view = self.pages.view(post)
        heading = {"angebot": "Passende Gesuche", "gesuch": "Passende Angebote"}.get(post.category,
                                                                                   "Ähnliche Beiträge")
        image = next((media.src for media in view.media if media.type == "image"), "")
        return self.pages.page("post.html", f"beitrag/{view.slug}/", view=view, title=view.title,
                               description=view.summary, related=self.pages.views(others),
                               related_heading=heading, image=image)

    def month_index(self, wall: list[Listing]) -> None:
        """archiv/: every month with its number of posts, each leading to the card of its newest
        post on the wall's pages, from where "Ältere Beiträge" reads on through the month.

        Archive pages keep their names, so a new post changes the count of its month here and,
        rarely, where a month starts.
        """
        listed = archive_months(self.posts, wall)
        years = [(year, list(in_year)) for year, in_year in itertools.groupby(listed, key=lambda month: month.year)]
        self.emit(f"{ARCHIVE}index.html", ("months", listed), lambda: self.pages.page(
            "archive.html", ARCHIVE, years=years, total=len(self.posts), title="Archiv",
            description="Alle Beiträge nach Monaten"))

    def other_pages(self) -> None:
        for page in self.site.pages:
            self.emit(f"{page.slug}/index.html", ("page", page), lambda page=page: self.pages.page(
                "page.html", f"{page.slug}/", page=page, body=_markdown().render(page.markdown),
                title=page.title, description=page.description))
        self.emit("404.html", "404", lambda: self.pages.page("404.html", None, title="Seite nicht gefunden",
                                                             description=""))
        self.emit("suche/index.html", "search", lambda: self.pages.page(
            "search.html", "suche/", title="Suche", description="Alle Beiträge durchsuchen"))
        newest = self.posts[:SCREEN_POSTS]
        version = hashlib.sha256("\n".join(p.digest for p in newest).encode()).hexdigest()[:16]
        self.emit(f"{SCREEN}index.html", ("screen", version), lambda: self.pages.page(
            "screen.html", SCREEN, posts=self.pages.views(newest), version=version, title="Bildschirm-Ansicht",
            description="Die neuesten Beiträge, groß", body_class="screen", noindex=True))
        self.emit(f"{SCREEN}stand.txt", version, lambda: version + "\n")

    def search_parts(self, parts: list[Listing]) -> None:
        """The search index in parts (see index_parts): a new post changes the newest part only.

        The newest part (suche/index.json, which names the others) is searched first, and older
        parts load only as far as the results shown need: a phone need not load a big wall's index.
        """
        older = [search_part_file(part) for part in reversed(parts[1:])]  # newest first
        for part in parts:
            names_older = older if part.name is None else None
            self.emit(f"suche/{search_part_file(part)}", ("search", [p.digest for p in part.posts], names_older),
                      lambda part=part, names_older=names_older: search_index(part.posts, self.config, names_older))

    def sitemap(self, parts: list[Listing]) -> None:
        """sitemap.xml, an index of sitemaps in parts (see index_parts): a new post changes the
        newest part and the index only, where one sitemap of a big wall would be megabytes sent
        again for every post (and past 50,000 addresses, refused by search engines).

        A post's page and an archive page go into the part of the (newest) post they show, the
        listings' first pages and the other pages (but the screen mode) into the newest part.
        """
        lastmod = last_modified(self.posts)
        entries = []
        folders = (path[: -len("index.html")] for path in self.result.keys if path.endswith("index.html"))
        for part, paths in zip(parts, sitemap_folders(parts, folders, self._dated)):
            changed = max((arrival_or_edit(post) for post in part.posts), default=None)
            name = sitemap_part_file(part)
            entries.append((name, iso(changed) if changed else ""))
            self.emit(name, ("sitemap", [(path, lastmod.get(path)) for path in paths]), functools.partial(
                self.pages.page, "sitemap_part.xml", name, paths=paths, lastmod=lastmod, title="",
                description=""))
        self.emit("sitemap.xml", ("sitemaps", entries), lambda: self.pages.page(
            "sitemap.xml", "sitemap.xml", parts=entries, title="", description=""))

    def machine_files(self) -> None:
        """Feeds, sitemap, robots.txt, the search index and the web server's settings (.htaccess),
        keyed by what they list."""
        newest = self.posts[:FEED_SIZE]
        feed_key = ([p.digest for p in newest], self.common["updated_iso"])
        self.emit("feed.xml", feed_key, lambda: self.pages.page(
            "feed.xml", "feed.xml", posts=self.pages.views(newest), title=self.config.site.title,
            feed_updated=iso(self.site.updated) if self.site.updated else "1970-01-01T00:00:00+00:00",
            description=self.config.site.description))
        self.emit("feed.json", feed_key, lambda: json_feed(self.pages.views(newest), self.config))
        parts = index_parts(self.placed, self._shown_ids)
        self.search_parts(parts)
        self.sitemap(parts)
        self.emit("robots.txt", "robots", lambda: self.pages.page("robots.txt", "robots.txt", title="", description=""))
        if self.config.site.htaccess:
            root = self.pages.absolute_root()
            self.emit(".htaccess", ("htaccess", root), lambda: self.pages.page(
                "htaccess", None, root_pattern=re.escape(root), title="", description=""))

