"""config.yaml: the one file editors change, validated at load with file:line errors."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .fields import Fields, expected
from .post import MEDIA_HINT, MEDIA_PATH
from .yamlfile import LineDict, Problem, YamlFileError, read_yaml

EMAIL = re.compile(r"[^@\s<>\"']+@[^@\s<>\"']+\.[a-z]{2,}", re.IGNORECASE)
KEY = re.compile(r"[a-z0-9][a-z0-9-]{0,40}")
KEY_HINT = "Kleinbuchstaben, Ziffern und '-'"
HASHTAG = re.compile(r"[^\s#]{1,100}")
# A web site's name, as deny.domains matches it against the host of each link ('' is left out):
# an address pasted from the browser ('https://spam.example/shop') would match nothing.
DOMAIN = re.compile(r"\s*|\.?[\w-]+(?:\.[\w-]+)*\.?")
DOMAIN_HINT = "der Name einer Webseite wie 'spam.example', ohne https:// und ohne Pfad"


class ConfigError(Exception):
    """config.yaml is unusable; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(str(problem) for problem in problems))
        self.problems = problems


@dataclass(frozen=True)
class SiteInfo:
    """The `site` section: what every page needs to know about the wall."""

    title: str  # the wall's name, in the header and <title>
    base_url: str  # public address, ending in '/'
    language: str = "de"  # the pages' language
    contact_email: str = "info@ewg.de"  # every contact and removal link goes here
    posts_per_page: int = 24  # posts on one archive page
    description: str = ""  # one sentence for search engines and feeds
    publisher: str = ""  # who runs the wall, shown in the footer
    htaccess: bool = True  # write .htaccess (Apache hosts); false for a host that refuses its settings


@dataclass(frozen=True)
class Category:
    """A kind of post editors assign, such as an offer or a need."""

    key: str  # the `category` value in post files and the URL
    label: str  # German label shown to visitors
    keywords: tuple[str, ...] = ()  # words that suggest this category


@dataclass(frozen=True)
class Moderation:
    """Allow and deny rules; deny always wins."""

    allow_authors: tuple[str, ...] = ()  # handles or profile URLs approved without review
    deny_ids: tuple[str, ...] = ()  # post ids never shown
    deny_authors: tuple[str, ...] = ()  # handles or profile URLs never shown
    deny_keywords: tuple[str, ...] = ()  # case-insensitive words or phrases in the text
    deny_domains: tuple[str, ...] = ()  # posts linking to these domains
    deny_images: tuple[str, ...] = ()  # images and avatars (media/... paths) never shown nor stored again
    deny_avatars: tuple[str, ...] = ()  # handles or profile URLs whose avatar is never shown nor stored


@dataclass(frozen=True)
class Source:
    """One entry of `sources`: a connector and its settings (checked by the connector)."""

    name: str  # unique name, recorded in each post's `source`
    type: str  # the connector
    settings: Any = None  # the connector's Settings, validated
    line: int = 0  # where it stands in config.yaml


@dataclass(frozen=True)
class PublishSettings:
    """The `publish` section: where `generate.py publish` uploads site/ to."""

    method: str  # 'rsync' (atomic releases) or 'sftp' (hosts without shell or rsync)
    host: str  # the web host
    user: str  # the SSH user
    path: str  # absolute folder on the host; rsync serves <path>/current
    port: int = 22
    keep: int = 5  # releases kept for --rollback (rsync)
    key_env: str = "DEPLOY_SSH_KEY"  # environment variable with the private deploy key
    known_hosts_env: str = "DEPLOY_KNOWN_HOSTS"  # environment variable with the pinned host key
    bandwidth_limit: int = 0  # KiB/s, 0 for none
    check: bool = True  # after publishing, check that the live wall serves this build (see publish.check_live)
    check_url: str = ""  # where the live wall answers; '' for site.base_url


