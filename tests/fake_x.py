"""A fake X API v2 on loopback: recent search with next_token paging, tweet lookup, media, problem JSON.

Shapes follow ../shared/reference/platform-apis.md §3: ids are snowflakes (the
creation time sits in their upper bits), `text` is HTML-escaped, entity ranges
count code points, an edit is a new tweet whose `edit_history_tweet_ids` starts
with the original's id, an empty search is `{"meta": {"result_count": 0}}`, and
every answer carries the x-rate-limit-* headers.
"""

from __future__ import annotations

import base64
import hashlib
import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from .conftest import webp_bytes
from .fakes import FakeServer, Reply, Request

TOKEN = "secret"
START = datetime(2020, 3, 20, 9, 0, tzinfo=timezone.utc)
SNOWFLAKE_EPOCH_MS = 1288834974657
PROBLEMS = "https://api.twitter.com/2/problems"
TOKENS = re.compile(r"https?://\S+|#\w+|@\w+")
UNAUTHORIZED = {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}
CLIENT_FORBIDDEN = {
    "client_id": "27436581", "title": "Client Forbidden", "reason": "client-not-enrolled",
    "required_enrollment": "Appropriate Level of API Access", "type": f"{PROBLEMS}/client-forbidden",
    "registration_url": "https://developer.x.com/en/portal/product",
    "detail": "When authenticating requests to the Twitter API v2 endpoints, you must use keys and tokens "
              "from a Twitter developer App that is attached to a Project."}


def snowflake(moment: datetime, sequence: int = 0) -> str:
    """An X id for a moment: milliseconds since X's epoch, shifted past 22 bits."""
    milliseconds = int(moment.timestamp() * 1000) - SNOWFLAKE_EPOCH_MS
    return str((milliseconds << 22) | sequence)


def rate_limited(reset_in: int) -> Reply:
    """A 429 as X sends it: problem JSON, remaining 0, reset in epoch seconds."""
    return Reply.json({"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank",
                       "status": 429}, 429,
                      headers={"x-rate-limit-limit": "450", "x-rate-limit-remaining": "0",
                               "x-rate-limit-reset": str(int(time.time()) + reset_in)})


