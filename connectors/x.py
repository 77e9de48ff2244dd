"""X (Twitter): API v2 recent search for the hashtags, within a monthly read budget.

X bills every post it returns, so the connector counts the posts it reads per
calendar month (UTC) in its state and stops at `monthly_read_budget`.  A scan
cut short (max_pages, the budget, a failed later page) keeps its next_token and
is finished on the next run before since_id moves on.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Sequence

from wall.fields import parse_timestamp
from wall.post import LANGUAGE_TAG, Author, Media, Post
from wall.urls import is_web_url

from .base import ConnectorError, FetchResult, SourceContext, SourceSettings

PAGE_SIZE = 100  # X's largest page
MIN_PAGE = 10  # X refuses smaller pages, so a smaller rest of the budget stays unspent
TWEET_FIELDS = ("created_at,author_id,lang,entities,possibly_sensitive,edit_history_tweet_ids,"
                "referenced_tweets,note_tweet,attachments,conversation_id,in_reply_to_user_id,withheld")
# referenced_tweets.id.author_id brings the author of a retweeted original.
EXPANSIONS = "author_id,attachments.media_keys,referenced_tweets.id,referenced_tweets.id.author_id"
USER_FIELDS = "name,username,profile_image_url,url"
MEDIA_FIELDS = "url,preview_image_url,alt_text,width,height,type"
SENSITIVE = "Als sensibel markiert"
GONE_TITLES = ("Not Found Error", "Authorization Error")  # deleted; protected or suspended
HINTS = {
    401: "X rejected the bearer token in {env}: it is wrong, revoked or was regenerated",
    403: "X refused the app whose bearer token is in {env}: it must belong to a Project with "
         "API v2 access and paid credits",
    429: "X asks to wait; it also answers 429 when the account's credits or monthly cap are used up",
}
NATIVE_ID = re.compile(r"[0-9]{1,20}")
USERNAME = re.compile(r"[A-Za-z0-9_]{1,50}")
OWN_MEDIA_LINK = re.compile(r"/status/([0-9]+)/(?:photo|video)/[0-9]+/?$")
X_ESCAPE = re.compile(r"&(amp|lt|gt|quot|#39);")
X_ESCAPES = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "#39": "'"}
HASHTAG = re.compile(r"(?<![\w#&/])#(\w+)")
NO_LANGUAGE = re.compile(r"und|zxx|art|q[a-z]{2}")  # X's codes for undetermined or no language
SNOWFLAKE_EPOCH_MS = 1288834974657


@dataclass(frozen=True, kw_only=True)
class XSettings(SourceSettings):
    """An X source: recent search (the last 7 days) for the hashtags, paid per post read."""

    token_env: str = "X_BEARER_TOKEN"
    monthly_read_budget: int = 1000  # posts read per calendar month (UTC) at most
    recheck_posts: int = 20  # newest stored posts checked for deletion once a day; 0: never


@dataclass
class _Scan:
    """Where one pass through the search results stands."""

    since: str | None = None  # since_id: the newest id of the last finished scan
    token: str | None = None  # next_token of the page still to read
    top: str | None = None  # the newest id this scan has seen

    def state(self) -> dict[str, str]:
        """A cut scan resumes next run; a finished one moves since_id to its newest id."""
        values = ({"newest_id": self.since, "next_token": self.token, "scan_top": self.top} if self.token
                  else {"newest_id": _newer(self.since, self.top)})
        return {key: value for key, value in values.items() if value}


@dataclass
class _Includes:
    """The expansions of one search page by id; any of them may be missing."""

    users: dict[str, dict] = field(default_factory=dict)
    media: dict[str, dict] = field(default_factory=dict)
    tweets: dict[str, dict] = field(default_factory=dict)

    @classmethod
    def of(cls, page: dict) -> "_Includes":
        includes = _dict(page, "includes")
        tweets = includes.get("tweets") or includes.get("posts")  # the 2026 OpenAPI renames tweets to posts
        return cls(_by(includes.get("users"), "id"), _by(includes.get("media"), "media_key"), _by(tweets, "id"))


class XConnector:
    """Reads GET /2/tweets/search/recent; one post per tweet, edits update it, retweets never copy it."""

    type = "x"
    Settings = XSettings
    default_api_base = "https://api.x.com"
    needs_token = True  # an app bearer token (OAuth 2.0 app-only)

    def __init__(self, settings: XSettings, context: SourceContext):
        self.settings = settings
        self.context = context
        self.headers = {"Authorization": f"Bearer {context.token}"}
        now = context.now or datetime.now(timezone.utc)
        self.today, self.month = now.date().isoformat(), now.strftime("%Y-%m")
        same_month = context.state.get("month") == self.month
        self.reads = _count(context.state.get("reads")) if same_month else 0
        self.found: dict[str, Post] = {}

    def fetch(self, known: Sequence[Post]) -> FetchResult:
        """Read the new search results (finishing a cut scan first), then check for deletions."""
        result = FetchResult()
        if self.settings.skip_bots:
            result.warnings.append("skip_bots has no effect: X does not mark automated accounts in its API")
        self._search(result)
        self._recheck(known, result)
        result.posts = list(self.found.values())
        result.state.update(month=self.month, reads=self.reads)
        return result

    def _search(self, result: FetchResult) -> None:
        state = self.context.state
        scan = _Scan(*(_text(state.get(key)) for key in ("newest_id", "next_token", "scan_top")))
        try:
            self._read_pages(scan, result)
        except ConnectorError as error:
            if error.status != 400 or not (scan.since or scan.token):
                raise
            # X answers 400 to a since_id older than its 7-day window.
            result.warnings.append("X refused the stored since_id or next_token (older than 7 days?); "
                                   "reading the whole 7-day window again")
            scan = _Scan()
            self._read_pages(scan, result)
        result.state.update(scan.state())

    def _read_pages(self, scan: _Scan, result: FetchResult) -> None:
        url = f"{self.settings.api_base}/2/tweets/search/recent"
        for number in range(self.settings.max_pages):
            if self._remaining() < MIN_PAGE:
                result.warnings.append(
                    f"monthly read budget reached: {self.reads} of {self.settings.monthly_read_budget} posts "
                    f"read in {self.month}; X is read again next month (setting monthly_read_budget)")
                return
            try:
                page = _checked_page(self._get(url, self._search_params(scan)), url)
            except ConnectorError as error:
                if number == 0:
                    raise
                result.warnings.append(f"page {number + 1} failed; the next run goes on from there: {error}")
                return
            self._take_page(page, scan, result)
            if not scan.token:
                return
        result.warnings.append(f"more than max_pages ({self.settings.max_pages}) pages; the next run reads on")

    def _search_params(self, scan: _Scan) -> dict[str, Any]:
        tags = " OR ".join(f"#{tag}" for tag in self.context.hashtags)
        query = f"({tags})" if len(self.context.hashtags) > 1 else tags
        query += " -is:retweet" + (" -is:reply" if self.settings.skip_replies else "")
        params = {"query": query, "max_results": min(PAGE_SIZE, self._remaining()),
                  "tweet.fields": TWEET_FIELDS, "expansions": EXPANSIONS,
                  "user.fields": USER_FIELDS, "media.fields": MEDIA_FIELDS,
                  "since_id": scan.since, "next_token": scan.token}
        return {key: value for key, value in params.items() if value}

    def _take_page(self, page: dict, scan: _Scan, result: FetchResult) -> None:
        tweets = [tweet for tweet in page.get("data") or [] if isinstance(tweet, dict)]
        self.reads += len(tweets)
        includes = _Includes.of(page)
        for tweet in tweets:
            scan.top = _newer(scan.top, _text(tweet.get("id")))
            self._take(tweet, includes, result)
        scan.token = _text(page["meta"].get("next_token"))

    def _take(self, tweet: dict, includes: _Includes, result: FetchResult) -> None:
        original = _unwrapped(tweet, includes)  # a retweet that slipped through: its original, once
        if original is not None:
            history = _history(original)
            if history[-1] != _text(original.get("id")) or f"x:{history[0]}" in self.found:
                return  # an outdated version of an edited post, or one already taken
        left_out = original is None or _left_out(original, self.settings)
        post = None if left_out else tweet_to_post(original, includes)
        if post is None:  # left out by rule, or its author is suspended or protected
            result.skipped += 1
        else:
            self.found[post.id] = post

    def _recheck(self, known: Sequence[Post], result: FetchResult) -> None:
        """Once a UTC day (each post read is billed), ask for the newest stored posts by id."""
        if self.context.state.get("rechecked") != self.today:
            newest = sorted((p for p in known if NATIVE_ID.fullmatch(p.native_id)),
                            key=lambda p: p.published, reverse=True)[:self.settings.recheck_posts]
            ids = [post.native_id for post in newest][:self._remaining()]
            try:
                body = self._get(f"{self.settings.api_base}/2/tweets", {"ids": ",".join(ids)}) if ids else {}
            except ConnectorError as error:
                result.warnings.append(f"the deletion check failed; it is tried again next run: {error}")
                return
            self.reads += len(body.get("data") or [])
            result.gone.extend(f"x:{tweet_id}" for tweet_id in _gone(body, ids))
        result.state["rechecked"] = self.today

    def _get(self, url: str, params: dict[str, Any]) -> dict:
        try:
            body, _ = self.context.http.get_json(url, params=params, headers=self.headers)
        except ConnectorError as error:
            hint = HINTS.get(error.status or 0)
            if hint is None:
                raise
            raise ConnectorError(f"{hint.format(env=self.settings.token_env)} ({error.args[0]})",
                                 url=error.url, kind=error.kind, status=error.status) from None
        if not isinstance(body, dict):
            raise ConnectorError("expected a JSON object from X", url=url, kind="response")
        return body

    def _remaining(self) -> int:
        return max(self.settings.monthly_read_budget - self.reads, 0)


def _checked_page(page: dict, url: str) -> dict:
    """A search page: 'meta' always comes, 'data' only when something matched."""
    if isinstance(page.get("meta"), dict) and isinstance(page.get("data", []), list):
        return page
    raise ConnectorError(f"unexpected answer from X: {json.dumps(page)[:300]}", url=url, kind="response")


def _gone(body: dict, asked: list[str]) -> list[str]:
    """The asked ids that X reports as not found or not authorised: deleted, protected or suspended."""
    problems = [p for p in body.get("errors") or [] if isinstance(p, dict)]
    return [str(p.get("resource_id")) for p in problems if str(p.get("resource_id")) in asked
            and (str(p.get("type")).endswith("/resource-not-found") or p.get("title") in GONE_TITLES)]


def tweet_to_post(tweet: dict, includes: _Includes) -> Post | None:
    """A v2 tweet (its latest version) as a Post under its original id; None when unusable."""
    history = _history(tweet)
    created = parse_timestamp(str(tweet.get("created_at") or ""))
    user = includes.users.get(_text(tweet.get("author_id")) or "") or {}
    username = str(user.get("username") or "")
    if not NATIVE_ID.fullmatch(history[-1]) or created is None or not USERNAME.fullmatch(username):
        return None
    created = created.astimezone(timezone.utc).replace(microsecond=0)
    edited = len(history) > 1
    text, hashtags = tweet_text(tweet)
    return Post(
        id=f"x:{history[0]}", platform="x", url=f"https://x.com/{username}/status/{history[-1]}",
        author=Author(name=str(user.get("name") or "").strip() or username, handle=username,
                      url=f"https://x.com/{username}", avatar=str(user.get("profile_image_url") or "")),
        published=(_snowflake_time(history[0]) or created) if edited else created,
        text=text, status="pending", hashtags=hashtags, edited_at=created if edited else None,
        content_warning=SENSITIVE if tweet.get("possibly_sensitive") is True else "",
        language=_language(tweet.get("lang")),
        media=tuple(filter(None, (_media(includes.media.get(str(key)))
                                  for key in _dict(tweet, "attachments").get("media_keys") or []))),
    )


def tweet_text(tweet: dict) -> tuple[str, tuple[str, ...]]:
    """Plain text (the full note text of a long post) and its hashtags."""
    note = _dict(tweet, "note_tweet")
    source = note if note.get("text") else tweet
    entities = _dict(source, "entities")
    text = linked_text(str(source.get("text") or ""), entities.get("urls") or [], set(_history(tweet)))
    tags = [str(tag["tag"]) for tag in entities.get("hashtags") or []
            if isinstance(tag, dict) and tag.get("tag")]
    return text, tuple(dict.fromkeys(tags or HASHTAG.findall(text)))


def linked_text(text: str, urls: list, own_ids: set[str]) -> str:
    """The text unescaped once, each t.co link replaced by its target; links to own media dropped.

    Entity ranges count code points.  Whether they count in the escaped or the
    unescaped text is not documented, so the ranges are used where they hold the
    t.co URL, and only if neither fits is each entity located by its URL.
    """
    entities = sorted((u for u in urls if isinstance(u, dict) and isinstance(u.get("start"), int)
                       and isinstance(u.get("end"), int) and u.get("url")), key=lambda u: u["start"])
    unescaped = _unescape(text)
    base, escaped, spans = text, True, _spans(text, entities, exact=True)
    if spans is None:
        base, escaped, spans = unescaped, False, _spans(unescaped, entities, exact=True)
    if spans is None:
        base, escaped, spans = text, True, _spans(text, entities, exact=False) or []
    parts, position = [], 0
    for start, end, entity in spans:
        parts.append(_unescape(base[position:start]) if escaped else base[position:start])
        parts.append("" if _own_media(entity, own_ids) else _target(entity))
        position = end
    parts.append(_unescape(base[position:]) if escaped else base[position:])
    lines = "".join(parts).replace("\r\n", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip()


def _spans(text: str, entities: list[dict], exact: bool) -> list[tuple[int, int, dict]] | None:
    """(start, end, entity) of each t.co URL; with exact, None unless every range holds its URL."""
    spans, position = [], 0
    for entity in entities:
        url = str(entity["url"])
        start = entity["start"] if exact else text.find(url, position)
        end = entity["end"] if exact else start + len(url)
        if start < position or text[start:end] != url:
            if exact:
                return None
            continue
        spans.append((start, end, entity))
        position = end
    return spans


def _own_media(entity: dict, own_ids: set[str]) -> bool:
    match = OWN_MEDIA_LINK.search(str(entity.get("expanded_url") or ""))
    return bool(entity.get("media_key")) or bool(match and match.group(1) in own_ids)


def _target(entity: dict) -> str:
    """The full link target, never the t.co redirect; '' when X gives none."""
    for key in ("expanded_url", "unwound_url"):
        if is_web_url(entity.get(key)) and not str(entity[key]).startswith("https://t.co/"):
            return str(entity[key])
    return ""


def _unescape(text: str) -> str:
    # X escapes only &, < and >; a full HTML unescape would also turn a typed '&copy' into '©'.
    return X_ESCAPE.sub(lambda match: X_ESCAPES[match.group(1)], text)


def _media(item: dict | None) -> Media | None:
    item = item or {}
    kind = item.get("type")
    source = item.get("url" if kind == "photo" else "preview_image_url")
    if kind not in ("photo", "video", "animated_gif") or not is_web_url(source):
        return None
    alt = str(item.get("alt_text") or "").strip()
    if kind != "photo":
        alt = f"Vorschaubild eines Videos{': ' + alt if alt else ''}"
    return Media(path="", type="image", alt=alt, source_url=source)


def _unwrapped(tweet: dict, includes: _Includes) -> dict | None:
    for reference in _references(tweet):
        if reference.get("type") == "retweeted":
            return includes.tweets.get(_text(reference.get("id")) or "")
    return tweet


def _left_out(tweet: dict, settings: XSettings) -> bool:
    """A reply when replies are skipped, or withheld in Germany (where the wall is published)."""
    withheld = _dict(tweet, "withheld")
    if withheld.get("copyright") is True or "DE" in (withheld.get("country_codes") or []):
        return True
    return settings.skip_replies and (bool(tweet.get("in_reply_to_user_id")) or any(
        reference.get("type") == "replied_to" for reference in _references(tweet)))


def _references(tweet: dict) -> list[dict]:
    references = tweet.get("referenced_tweets") or tweet.get("referenced_posts") or []
    return [reference for reference in references if isinstance(reference, dict)]


def _history(tweet: dict) -> list[str]:
    """Every version's id, oldest first: [0] is the original, [-1] the latest."""
    ids = tweet.get("edit_history_tweet_ids") or tweet.get("edit_history_post_ids") or []
    return [str(i) for i in ids if _text(i)] or [_text(tweet.get("id")) or ""]


def _snowflake_time(tweet_id: str) -> datetime | None:
    """When a tweet was created, from its id (X ids start with milliseconds since 2010-11-04)."""
    if not NATIVE_ID.fullmatch(tweet_id):
        return None
    milliseconds = (int(tweet_id) >> 22) + SNOWFLAKE_EPOCH_MS
    return datetime.fromtimestamp(milliseconds // 1000, timezone.utc)


def _language(value: Any) -> str:
    lang = str(value or "")
    return lang if LANGUAGE_TAG.fullmatch(lang) and not NO_LANGUAGE.fullmatch(lang) else ""


def _newer(current: str | None, candidate: str | None) -> str | None:
    """The larger of two X ids (digit strings, compared by length, then text)."""
    if not candidate or not NATIVE_ID.fullmatch(candidate):
        return current
    return max(current or candidate, candidate, key=lambda value: (len(value), value))


def _by(items: Any, key: str) -> dict[str, dict]:
    return {str(item[key]): item for item in items or [] if isinstance(item, dict) and item.get(key)}


def _dict(mapping: dict, key: str) -> dict:
    value = mapping.get(key)
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str | None:
    """An id or token as text (ids must never become numbers); None when absent."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    return str(value) or None


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0