@dataclass(frozen=True)
class Config:
    """The whole validated config.yaml."""

    site: SiteInfo
    hashtags: tuple[str, ...]
    categories: tuple[Category, ...]
    moderation: Moderation
    sources: tuple[Source, ...] = ()
    publish: PublishSettings | None = None
    path: str = field(default="config.yaml", repr=False)  # where it was read from; not part of any page

    @property
    def category_keys(self) -> dict[str, Category]:
        """Categories by key."""
        return {category.key: category for category in self.categories}


def load_config(path: Path) -> Config:
    """Read and validate config.yaml; raise ConfigError listing every problem."""
    display = str(path)
    try:
        data = read_yaml(path, display)
    except FileNotFoundError:
        raise ConfigError([Problem(display, 1, "Konfigurationsdatei nicht gefunden")]) from None
    except YamlFileError as error:
        raise ConfigError([error.problem]) from None
    problems: list[Problem] = []
    config = parse_config(data if data is not None else LineDict(), display, problems)
    errors = [problem for problem in problems if problem.severity == "error"]
    if errors or config is None:
        raise ConfigError(errors)
    return config


def parse_config(data: Any, path: str, problems: list[Problem]) -> Config | None:
    """Validate the top-level mapping; problems are appended, None when unusable."""
    top = Fields.of(data, path, problems, "", 1)
    if top is None:
        return None
    site = _site(top)
    hashtags = top.texts("hashtags", HASHTAG, "ein Hashtag ohne '#' und ohne Leerzeichen")
    categories = _categories(top)
    moderation = _moderation(top)
    sources = _sources(top)
    publish = _publish(top)
    top.finish()
    if site is None:
        return None
    return Config(site=site, hashtags=hashtags, categories=categories, moderation=moderation,
                  sources=sources, publish=publish, path=path)


HOST = re.compile(r"[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]+\]")
USER = re.compile(r"[a-z_][a-z0-9_.-]{0,31}", re.IGNORECASE)
ABSOLUTE_PATH = re.compile(r"/[A-Za-z0-9._/-]*[A-Za-z0-9._-]")
ENV_NAME = re.compile(r"[A-Z][A-Z0-9_]{0,63}")
ENV_HINT = "der Name einer Umgebungsvariablen"
SITE_PATH = re.compile(r"/[A-Za-z0-9._~/-]*")


def _publish(top: Fields) -> PublishSettings | None:
    section = top.sub("publish")
    if section is None:
        return None
    values = dict(
        method=section.choice("method", ("rsync", "sftp"), required=True),
        host=section.text("host", required=True, pattern=HOST, hint="ein Hostname"),
        user=section.text("user", required=True, pattern=USER, hint="ein Benutzername"),
        path=section.text("path", required=True, pattern=ABSOLUTE_PATH,
                          hint="ein absoluter Pfad wie /var/www/wall (nicht '/')"),
        port=section.integer("port", 1, 65535), keep=section.integer("keep", 1, 100),
        key_env=section.text("key_env", pattern=ENV_NAME, hint=ENV_HINT),
        known_hosts_env=section.text("known_hosts_env", pattern=ENV_NAME, hint=ENV_HINT),
        bandwidth_limit=section.integer("bandwidth_limit", 0, 10_000_000),
        check=section.boolean("check"), check_url=section.url("check_url"),
    )
    section.finish()
    if any(values[key] is None for key in ("method", "host", "user", "path")):
        return None
    return PublishSettings(**{key: value for key, value in values.items() if value is not None})