@dataclass
class XFake:
    """The state of the fake API; tests change it between runs."""

    server: FakeServer
    tweets: list[dict] = field(default_factory=list)  # what search finds, newest first
    versions: dict[str, dict] = field(default_factory=dict)  # every version by id, for lookups
    users: dict[str, dict] = field(default_factory=dict)  # by id
    media: dict[str, dict] = field(default_factory=dict)  # by media_key
    deleted: set[str] = field(default_factory=set)  # tweet ids
    suspended: set[str] = field(default_factory=set)  # user ids missing from includes, with errors[]
    protected: set[str] = field(default_factory=set)  # user ids whose tweets need authorization
    page_size: int = 2  # small pages so paging is exercised
    fail_with: Reply | None = None  # answer every search with this
    oldest_since_id: int = 0  # smaller since_ids are refused, as X refuses ids older than 7 days
    offsets_on_escaped: bool = False  # entity ranges counted in the escaped text
    leak_retweets: bool = False  # '-is:retweet' is not honoured
    plain: dict[str, str] = field(default_factory=dict)  # the unescaped text of each tweet

    def __post_init__(self) -> None:
        self.server.route("GET", r"/2/tweets/search/recent")(self.search)
        self.server.route("GET", r"/2/tweets")(self.lookup)
        self.server.route("GET", r"/(?:media|profile_images)/(?P<name>[^/]+)")(self.image)

    @property
    def base(self) -> str:
        return self.server.base_url

    def user(self, username: str, name: str | None = None) -> str:
        """The id of a user, created on first use."""
        for user_id, user in self.users.items():
            if user["username"] == username:
                return user_id
        user_id = str(2244990000 + len(self.users))
        self.users[user_id] = {"id": user_id, "name": name or username.title(), "username": username,
                               "profile_image_url": f"{self.base}/profile_images/{username}_normal.jpg",
                               "url": ""}
        return user_id

    def add(self, minute: int, text: str = "Ich biete Suppe #EssenArbeitetZusammen", *, user: str = "kueche",
            photos: tuple[str | None, ...] = (), videos: tuple[str | None, ...] = (),
            reply_to: str | None = None, long: bool = False, **fields: Any) -> dict:
        """Post a tweet `minute` minutes after START; photos and videos are their alt texts."""
        moment = START + timedelta(minutes=minute)
        tweet_id = snowflake(moment)
        keys = [self._medium(tweet_id, n, "photo", alt) for n, alt in enumerate(photos)]
        keys += [self._medium(tweet_id, n + 10, "video", alt) for n, alt in enumerate(videos)]
        tweet = {"id": tweet_id, "edit_history_tweet_ids": [tweet_id], "author_id": self.user(user),
                 "created_at": moment.strftime("%Y-%m-%dT%H:%M:%S.000Z"), "lang": "de",
                 "possibly_sensitive": False, "conversation_id": reply_to or tweet_id, **fields}
        if keys:
            tweet["attachments"] = {"media_keys": keys}
        if reply_to:
            tweet["referenced_tweets"] = [{"type": "replied_to", "id": reply_to}]
            tweet["in_reply_to_user_id"] = self.versions.get(reply_to, {"author_id": "1"})["author_id"]
        self._write(tweet, text, user, long)
        return self._publish(tweet)

    def edit(self, tweet: dict, text: str, minutes_later: int = 5) -> dict:
        """An edit: a new tweet whose history starts with the original's id."""
        moment = _created(tweet) + timedelta(minutes=minutes_later)
        new = dict(tweet, id=snowflake(moment), created_at=moment.strftime("%Y-%m-%dT%H:%M:%S.000Z"))
        history = [*tweet["edit_history_tweet_ids"], new["id"]]
        for version_id in history[:-1]:
            self.versions[version_id]["edit_history_tweet_ids"] = history
        new["edit_history_tweet_ids"] = history
        self._write(new, text, self.users[tweet["author_id"]]["username"], "note_tweet" in tweet)
        self.tweets.remove(tweet)
        return self._publish(new)

    def retweet(self, tweet: dict, user: str) -> dict:
        """A retweet of tweet by user: 'RT @author: …' referencing the original."""
        author = self.users[tweet["author_id"]]["username"]
        moment = _created(tweet) + timedelta(minutes=1)
        retweet = {"id": snowflake(moment, 1), "edit_history_tweet_ids": [snowflake(moment, 1)],
                   "author_id": self.user(user), "created_at": moment.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                   "lang": "de", "referenced_tweets": [{"type": "retweeted", "id": tweet["id"]}]}
        self._write(retweet, f"RT @{author}: {self.plain[tweet['id']]}", user, False)
        return self._publish(retweet)

    def delete(self, tweet: dict) -> None:
        """Delete a tweet with every version."""
        self.deleted.update(tweet["edit_history_tweet_ids"])
        self.tweets = [t for t in self.tweets if t["id"] not in self.deleted]

    def rate_headers(self) -> dict[str, str]:
        remaining = max(450 - len(self.server.requests), 0)
        return {"x-rate-limit-limit": "450", "x-rate-limit-remaining": str(remaining),
                "x-rate-limit-reset": str(int(time.time()) + 900)}

    def search(self, request: Request) -> Reply:
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return Reply.json(UNAUTHORIZED, 401)
        if self.fail_with is not None:
            return self.fail_with
        query, since = request.arg("query") or "", request.arg("since_id")
        max_results = int(request.arg("max_results") or "10")
        if not 10 <= max_results <= 100:
            message = f"The `max_results` query parameter value [{max_results}] is not between 10 and 100"
            return invalid_request("max_results", str(max_results), message)
        if since and int(since) < self.oldest_since_id:
            return invalid_request("since_id", since, f"Invalid 'since_id':'{since}'. 'since_id' must be a "
                                                      "tweet id created after 2020-03-13T09:00:00.000Z.")
        until = _decoded(request.arg("next_token"))
        matching = [t for t in self.tweets if self._matches(t, query)
                    and (not since or int(t["id"]) > int(since)) and (until is None or int(t["id"]) < until)]
        page = matching[:min(self.page_size, max_results)]
        body: dict[str, Any] = {"meta": {"result_count": len(page)}}
        if page:
            body.update(data=page, **self._expanded(page, (request.arg("expansions") or "").split(",")))
            body["meta"].update(newest_id=page[0]["id"], oldest_id=page[-1]["id"])
        if len(matching) > len(page):
            body["meta"]["next_token"] = base64.b32encode(page[-1]["id"].encode()).decode().lower().rstrip("=")
        return Reply.json(body, headers=self.rate_headers())

    def lookup(self, request: Request) -> Reply:
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return Reply.json(UNAUTHORIZED, 401)
        data, errors = [], []
        for tweet_id in (request.arg("ids") or "").split(","):
            tweet = self.versions.get(tweet_id)
            if tweet is None or tweet_id in self.deleted:
                errors.append(not_found(tweet_id, "ids"))
            elif tweet["author_id"] in self.protected:
                errors.append({"value": tweet_id, "resource_id": tweet_id, "resource_type": "tweet",
                               "parameter": "ids", "title": "Authorization Error",
                               "detail": f"Sorry, you are not authorized to see the Tweet with id: "
                                         f"[{tweet_id}].",
                               "type": f"{PROBLEMS}/not-authorized-for-resource"})
            else:
                data.append(tweet)
        body = {key: value for key, value in (("data", data), ("errors", errors)) if value}
        return Reply.json(body, headers=self.rate_headers())

    def image(self, request: Request) -> Reply:
        shade = hashlib.sha1(request.groups["name"].encode()).digest()[:3]
        return Reply(200, webp_bytes(60, 40, tuple(shade), kind="JPEG"), {"Content-Type": "image/jpeg"})

    def _matches(self, tweet: dict, query: str) -> bool:
        kinds = {reference["type"] for reference in tweet.get("referenced_tweets", [])}
        if ("-is:retweet" in query and "retweeted" in kinds and not self.leak_retweets) or (
                "-is:reply" in query and "replied_to" in kinds) or tweet["author_id"] in self.protected:
            return False
        wanted = {tag.casefold() for tag in re.findall(r"#(\w+)", query)}
        source = tweet.get("note_tweet") or tweet
        return bool(wanted & {h["tag"].casefold() for h in source.get("entities", {}).get("hashtags", [])})

    def _expanded(self, page: list[dict], wanted: list[str]) -> dict[str, Any]:
        users: dict[str, dict] = {}
        media: dict[str, dict] = {}
        tweets: dict[str, dict] = {}
        errors: list[dict] = []
        for tweet in page:
            if "author_id" in wanted:
                self._expand_user(tweet["author_id"], "author_id", users, errors)
            if "attachments.media_keys" in wanted:
                keys = tweet.get("attachments", {}).get("media_keys", [])
                media.update((key, self.media[key]) for key in keys)
            for reference in tweet.get("referenced_tweets", []) if "referenced_tweets.id" in wanted else []:
                found = self.versions.get(reference["id"])
                if found is None or reference["id"] in self.deleted:
                    errors.append(not_found(reference["id"], "referenced_tweets.id"))
                    continue
                tweets[found["id"]] = found
                if "referenced_tweets.id.author_id" in wanted:
                    self._expand_user(found["author_id"], "referenced_tweets.id.author_id", users, errors)
        parts = {"users": list(users.values()), "media": list(media.values()), "tweets": list(tweets.values())}
        includes = {key: value for key, value in parts.items() if value}
        return {key: value for key, value in (("includes", includes), ("errors", errors)) if value}

    def _expand_user(self, user_id: str, parameter: str, users: dict, errors: list) -> None:
        if user_id in self.suspended:
            errors.append({"value": user_id, "resource_id": user_id, "resource_type": "user",
                           "parameter": parameter, "title": "Forbidden",
                           "detail": f"User has been suspended: [{user_id}].",
                           "type": f"{PROBLEMS}/resource-not-found"})
        else:
            users[user_id] = self.users[user_id]

    def _medium(self, tweet_id: str, number: int, kind: str, alt: str | None) -> str:
        key = f"{3 if kind == 'photo' else 7}_{int(tweet_id) + number}"
        item: dict[str, Any] = {"media_key": key, "type": kind, "width": 60, "height": 40}
        if kind == "photo":
            item["url"] = f"{self.base}/media/{key}.jpg"
        else:
            item.update(preview_image_url=f"{self.base}/media/{key}-thumb.jpg", duration_ms=12000,
                        variants=[{"bit_rate": 832000, "content_type": "video/mp4",
                                   "url": f"{self.base}/media/{key}.mp4"}])
        if alt is not None:
            item["alt_text"] = alt
        self.media[key] = item
        return key

    def _write(self, tweet: dict, text: str, user: str, long: bool) -> None:
        """Give a tweet its escaped text and entities; a long one a cut text plus note_tweet."""
        keys = tweet.get("attachments", {}).get("media_keys", [])
        kinds = ["photo" if key.startswith("3_") else "video" for key in keys]
        links = [(f"https://x.com/{user}/status/{tweet['id']}/{kind}/{n + 1}", key)
                 for n, (kind, key) in enumerate(zip(kinds, keys))]
        self.plain[tweet["id"]] = text
        tweet.pop("note_tweet", None)
        if long:
            note_text, note_entities = with_entities(text, [], self.offsets_on_escaped)
            tweet["note_tweet"] = {"text": note_text, "entities": note_entities}
            text = text[:250] + f"… https://twitter.com/i/web/status/{tweet['id']}"
        tweet["text"], tweet["entities"] = with_entities(text, links, self.offsets_on_escaped)

    def _publish(self, tweet: dict) -> dict:
        self.versions[tweet["id"]] = tweet
        self.tweets.append(tweet)
        self.tweets.sort(key=lambda t: int(t["id"]), reverse=True)
        return tweet


