"""The Bluesky connector against a fake PDS and AppView on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import pytest

from wall.config import ConfigError
from wall.store import load_content

from .conftest import fetch_config, run_fetch, tree
from .fake_bluesky import (PASSWORD, BlueskyFake, did_of, images_view, make_post, quote_view, rate_limited,
                           video_view)
from .fakes import Reply

ENV = {"BLUESKY_APP_PASSWORD": PASSWORD}
SEARCH = r"/xrpc/app\.bsky\.feed\.searchPosts"
KRUEMEL = did_of("kruemel.bsky.social")


@pytest.fixture
def bsky(fake_server) -> BlueskyFake:
    return BlueskyFake(fake_server)


def source(fake: BlueskyFake, extra: str = "") -> str:
    return (f"  - name: bluesky\n    type: bluesky\n    identifier: ewg.bsky.social\n"
            f"    auth_base: {fake.base}\n    timeout: 2\n{extra}")  # the account's server answers everything


def fetch(tmp_path: Path, fake: BlueskyFake, extra: str = "", environ=None, **options):
    config = fetch_config(tmp_path, source(fake, extra))
    return run_fetch(config, tmp_path / "content", environ=ENV if environ is None else environ,
                     **options)["bluesky"]


def posts_in(content: Path) -> dict:
    return {post.id: post for post in load_content(content, ["angebot", "gesuch"]).posts}


def post_id(number: int, did: str = KRUEMEL) -> str:
    return f"bluesky:3kz{number:010d}@{did}"


def test_first_run_logs_in_follows_the_cursor_and_writes_normalised_posts(tmp_path, bsky):
    for number in range(1, 6):
        bsky.add(number, f"Ich biete Brot Nr. {number} #EssenArbeitetZusammen", images=["Brote im Regal"])
    report = fetch(tmp_path, bsky)
    assert (report.new, report.error) == (5, "")
    (login,) = bsky.server.requests_to(r"/xrpc/com\.atproto\.server\.createSession")
    assert login.json() == {"identifier": "ewg.bsky.social", "password": PASSWORD}
    searches = bsky.server.requests_to(SEARCH)
    assert [s.arg("cursor") for s in searches] == [None, "2", "4"]
    assert (searches[0].query["q"], searches[0].query["tag"]) == (["#EssenArbeitetZusammen"], ["EssenArbeitetZusammen"])
    assert searches[0].arg("sort") == "latest" and searches[0].arg("since") is None
    assert {s.headers["authorization"] for s in searches} == {"Bearer access-1"}
    post = posts_in(tmp_path / "content")[post_id(3)]
    assert post.text == "Ich biete Brot Nr. 3 #EssenArbeitetZusammen"
    assert post.url == "https://bsky.app/profile/kruemel.bsky.social/post/3kz0000000003"
    assert (post.author.name, post.author.handle, post.author.url) == (
        "Backstube Krümel", "kruemel.bsky.social", "https://bsky.app/profile/kruemel.bsky.social")
    assert post.author.avatar.startswith("media/") and (tmp_path / "content" / post.author.avatar).is_file()
    assert [(m.alt, m.width, m.height) for m in post.media] == [("Brote im Regal", 60, 40)]
    assert (post.status, post.category, post.source, post.language, post.hashtags) == (
        "pending", "angebot", "bluesky", "de", ("EssenArbeitetZusammen",))
    assert post.published.isoformat() == "2020-03-20T11:59:58+00:00"
    images = [r for r in bsky.server.requests if r.path.startswith("/img/")]
    assert images and not any("authorization" in r.headers for r in images), "tokens never go to the CDN"


def test_the_same_rkey_of_two_accounts_gives_two_posts(tmp_path, bsky):
    bsky.add(1)
    bsky.add(1, handle="druckerei.bsky.social", name="Druckerei")
    report = fetch(tmp_path, bsky)
    assert report.new == 2
    assert set(posts_in(tmp_path / "content")) == {post_id(1), post_id(1, did_of("druckerei.bsky.social"))}


def test_max_pages_caps_the_run_and_a_gap_is_reported(tmp_path, bsky):
    for number in range(1, 8):
        bsky.add(number)
    report = fetch(tmp_path, bsky, extra="    max_pages: 2\n")
    assert report.new == 4 and len(bsky.server.requests_to(SEARCH)) == 2
    assert report.warnings == [], "the first run reads back only so far, by design"
    for number in range(10, 16):
        bsky.add(number)
    report = fetch(tmp_path, bsky, extra="    max_pages: 2\n")
    assert report.new == 4
    assert report.warnings == ["#EssenArbeitetZusammen: more than 2 pages of new posts; "
                               "the older ones were not read (raise max_pages)"]


def test_a_page_emptied_by_the_appviews_filters_does_not_end_the_search(tmp_path, bsky):
    # platform-apis.md §2.1 Pagination: stop when `cursor` is absent; pages may hold fewer than
    # `limit` posts because some are filtered after the search (the AppView's searchPosts drops
    # posts of blocked authors after the search service gave the page and its cursor), so a
    # page can come back empty and still carry the cursor to the rest.
    bsky.add(1)
    fetch(tmp_path, bsky)
    for number in range(10, 16):
        bsky.add(number)
    blocked = [make_post(bsky.base, number, "x")["uri"] for number in (12, 13)]
    bsky.filtered.update(blocked)
    report = fetch(tmp_path, bsky)
    assert {post_id(10), post_id(11)} <= set(posts_in(tmp_path / "content")), \
        "the posts behind the emptied page are lost: `since` has moved past them"
    assert report.new == 4
    # the second run (after the first run's single request) goes on past the empty page "2" and
    # ends only on the page without a cursor: "6" holds post 1, read again through the overlap hour
    assert [s.arg("cursor") for s in bsky.server.requests_to(SEARCH)][1:] == [None, "2", "4", "6"]


def test_the_next_run_reads_only_newer_posts_and_the_state_holds_no_token(tmp_path, bsky):
    bsky.add(1)
    bsky.add(2)
    fetch(tmp_path, bsky)
    before = tree(tmp_path / "content")
    state = (tmp_path / "content/state.yaml").read_text(encoding="utf-8")
    assert "essenarbeitetzusammen: '2020-03-20T10:59:58+00:00'" in state
    assert "access-" not in state and "refresh-" not in state and PASSWORD not in state
    report = fetch(tmp_path, bsky)
    assert (report.new, report.updated) == (0, 0)
    assert tree(tmp_path / "content") == before
    assert bsky.server.requests_to(SEARCH)[-1].arg("since") == "2020-03-20T09:59:58.000Z", "an hour of overlap"
    bsky.add(3, "Ich suche Lagerfläche #EssenArbeitetZusammen")
    report = fetch(tmp_path, bsky)
    assert report.new == 1 and posts_in(tmp_path / "content")[post_id(3)].category == "gesuch"
    assert bsky.sessions == 3, "a new session each run, no token kept"


def test_byte_offsets_links_mentions_and_record_tags(tmp_path, bsky):
    # 🍲 is 4 bytes and ü 2: character offsets would cut the link in the wrong place.
    text = "🍲 Suppe für alle: suppenkueche.example/heute-im-an... mit @anna.bsky.social #EssenArbeitetZusammen"
    bsky.add(1, text, tags=["Nachbarschaft", "essenarbeitetzusammen"],
             links={"suppenkueche.example/heute-im-an...": "https://suppenkueche.example/heute-im-angebot?tag=1"})
    bsky.add(2, "Details hier und #EssenArbeitetZusammen", links={"hier": "https://ewg.example/details"})
    fetch(tmp_path, bsky)
    posts = posts_in(tmp_path / "content")
    first = posts[post_id(1)]
    assert first.text == ("🍲 Suppe für alle: https://suppenkueche.example/heute-im-angebot?tag=1 "
                          "mit @anna.bsky.social #EssenArbeitetZusammen")
    assert first.hashtags == ("EssenArbeitetZusammen", "Nachbarschaft")
    assert posts[post_id(2)].text == "Details hier (https://ewg.example/details) und #EssenArbeitetZusammen"


def test_broken_facets_leave_the_text_as_it_is(tmp_path, bsky):
    post = bsky.add(1, "🍲 example.com/a... #EssenArbeitetZusammen",
                    links={"example.com/a...": "https://example.com/abc"})
    facet = next(f for f in post["record"]["facets"] if "uri" in f["features"][0])
    facet["index"]["byteStart"] = 1  # inside the emoji
    post["record"]["facets"].append({"index": {"byteStart": 900, "byteEnd": 990}, "features": [
        {"$type": "app.bsky.richtext.facet#link", "uri": "https://example.com/far"}]})
    fetch(tmp_path, bsky)
    assert posts_in(tmp_path / "content")[post_id(1)].text == "🍲 example.com/a... #EssenArbeitetZusammen"


def test_a_quote_post_and_the_quoted_post_are_stored_once_each(tmp_path, bsky):
    quoted = bsky.add(1, "Wir kochen #EssenArbeitetZusammen", handle="kueche.bsky.social", images=["Topf"])
    bsky.add(2, "Macht mit! #EssenArbeitetZusammen", embed=quote_view(quoted))
    with_media = {"$type": "app.bsky.embed.recordWithMedia#view", "record": quote_view(quoted),
                  "media": images_view(bsky.base, KRUEMEL, ["Unser Stand"])}
    bsky.add(3, "Wir auch #EssenArbeitetZusammen", embed=with_media)
    report = fetch(tmp_path, bsky)
    assert report.new == 3
    posts = posts_in(tmp_path / "content")
    link = "Zitierter Beitrag: https://bsky.app/profile/kueche.bsky.social/post/3kz0000000001"
    assert posts[post_id(2)].text == f"Macht mit! #EssenArbeitetZusammen\n\n{link}"
    assert posts[post_id(2)].media == ()
    assert [m.alt for m in posts[post_id(3)].media] == ["Unser Stand"]
    assert [m.alt for m in posts[post_id(1, did_of("kueche.bsky.social"))].media] == ["Topf"]


def test_video_thumbnail_link_card_and_unknown_embeds(tmp_path, bsky):
    bsky.add(1, embed=video_view(bsky.base, KRUEMEL, alt="Backstube"))
    card = {"$type": "app.bsky.embed.external#view",
            "external": {"uri": "https://kruemel.example/aktion", "title": "Aktion", "description": ""}}
    bsky.add(2, embed=card)
    bsky.add(3, embed={"$type": "app.bsky.embed.hologram#view", "frames": []})
    report = fetch(tmp_path, bsky)
    posts = posts_in(tmp_path / "content")
    assert report.new == 3
    assert [m.alt for m in posts[post_id(1)].media] == ["Vorschaubild eines Videos: Backstube"]
    assert posts[post_id(2)].text.endswith("\n\nhttps://kruemel.example/aktion")
    assert posts[post_id(3)].media == ()


def test_labels_give_content_warnings_or_keep_posts_out(tmp_path, bsky):
    bsky.add(1, self_labels=("nudity",))
    bsky.add(2, labels=("graphic-media", "porn"))
    bsky.add(3, labels=("!takedown",))
    bsky.add(4, labels=("!hide",))
    bsky.add(5, handle="privat.bsky.social", author_labels=("!no-unauthenticated",))
    bsky.add(6, labels=("!warn",))
    report = fetch(tmp_path, bsky)
    assert (report.new, report.skipped) == (3, 3)
    posts = posts_in(tmp_path / "content")
    assert posts[post_id(1)].content_warning == "Als sensibel markiert: Nacktheit"
    assert posts[post_id(2)].content_warning == "Als sensibel markiert: drastische Darstellung, nicht jugendfrei"
    assert posts[post_id(6)].content_warning == "Als sensibel markiert"


def test_replies_can_be_skipped_and_reposts_are_unwrapped(tmp_path, bsky):
    original = bsky.add(1)
    bsky.add(2, reply=True)
    repost = {"post": original, "reason": {"$type": "app.bsky.feed.defs#reasonRepost",
                                           "by": original["author"], "indexedAt": original["indexedAt"]}}
    other = make_post(bsky.base, 3, "Geteilt #EssenArbeitetZusammen")
    other["record"]["$type"] = "app.bsky.feed.repost"
    bsky.posts += [repost, other]
    report = fetch(tmp_path, bsky, extra="    skip_replies: true\n")
    assert (report.new, report.skipped) == (1, 2)
    assert list(posts_in(tmp_path / "content")) == [post_id(1)]


def test_a_future_created_at_gives_way_to_indexed_at(tmp_path, bsky):
    bsky.add(1, created_at="2031-01-01T00:00:00+05:00", indexed_at="2020-03-21T10:00:00.5Z")
    bsky.add(2, created_at="2020-03-01T12:00:00+01:00")
    fetch(tmp_path, bsky)
    posts = posts_in(tmp_path / "content")
    assert posts[post_id(1)].published.isoformat() == "2020-03-21T10:00:00.500000+00:00"
    assert posts[post_id(2)].published.isoformat() == "2020-03-01T11:00:00+00:00"


def test_posts_deleted_or_taken_down_upstream_are_removed(tmp_path, bsky):
    posts = [bsky.add(number) for number in range(1, 24)]
    fetch(tmp_path, bsky, extra="    max_pages: 20\n")
    bsky.delete(posts[22])
    bsky.delete(posts[1])  # older than the 20 rechecked
    posts[21]["labels"].append({"src": "did:plc:mod", "uri": posts[21]["uri"], "val": "!takedown",
                                "cts": "2020-03-22T00:00:00.000Z"})
    report = fetch(tmp_path, bsky)
    assert report.removed == 2
    recheck = bsky.server.requests_to(r"/xrpc/app\.bsky\.feed\.getPosts")[-1]
    assert len(recheck.query["uris"]) == 20 and recheck.query["uris"][0] == posts[22]["uri"]
    assert post_id(23) not in posts_in(tmp_path / "content") and post_id(2) in posts_in(tmp_path / "content")


def test_a_label_added_later_reaches_the_stored_post(tmp_path, bsky):
    post = bsky.add(1)
    bsky.add(6)  # hours newer: the next search does not reach back to post 1
    fetch(tmp_path, bsky)
    post["labels"].append({"src": "did:plc:mod", "uri": post["uri"], "val": "sexual",
                           "cts": "2020-03-22T00:00:00.000Z"})
    report = fetch(tmp_path, bsky)
    assert (report.new, report.updated) == (0, 1)
    assert post["uri"] not in str([r.query for r in bsky.server.requests_to(SEARCH)])
    assert posts_in(tmp_path / "content")[post_id(1)].content_warning == "Als sensibel markiert: sexuell anzüglich"


def test_an_expired_token_is_refreshed_once(tmp_path, bsky):
    bsky.add(1)
    bsky.expire_tokens = 1
    report = fetch(tmp_path, bsky)
    assert (report.new, report.error) == (1, "")
    (refresh,) = bsky.server.requests_to(r"/xrpc/com\.atproto\.server\.refreshSession")
    assert refresh.headers["authorization"] == "Bearer refresh-1"
    assert [s.headers["authorization"] for s in bsky.server.requests_to(SEARCH)] == ["Bearer access-1",
                                                                                  "Bearer access-2"]


@pytest.mark.parametrize("expire, refresh_fails", [(2, False), (1, True)])
def test_a_session_that_cannot_be_renewed_fails_as_auth(tmp_path, bsky, expire, refresh_fails):
    bsky.add(1)
    bsky.expire_tokens, bsky.refresh_fails = expire, refresh_fails
    report = fetch(tmp_path, bsky)
    assert report.failed and report.error_kind == "auth", report.error
    assert len(bsky.server.requests_to(r"/xrpc/com\.atproto\.server\.refreshSession")) == 1


def test_the_public_appview_gives_a_clear_auth_error(tmp_path, bsky):
    bsky.add(1)
    bsky.public = True
    report = fetch(tmp_path, bsky)
    assert report.failed and report.error_kind == "auth"
    assert "public.api.bsky.app has refused search since 2025" in report.error
    assert "<html" not in report.error


def test_a_wrong_app_password_fails_the_login(tmp_path, bsky):
    report = fetch(tmp_path, bsky, environ={"BLUESKY_APP_PASSWORD": "falsch"})
    assert report.failed and report.error_kind == "auth"
    assert report.error.startswith("login as ewg.bsky.social failed: access refused, HTTP 401 "
                                   "(check the token in BLUESKY_APP_PASSWORD)")
    assert not bsky.server.requests_to(SEARCH)


def test_a_rate_limited_login_is_reported_as_a_rate_limit(tmp_path, bsky):
    # createSession allows 30 logins per 5 minutes: that is not a wrong password.
    bsky.server.route("POST", r"/xrpc/com\.atproto\.server\.createSession")(lambda _: rate_limited(reset_in=3600))
    report = fetch(tmp_path, bsky)
    assert report.error_kind == "rate_limit"
    assert report.error.startswith("login as ewg.bsky.social failed: rate limited (HTTP 429)")


def test_without_the_app_password_the_source_is_skipped(tmp_path, bsky):
    report = fetch(tmp_path, bsky, environ={})
    assert report.error_kind == "missing_token" and not report.failed
    assert "BLUESKY_APP_PASSWORD" in report.error and not bsky.server.requests


def test_a_bad_query_fails_only_its_hashtag(tmp_path, bsky):
    bsky.add(1)
    report = fetch(tmp_path, bsky, extra='    hashtags: [Essen"Arbeitet, EssenArbeitetZusammen]\n')
    assert (report.new, report.error) == (1, "")
    assert any("BadQueryString" in warning for warning in report.warnings)
    report = fetch(tmp_path, bsky, extra='    hashtags: [Essen"Arbeitet]\n')
    assert report.failed and report.error_kind == "response" and "BadQueryString" in report.error


@pytest.mark.parametrize("limit", [
    rate_limited(reset_in=1, retry_after="1"),
    rate_limited(reset_in=1.5),  # RateLimit-Reset alone: a moment in epoch seconds
], ids=["retry-after", "ratelimit-reset"])
def test_a_short_rate_limit_is_waited_out(tmp_path, bsky, limit):
    bsky.add(1)
    bsky.limited = [limit]
    report = fetch(tmp_path, bsky)
    assert (report.new, report.error) == (1, "")
    assert len(bsky.server.requests_to(SEARCH)) == 2


def test_a_long_rate_limit_fails_the_source_and_touches_nothing(tmp_path, bsky):
    bsky.add(1)
    fetch(tmp_path, bsky)
    before = tree(tmp_path / "content")
    bsky.add(2)
    bsky.limited = [rate_limited(reset_in=3600)] * 5
    report = fetch(tmp_path, bsky)
    assert report.failed and report.error_kind == "rate_limit", report.error
    assert tree(tmp_path / "content") == before


@pytest.mark.parametrize("failure, kind", [
    (Reply.json({"error": "InternalServerError", "message": "Internal Server Error"}, 500), "server"),
    (Reply.json({"error": "UpstreamFailure", "message": "Upstream Failure"}, 502), "server"),
    (Reply(200, b'{"posts": [{"uri": "at://', {"Content-Type": "application/json"}), "response"),
    (Reply.json({"cursor": "2"}), "response"),
])
def test_a_failing_appview_fails_the_source(tmp_path, bsky, failure, kind):
    bsky.add(1)
    bsky.limited = [failure] * 5
    report = fetch(tmp_path, bsky, extra="    retries: 1\n")
    assert report.failed and report.error_kind == kind, report.error
    assert not (tmp_path / "content/posts").exists()


def test_the_identifier_is_required_and_auth_base_is_a_url(tmp_path):
    with pytest.raises(ConfigError) as error:
        fetch_config(tmp_path, "  - name: bluesky\n    type: bluesky\n    auth_base: bsky.social\n")
    problems = [str(problem).replace(f"{tmp_path}/", "") for problem in error.value.problems]
    assert "config.yaml:13: sources[0].identifier: Pflichtfeld fehlt" in problems
    assert "config.yaml:15: sources[0].auth_base: erwartet: eine http- oder https-Adresse, gefunden: 'bsky.social'" in problems