def _site(top: Fields) -> SiteInfo | None:
    site = top.sub("site", required=True)
    if site is None:
        return None
    title = site.text("title", required=True, nonempty=True)
    base_url = site.url("base_url", required=True)
    if base_url and not _plain_address(base_url):
        site.error("base_url", expected("eine Adresse ohne ? und #, deren Pfad nur Buchstaben, Ziffern und "
                                        "- . _ ~ / enthält", base_url))
        base_url = None
    info = SiteInfo(
        title=title or "",
        base_url=(base_url or "").rstrip("/") + "/",
        language=site.text("language", pattern=KEY, hint="ein Sprachkürzel wie 'de'") or "de",
        contact_email=site.text("contact_email", pattern=EMAIL, hint="eine E-Mail-Adresse") or "info@ewg.de",
        posts_per_page=site.integer("posts_per_page", 1, 500) or 24,
        description=site.text("description") or "",
        publisher=site.text("publisher") or "",
        htaccess=site.boolean("htaccess") is not False,
    )
    site.finish()
    return info if title and base_url else None


def _plain_address(url: str) -> bool:
    """The wall's address goes as it is into pages, feeds and the web server's .htaccess."""
    parts = urlsplit(url)
    return not parts.query and not parts.fragment and bool(SITE_PATH.fullmatch(parts.path or "/"))


def _categories(top: Fields) -> tuple[Category, ...]:
    categories: dict[str, Category] = {}
    for item in top.each("categories"):
        key = item.text("key", required=True, pattern=KEY, hint=KEY_HINT)
        label = item.text("label", required=True, nonempty=True)
        keywords = item.texts("keywords")
        item.finish()
        if key in categories:
            item.error("key", f"die Kategorie '{key}' steht doppelt in der Liste")
        elif key and label:
            categories[key] = Category(key=key, label=label, keywords=keywords)
    return tuple(categories.values())


_UNDER_DENY = "gehört eingerückt unter deny: (zwei Leerzeichen weiter als deny:)"
# A rule one indentation short lands in moderation itself, where it would otherwise be an unknown key.
MODERATION_HINTS = {"ids": _UNDER_DENY, "keywords": _UNDER_DENY, "domains": _UNDER_DENY, "images": _UNDER_DENY,
                    "avatars": _UNDER_DENY,
                    "authors": "gehört eingerückt unter deny: oder allow: (zwei Leerzeichen weiter)"}


def _moderation(top: Fields) -> Moderation:
    moderation = top.sub("moderation")
    if moderation is None:
        return Moderation()
    allow = moderation.sub("allow")
    deny = moderation.sub("deny")
    result = Moderation(
        allow_authors=allow.texts("authors") if allow else (),
        deny_ids=deny.texts("ids") if deny else (),
        deny_authors=deny.texts("authors") if deny else (),
        deny_keywords=_nonblank(deny.texts("keywords")) if deny else (),
        deny_domains=_nonblank(deny.texts("domains", DOMAIN, DOMAIN_HINT)) if deny else (),
        deny_images=deny.texts("images", MEDIA_PATH, MEDIA_HINT) if deny else (),
        deny_avatars=deny.texts("avatars") if deny else (),
    )
    for section in (allow, deny):
        if section is not None:
            section.finish()
    moderation.finish(MODERATION_HINTS)
    return result


def _nonblank(values: tuple[str, ...]) -> tuple[str, ...]:
    # An empty keyword would match every post.
    return tuple(value for value in values if value.strip())


def _sources(top: Fields) -> tuple[Source, ...]:
    from connectors import REGISTRY, connector_class, read_settings  # connectors import wall

    sources: dict[str, Source] = {}
    for item in top.each("sources"):
        name = item.text("name", required=True, pattern=KEY, hint=KEY_HINT)
        kind = item.choice("type", REGISTRY, required=True)
        if name in sources:
            item.error("name", f"der Quellenname '{name}' steht doppelt in der Liste")
        if not kind:
            continue
        try:
            settings_class = connector_class(kind).Settings
        except ImportError as error:
            item.error("type", f"die Anbindung {kind} lässt sich nicht laden: {error}")
            continue
        settings = read_settings(settings_class, item)
        if name and settings is not None and name not in sources:
            sources[name] = Source(name=name, type=kind, settings=settings, line=item.line())
    return tuple(sources.values())