def with_entities(text: str, media_links: list[tuple[str, str]], on_escaped: bool) -> tuple[str, dict]:
    """X's escaped text with t.co links, and entities whose ranges count code points."""
    out, urls, tags, mentions, position = "", [], [], [], 0
    for match in TOKENS.finditer(text):
        between = text[position:match.start()]
        out += _escape(between) if on_escaped else between
        token, start = match.group(), len(out)
        if token.startswith("http"):
            out += _tco(token)
            urls.append({"start": start, "end": len(out), "url": _tco(token), "expanded_url": token,
                         "display_url": token.split("//", 1)[1][:24] + ("…" if len(token) > 32 else "")})
        elif token[0] == "#":
            out += token
            tags.append({"start": start, "end": len(out), "tag": token[1:]})
        else:
            out += token
            mentions.append({"start": start, "end": len(out), "username": token[1:], "id": "42"})
        position = match.end()
    rest = text[position:]
    out += _escape(rest) if on_escaped else rest
    for expanded, key in media_links:
        out += " "
        urls.append({"start": len(out), "end": len(out) + len(_tco(expanded)), "url": _tco(expanded),
                     "expanded_url": expanded, "display_url": f"pic.x.com/{_tco(expanded)[-10:]}",
                     "media_key": key})
        out += _tco(expanded)
    entities = {key: value for key, value in {"urls": urls, "hashtags": tags, "mentions": mentions}.items()
                if value}
    return (out if on_escaped else _escape(out)), entities


def invalid_request(parameter: str, value: str, message: str) -> Reply:
    """X's 400 for a bad parameter."""
    return Reply.json({"errors": [{"parameters": {parameter: [value]}, "message": message}],
                       "title": "Invalid Request", "type": f"{PROBLEMS}/invalid-request",
                       "detail": "One or more parameters to your request was invalid."}, 400)


def not_found(tweet_id: str, parameter: str) -> dict:
    """The errors[] entry for a deleted tweet."""
    return {"value": tweet_id, "resource_id": tweet_id, "resource_type": "tweet", "parameter": parameter,
            "title": "Not Found Error", "detail": f"Could not find tweet with id: [{tweet_id}].",
            "type": f"{PROBLEMS}/resource-not-found"}


def _created(tweet: dict) -> datetime:
    return datetime.fromisoformat(tweet["created_at"].replace("Z", "+00:00"))


def _decoded(token: str | None) -> int | None:
    if not token:
        return None
    return int(base64.b32decode(token.upper() + "=" * (-len(token) % 8)).decode())


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _tco(url: str) -> str:
    return "https://t.co/" + hashlib.sha1(url.encode()).hexdigest()[:10]
