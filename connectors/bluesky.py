"""Bluesky: app.bsky.feed.searchPosts by tag, logged in with an app password.

See docs/sources/bluesky.md.  The session's tokens live in memory for one run and
never reach the state, which is committed to git.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Sequence
from urllib.parse import urlsplit

import requests

from wall.fields import parse_timestamp
from wall.post import Post

from .base import ConnectorError, FetchResult, SourceContext, SourceSettings, url_setting
from .bluesky_view import (at_uri, carries, is_dropped, is_original_post, is_reply, post_view, sort_at,
                           view_to_post)
from .http import parse_json

PAGE_SIZE = 100  # the most searchPosts gives per page
RECHECKS = 20  # known posts asked for again each run, newest first
URIS_PER_CALL = 25  # getPosts takes at most this many uris
OVERLAP = timedelta(hours=1)  # read again before the newest post seen: some are indexed late


@dataclass(frozen=True, kw_only=True)
class BlueskySettings(SourceSettings):
    """A Bluesky source: the account the wall logs in with to search."""

    identifier: str  # the wall's account: handle (ewg.bsky.social), DID or e-mail
    token_env: str = "BLUESKY_APP_PASSWORD"  # holds an app password of that account
    auth_base: str = url_setting("https://bsky.social")  # the account's PDS, where it logs in


class XrpcError(ConnectorError):
    """A failed XRPC call with the error name the server gave ('ExpiredToken', 'BadQueryString')."""

    def __init__(self, error: ConnectorError, code: str):
        kind = "auth" if code in ("ExpiredToken", "InvalidToken") else error.kind
        super().__init__(error.args[0], url=error.url, kind=kind, status=error.status)
        self.code = code


class BlueskyConnector:
    """Searches each hashtag, newest first, from a little before the newest post of the last run."""

    type = "bluesky"
    Settings = BlueskySettings
    # '': the account's own server (auth_base) answers the app.bsky calls, forwarding them to
    # Bluesky's AppView as every Bluesky client does; the AppView itself accepts a login of
    # bsky.social only, and that only "temporarily" (docs.bsky.app, "API Hosts and Auth").
    default_api_base = ""
    needs_token = True  # search has needed a login since 2025

    def __init__(self, settings: BlueskySettings, context: SourceContext):
        self.settings = settings
        self.context = context
        self.access = self.refresh = ""  # the session's JWTs: kept in memory only, never in state

    def fetch(self, known: Sequence[Post]) -> FetchResult:
        """Log in, search every hashtag, then recheck the newest known posts for deletions."""
        self._login()
        before = self.context.state.get("since")
        before = before if isinstance(before, dict) else {}
        tags = {tag.casefold() for tag in self.context.hashtags}
        result = FetchResult(state={"since": {key: value for key, value in before.items() if key in tags}})
        seen: set[str] = set()
        errors: list[ConnectorError] = []
        for tag in self.context.hashtags:
            try:
                self._search(tag, result, seen)
            except ConnectorError as error:
                if error.kind == "auth":
                    raise
                errors.append(error)
                result.warnings.append(f"#{tag}: {error}")
        if errors and len(errors) == len(self.context.hashtags):
            raise errors[0]
        self._recheck(known, result, seen)
        return result

    def _login(self) -> None:
        url = f"{self.settings.auth_base}/xrpc/com.atproto.server.createSession"
        identifier = self.settings.identifier.strip().lstrip("@")
        try:
            session = self._call("POST", url, json={"identifier": identifier, "password": self.context.token})
        except ConnectorError as error:
            raise ConnectorError(f"login as {identifier} failed: {error.args[0]}", url=url,
                                 kind=_session_kind(error), status=error.status) from None
        self._keep_session(session, url)

    def _refresh_session(self) -> None:
        url = f"{self.settings.auth_base}/xrpc/com.atproto.server.refreshSession"
        try:
            session = self._call("POST", url, headers={"Authorization": f"Bearer {self.refresh}"})
        except ConnectorError as error:
            raise ConnectorError(f"the session expired and could not be renewed: {error.args[0]}",
                                 url=url, kind=_session_kind(error), status=error.status) from None
        self._keep_session(session, url)

    def _keep_session(self, session: Any, url: str) -> None:
        tokens = [session.get(key) if isinstance(session, dict) else None for key in ("accessJwt", "refreshJwt")]
        if not all(isinstance(token, str) and token for token in tokens):
            raise ConnectorError("the login answer has no accessJwt and refreshJwt", url=url, kind="auth")
        self.access, self.refresh = tokens

    def _call(self, method: str, url: str, **options: Any) -> Any:
        """One request; a failure raises XrpcError with the XRPC error name of the answer."""
        answers: list[requests.Response] = []
        options["hooks"] = {"response": lambda response, *args, **kwargs: answers.append(response)}
        try:
            response = self.context.http.request(method, url, **options)
        except ConnectorError as error:
            last = answers[-1] if answers else None
            code = _error_code(last) if last is not None and last.status_code == error.status else ""
            raise XrpcError(error, code) from None
        return parse_json(response, url)

    def _get(self, method: str, params: Any) -> dict:
        """GET an app.bsky method with the session; refresh it once when the token has expired."""
        url = f"{self.settings.api_base or self.settings.auth_base}/xrpc/{method}"
        try:
            answer = self._get_once(url, params)
        except XrpcError as error:
            if error.code != "ExpiredToken":
                raise
            self._refresh_session()
            answer = self._get_once(url, params)
        if not isinstance(answer, dict) or not isinstance(answer.get("posts"), list):
            raise ConnectorError("expected an object with a list of posts", url=url, kind="response")
        return answer

    def _get_once(self, url: str, params: Any) -> Any:
        try:
            return self._call("GET", url, params=params, headers={"Authorization": f"Bearer {self.access}"})
        except XrpcError as error:
            if error.status == 403 and not error.code:  # not XRPC at all: the public AppView's page
                raise ConnectorError(_refused(url), url=url, kind="auth", status=403) from None
            raise

    def _search(self, tag: str, result: FetchResult, seen: set[str]) -> None:
        key = tag.casefold()
        since = parse_timestamp(result.state["since"].get(key) or "")
        params: dict[str, Any] = {"q": f"#{tag}", "tag": tag, "sort": "latest", "limit": PAGE_SIZE}
        if since:
            params["since"] = _xrpc_time(since - OVERLAP)
        newest = since
        cursor = None
        for _ in range(self.settings.max_pages):
            try:
                answer = self._get("app.bsky.feed.searchPosts", {**params, **({"cursor": cursor} if cursor else {})})
            except XrpcError as error:
                if error.code == "BadQueryString":
                    raise ConnectorError(f"Bluesky rejected the search for #{tag} (BadQueryString): "
                                         f"{error.args[0]}", url=error.url, kind="response", status=400) from None
                raise
            for item in answer["posts"]:
                newest = _later(newest, sort_at(post_view(item)))
                self._take(item, tag, result, seen)
            cursor = answer.get("cursor")
            if not cursor:  # a page the AppView's filters emptied still carries the cursor to the rest
                break
        else:
            if since:
                result.warnings.append(f"#{tag}: more than {self.settings.max_pages} pages of new posts; "
                                       "the older ones were not read (raise max_pages)")
        if newest:
            result.state["since"][key] = newest.isoformat()

    def _take(self, item: Any, tag: str, result: FetchResult, seen: set[str]) -> None:
        view = post_view(item)  # a repost's feed item wraps the original: take that, once
        uri = view.get("uri")
        if not isinstance(uri, str) or uri in seen:
            return
        seen.add(uri)
        if (not is_original_post(view) or is_dropped(view) or not carries(view, tag)
                or (self.settings.skip_replies and is_reply(view))):
            result.skipped += 1
            return
        post = view_to_post(view)
        if post is None:
            result.skipped += 1
        else:
            result.posts.append(post)
            self.context.hand_over(post)

    def _recheck(self, known: Sequence[Post], result: FetchResult, seen: set[str]) -> None:
        """Ask for the newest known posts again: one missing from the answer was deleted.

        Search brings only new posts; deletions, and labels added later, show only here.
        """
        newest = sorted((p for p in known if p.status != "rejected"), key=lambda p: p.published, reverse=True)
        by_uri = {uri: post.id for post in newest[:RECHECKS] if (uri := at_uri(post.id))}
        uris = list(by_uri)
        for start in range(0, len(uris), URIS_PER_CALL):
            chunk = uris[start:start + URIS_PER_CALL]
            try:
                answer = self._get("app.bsky.feed.getPosts", {"uris": chunk})
            except ConnectorError as error:
                if error.kind == "auth":
                    raise
                result.warnings.append(f"deletions not checked: {error}")
                return
            current = {view.get("uri"): view for view in answer["posts"] if isinstance(view, dict)}
            for uri in chunk:
                view = current.get(uri)
                if view is None or is_dropped(view):
                    result.gone.append(by_uri[uri])
                elif uri not in seen and (post := view_to_post(view)) is not None:
                    seen.add(uri)
                    result.posts.append(post)
                    self.context.hand_over(post)


def _session_kind(error: ConnectorError) -> str:
    # Refused credentials are 'auth'; a network failure or a rate limit keeps its own kind.
    return "auth" if error.kind in ("response", "auth") else error.kind


def _error_code(response: requests.Response) -> str:
    try:
        code = response.json().get("error")
    except (ValueError, AttributeError):
        return ""
    return code if isinstance(code, str) else ""


def _refused(url: str) -> str:
    return (f"{urlsplit(url).netloc} refused the request (HTTP 403, an HTML page rather than an "
            "XRPC answer). public.api.bsky.app has refused search since 2025: leave api_base out "
            "(the account's server then answers)")


def _xrpc_time(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _later(first: datetime | None, second: datetime | None) -> datetime | None:
    return max(first, second) if first and second else first or second
