"""How one page is rendered: Jinja2, and the parts many pages share, each rendered once.

A post's card shows on several listings, its text on its own page too, and the header
and footer on every page: each is rendered once (per folder depth where links depend on
it) and put into the pages as a shared part (see composed.py), which the safety net
checks once.  render.py decides which pages to render; this module renders them.
"""

from __future__ import annotations

import re
from collections import ChainMap
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import markupsafe
from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template
from jinja2.runtime import new_context
from markupsafe import Markup, escape

from .composed import ROOT_MARK, Composed, Part, place
from .config import Config
from .pages import EASY_LANGUAGE
from .post import Post
from .views import PostView, post_view

HASHTAG = re.compile(r"#\w+")
# Views and cards kept while rendering.  Pages are rendered in the order of the posts they
# show, so the pages showing a post come close together: a window of recent posts is enough.
RECENT_POSTS = 3_000


# markupsafe's escaping of plain text, in C (markupsafe.escape wraps it in two Python calls).
_escape_text: Callable[[str], str] = getattr(markupsafe, "_escape_inner", lambda text: str(escape(text)))


def _output_escape(value: object) -> str:
    """What markupsafe.escape(value) holds, without making a Markup of it.

    A template's {{ value }} comes out through this: the pieces of a page are only joined,
    so they need not be Markup, and a page escapes a million values.
    """
    if type(value) is str:
        return _escape_text(value)
    html = getattr(value, "__html__", None)
    return html() if html is not None else _escape_text(str(value))


class _Template(Template):
    """A template whose {{ ... }} escape through _output_escape."""

    @classmethod
    def _from_namespace(cls, environment, namespace, globals):  # type: ignore[no-untyped-def, override]
        namespace["escape"] = _output_escape  # the compiled code's escape() for each {{ ... }}
        return super()._from_namespace(environment, namespace, globals)

    # Jinja keeps a template's globals as a ChainMap over the environment's, and reads it key
    # by key in Python twice for every page and macro module and once more for every import
    # ({% from ... %}): a quarter of what a post's page costs beyond its card.  Below, the same
    # done with a plain dict of them.

    def new_context(self, vars=None, shared=False, locals=None):  # type: ignore[no-untyped-def]
        return new_context(self.environment, self.name, self.blocks, vars, shared, _flat(self.globals), locals)

    def _get_default_module(self, ctx=None):  # type: ignore[no-untyped-def]
        if ctx is not None and ctx.globals_keys <= _flat(self.globals).keys():
            ctx = None  # the import sees no globals this template lacks: the module made once
        return super()._get_default_module(ctx)


def _flat(globals: Mapping[str, Any]) -> dict[str, Any]:
    """The template's globals (a ChainMap, first map first) as one dict."""
    if not isinstance(globals, ChainMap):
        return dict(globals)
    flat: dict[str, Any] = {}
    for layer in reversed(globals.maps):
        flat.update(layer)
    return flat


def make_environment(templates: Path) -> Environment:
    """Jinja2 with autoescaping for every template, and no silent undefined values.

    Templates are read once (auto_reload off): a build renders each many times.
    """
    env = Environment(loader=FileSystemLoader(str(templates)), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                      keep_trailing_newline=True, auto_reload=False)
    env.template_class = _Template
    env.filters["hashtag_breaks"] = hashtag_breaks
    # A post's text, media and links; a build replaces this with a function that renders them once.
    env.globals["card_body"] = lambda view, root, whole=False: env.get_template("_post.html").module.post_body(
        view, root, whole)
    return env


def hashtag_breaks(text: object) -> Markup:
    """text escaped, a line allowed to break before each inner capital of a #CamelCase hashtag.

    A heading on a phone otherwise breaks "#EssenArbeitetZusammen" wherever the line ends.
    """
    def breaks(tag: re.Match) -> str:
        word = tag.group()
        return "".join("<wbr>" + char if char.isupper() and word[index - 1].islower() else char
                       for index, char in enumerate(word))
    # Escaped text holds no capitals after a small letter inside an entity (&amp; &#39; ...).
    return Markup(HASHTAG.sub(breaks, str(escape(text))))


