"""What every connector shares: its settings, what it is given, what it returns, how it fails.

A connector is one module with one class.  It gets its validated settings and a
`SourceContext` (HTTP client, hashtags, last run's state, token) and has one
method, `fetch(known)`, that returns normalised Posts.  It may also hand each post
over as soon as it has read it (`context.hand_over`), so that the pipeline stores
the post's images while the next page loads.  Posts leave a connector
with media not yet downloaded: each `Media` has `source_url` set and `path`
empty, and `Author.avatar` holds the remote avatar URL; the fetch pipeline
downloads, re-encodes and stores them, and fills in the local paths.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Mapping, Protocol, Sequence

from wall.fields import Fields, expected
from wall.post import Post
from wall.urls import is_web_url

if TYPE_CHECKING:
    from .http import HttpClient


class ConnectorError(Exception):
    """A source failed; the others go on and no stored post is touched."""

    def __init__(self, message: str, *, url: str = "", kind: str = "error", status: int | None = None):
        super().__init__(message)
        self.url = url
        self.kind = kind  # 'auth', 'rate_limit', 'network', 'server', 'response' or 'error'
        self.status = status

    def __str__(self) -> str:
        where = f" ({self.url})" if self.url else ""
        return f"{self.args[0]}{where}"


@dataclass(frozen=True, kw_only=True)
class SourceSettings:
    """Settings every source takes in config.yaml; connectors subclass this."""

    api_base: str = ""  # where the platform's API is; '' = the connector's public default
    token_env: str = ""  # name of the environment variable that holds the token
    hashtags: tuple[str, ...] = ()  # overrides the top-level hashtags for this source
    skip_replies: bool = False  # leave out replies to other posts
    skip_bots: bool = False  # leave out accounts marked as bots
    max_pages: int = 5  # pages read per run at most
    timeout: int = 30  # seconds per request
    retries: int = 3  # further attempts after a timeout, a dropped connection or a 5xx
    hourly: bool = False  # also fetched by the hourly run (for platforms that serve only hours)
    token_expires: str = field(default="", metadata={  # YYYY-MM-DD: a health issue warns two weeks before
        "pattern": re.compile(r"\d{4}-\d{2}-\d{2}"), "hint": "ein Datum wie 2026-12-31"})


def _nobody_listens(post: Post) -> None:
    """SourceContext.hand_over where no pipeline waits for posts (a connector run on its own)."""


@dataclass(frozen=True)
class SourceContext:
    """What a connector is given besides its settings."""

    name: str  # the source's name in config.yaml
    hashtags: tuple[str, ...]  # tags to look for, without '#'
    http: "HttpClient"  # for every request the connector makes
    state: Mapping[str, Any] = field(default_factory=dict)  # what fetch() returned last run
    token: str = ""  # the secret from token_env, '' when the source needs none
    now: datetime | None = None  # the run's time (for budgets and daily checks); None = the clock
    # Called with each post as soon as it is read, before the next page is asked for. Only a
    # head start: what counts is FetchResult.posts, where a post handed over may be missing
    # (dropped after all) or be replaced by a newer version of itself.
    hand_over: Callable[[Post], None] = _nobody_listens


@dataclass
class FetchResult:
    """What one run of a connector found."""

    posts: list[Post] = field(default_factory=list)  # new and current posts, normalised
    state: dict[str, Any] = field(default_factory=dict)  # stored for the next run (cursors, ETags)
    skipped: int = 0  # left out by the source's own rules (replies, bots, reposts, no hashtag)
    gone: list[str] = field(default_factory=list)  # ids of known posts deleted upstream
    warnings: list[str] = field(default_factory=list)  # worth telling a person, not failures


class Connector(Protocol):
    """The one small interface of every connector."""

    type: ClassVar[str]  # the `type` in config.yaml and the `platform` of its posts
    Settings: ClassVar[type[SourceSettings]]  # its settings, validated with config.yaml
    default_api_base: ClassVar[str]  # the public API
    needs_token: ClassVar[bool]  # skipped with a warning when the token is missing

    def __init__(self, settings: SourceSettings, context: SourceContext) -> None: ...

    def fetch(self, known: Sequence[Post]) -> FetchResult:
        """Fetch posts carrying the hashtags; `known` are this source's stored posts."""
        ...


ENV_NAME = re.compile(r"[A-Z][A-Z0-9_]{0,63}")


def url_setting(default: str = "") -> Any:
    """A settings field that must be an http(s) URL."""
    return field(default=default, metadata={"kind": "url"})


def urls_setting(*, required: bool = False, strip_slash: bool = True) -> Any:
    """A settings field that is a list of http(s) URLs (a trailing '/' removed unless told not to)."""
    metadata = {"kind": "urls", "strip_slash": strip_slash}
    return field(metadata=metadata) if required else field(default=(), metadata=metadata)


def read_settings(settings_class: type[SourceSettings], fields: Fields) -> SourceSettings | None:
    """Validate one `sources` entry against a Settings dataclass; problems go to fields."""
    errors_before = len(fields.problems)
    values: dict[str, Any] = {}
    for spec in dataclasses.fields(settings_class):
        value = _read_field(fields, spec)
        if value is not None:
            values[spec.name] = value
    fields.finish()
    if len(fields.problems) > errors_before:
        return None
    return settings_class(**values)


def _reported(fields: Fields) -> set[str]:
    """Keys that already have a problem (so a missing list is not reported twice)."""
    prefix = f"{fields.prefix}." if fields.prefix else ""
    return {problem.message[len(prefix):].split(":", 1)[0].split("[", 1)[0]
            for problem in fields.problems if problem.message.startswith(prefix)}


def _read_field(fields: Fields, spec: dataclasses.Field) -> Any:
    kind = spec.metadata.get("kind")
    required = spec.default is dataclasses.MISSING and spec.default_factory is dataclasses.MISSING
    annotation = str(spec.type)
    if spec.name == "api_base" or kind == "url":
        value = fields.url(spec.name, required=required)
        return value.rstrip("/") if value else value
    if kind == "urls":
        items = fields.texts(spec.name)
        bad = [item for item in items if not is_web_url(item)]
        for item in bad:
            fields.error(spec.name, expected("http- oder https-Adressen", item))
        if required and not items and not bad:
            fields.error(spec.name, "Pflichtfeld: mindestens eine Adresse angeben")
        strip = spec.metadata.get("strip_slash", True)
        return tuple(item.rstrip("/") if strip else item for item in items) if items and not bad else None
    if "pattern" in spec.metadata:
        return fields.text(spec.name, required=required, pattern=spec.metadata["pattern"],
                           hint=spec.metadata.get("hint", "ein gültiger Wert"))
    if spec.name == "token_env":
        return fields.text(spec.name, required=required, pattern=ENV_NAME,
                           hint="der NAME einer Umgebungsvariablen, etwa X_BEARER_TOKEN")
    if annotation == "bool":
        return fields.boolean(spec.name)
    if annotation == "int":
        return fields.integer(spec.name, 0, 1_000_000, required=required)
    if annotation.startswith("tuple"):
        items = fields.texts(spec.name)
        if required and not items and spec.name not in _reported(fields):
            fields.error(spec.name, "Pflichtfeld: mindestens einen Wert angeben")
        return items or None
    return fields.text(spec.name, required=required)
