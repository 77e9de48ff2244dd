"""X (Twitter): API v2 recent search for the hashtags, within a monthly read budget.

X bills every post it returns, so the connector counts the posts it reads per
calendar month (UTC) in its state and stops at `monthly_read_budget`.  A scan
cut short (max_pages, the budget, a failed later page) keeps its next_token and
is finished on the next run before since_id moves on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Sequence

from wall.post import Post

from .base import ConnectorError, FetchResult, SourceContext, SourceSettings
from .x_view import NATIVE_ID, Includes, id_text, is_left_out, tweet_to_post, unwrapped, version_ids

PAGE_SIZE = 100  # X's largest page
MIN_PAGE = 10  # X refuses smaller pages, so a smaller rest of the budget stays unspent
TWEET_FIELDS = ("created_at,author_id,lang,entities,possibly_sensitive,edit_history_tweet_ids,"
                "referenced_tweets,note_tweet,attachments,conversation_id,in_reply_to_user_id,withheld")
# referenced_tweets.id.author_id brings the author of a retweeted original.
EXPANSIONS = "author_id,attachments.media_keys,referenced_tweets.id,referenced_tweets.id.author_id"
USER_FIELDS = "name,username,profile_image_url,url"
MEDIA_FIELDS = "url,preview_image_url,alt_text,width,height,type"
GONE_TITLES = ("Not Found Error", "Authorization Error")  # deleted; protected or suspended
HINTS = {
    401: "X rejected the bearer token in {env}: it is wrong, revoked or was regenerated",
    403: "X refused the app whose bearer token is in {env}: it must belong to a Project with "
         "API v2 access and paid credits",
    429: "X asks to wait; it also answers 429 when the account's credits or monthly cap are used up",
}


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
        scan = _Scan(*(id_text(state.get(key)) for key in ("newest_id", "next_token", "scan_top")))
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
        includes = Includes.of(page)
        for tweet in tweets:
            scan.top = _newer(scan.top, id_text(tweet.get("id")))
            self._take(tweet, includes, result)
        scan.token = id_text(page["meta"].get("next_token"))

    def _take(self, tweet: dict, includes: Includes, result: FetchResult) -> None:
        original = unwrapped(tweet, includes)  # a retweet that slipped through: its original, once
        if original is not None:
            history = version_ids(original)
            if history[-1] != id_text(original.get("id")) or f"x:{history[0]}" in self.found:
                return  # an outdated version of an edited post, or one already taken
        left_out = original is None or is_left_out(original, self.settings.skip_replies)
        post = None if left_out else tweet_to_post(original, includes)
        if post is None:  # left out by rule, or its author is suspended or protected
            result.skipped += 1
        else:
            self.found[post.id] = post
            self.context.hand_over(post)

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


def _newer(current: str | None, candidate: str | None) -> str | None:
    """The larger of two X ids (digit strings, compared by length, then text)."""
    if not candidate or not NATIVE_ID.fullmatch(candidate):
        return current
    return max(current or candidate, candidate, key=lambda value: (len(value), value))


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0