class PageRenderer:
    """Renders pages with the wall's templates, sharing what many pages show.

    common: what every template sees (site, navigation, legal pages, ...);
    sections: the navigation's entries ('kategorie/angebot/', ...), to mark the current one.
    """

    def __init__(self, env: Environment, config: Config, common: dict[str, Any], sections: Sequence[str]):
        self.env, self.config, self.common, self.sections = env, config, common, list(sections)
        self._views: dict[str, PostView] = {}
        self._cards: dict[str, str] = {}
        self._bodies: dict[tuple[str, bool], str] = {}
        self._chrome: dict[tuple, str] = {}
        self._parts: list[Part] | None = None  # the shared parts of the page being rendered
        env.globals.update(card_body=self.card_body, site_header=self.site_header, site_footer=self.site_footer)

    def page(self, template: str, path: str | None, **context: Any) -> str | Composed:
        """Render one page at path ('' = front page; None = any URL, as for 404.html)."""
        context.setdefault("image", "")
        base_url = self.config.site.base_url
        root = "../" * path.count("/") if path is not None else _absolute_root(base_url)
        self._parts = []
        try:
            skeleton = self.env.get_template(template).render(
                **self.common, **context, root=root, path=path,
                canonical=base_url + path if path is not None else "")
        finally:
            parts, self._parts = self._parts, None
        return Composed(skeleton, tuple(parts)) if parts else skeleton

    def absolute_root(self) -> str:
        """The site root as an absolute path, e.g. '/essenarbeitetzusammen/'."""
        return _absolute_root(self.config.site.base_url)

    def view(self, post: Post) -> PostView:
        # A post shows on its page and on a few listings rendered near each other.
        return _once(self._views, post.id, lambda: post_view(post, self.config))

    def views(self, posts: list[Post]) -> list[PostView]:
        return [self.view(post) for post in posts]

    def card_body(self, view: PostView, root: str, whole: bool = False) -> Markup:
        """A card's text, media and links, rendered once: the same on the post's page and in listings
        (whole: the whole text, on the post's page; it differs only where a listing cuts the text)."""
        # Not a shared part: the page's own card shows it once, and the cards of listings hold it.
        whole = whole and view.is_cut
        return Markup(Part(_once(self._bodies, (view.post.id, whole),
                                 lambda: self._post_macro("post_body", view, whole=whole)), root))

    def card(self, view: PostView, root: str) -> Markup:
        """A post's card for listings, rendered once: a post shows on several, at several depths."""
        return self._share(_once(self._cards, view.post.id, lambda: self._post_macro("post_card", view)), root)

    def site_header(self, root: str, path: str | None) -> Markup:
        """The header with the navigation, rendered once per folder depth and current entry.

        path: the page's ('' = front page, None = 404); the current entry is '' for "Alle".
        """
        if path is None:
            current = None
        elif path in ("suche/", "archiv/", f"{EASY_LANGUAGE}/"):
            current = path
        elif path == "" or path.startswith("seite/"):  # all posts: the front page and its archive pages
            current = ""
        else:
            current = next((entry for entry in self.sections if path.startswith(entry)), None)
        return self._chrome_part("site_header", root, current)

    def site_footer(self, root: str) -> Markup:
        return self._chrome_part("site_footer", root)

    def _post_macro(self, name: str, view: PostView, **options: Any) -> str:
        outer, self._parts = self._parts, None  # a part holds the parts inside it, not places for them
        try:
            return str(getattr(self.env.get_template("_post.html").module, name)(view, ROOT_MARK, **options))
        finally:
            self._parts = outer

    def _share(self, text: str, root: str) -> Markup:
        """A shared part: a place for it in the page being rendered, else its text."""
        if self._parts is None:
            return Markup(Part(text, root))
        self._parts.append(Part(text, root))
        return place(len(self._parts) - 1)

    def _chrome_part(self, name: str, *arguments: str) -> Markup:
        def render() -> str:
            module = self.env.get_template("_chrome.html").make_module(vars=self.common)
            return str(getattr(module, name)(*arguments))
        return self._share(_once(self._chrome, (name, *arguments), render), "")


def _once(recent: dict, key: Any, make: Callable[[], Any]) -> Any:
    """recent[key], made on first use; the entry added first is forgotten beyond RECENT_POSTS entries."""
    if key not in recent:
        if len(recent) >= RECENT_POSTS:
            del recent[next(iter(recent))]
        recent[key] = make()
    return recent[key]


def _absolute_root(base_url: str) -> str:
    """The site root as an absolute path, e.g. '/essenarbeitetzusammen/'."""
    after_host = base_url.split("://", 1)[-1]
    return "/" + after_host.split("/", 1)[1] if "/" in after_host else "/"
