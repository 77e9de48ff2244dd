"""The X connector against a fake X API v2 on 127.0.0.1."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from wall.state import read_state, write_state
from wall.store import load_content

from .conftest import fetch_config, run_fetch, tree
from .fake_x import CLIENT_FORBIDDEN, START, TOKEN, UNAUTHORIZED, XFake, rate_limited
from .fakes import Reply

ENV = {"X_BEARER_TOKEN": TOKEN}
TAG = "#EssenArbeitetZusammen"


@pytest.fixture
def x(fake_server) -> XFake:
    return XFake(fake_server)


def fetch(tmp_path: Path, fake: XFake, extra: str = "", **options):
    """One fetch of the x source against the fake; the token comes from ENV unless given."""
    sources = f"  - name: x\n    type: x\n    api_base: {fake.base}\n    timeout: 2\n{extra}"
    options.setdefault("environ", ENV)
    return run_fetch(fetch_config(tmp_path, sources), tmp_path / "content", **options)["x"]


def posts_in(content: Path) -> dict:
    return {post.id: post for post in load_content(content, ["angebot", "gesuch"]).posts}


def x_state(content: Path) -> dict:
    return read_state(content)["sources"]["x"]


def set_state(content: Path, **values) -> None:
    state = read_state(content)
    state["sources"]["x"].update(values)
    write_state(content, state)


def searches(fake: XFake) -> list:
    return fake.server.requests_to(r"/2/tweets/search/recent")


def this_month() -> str:
    return "2020-04"  # run_fetch's fixed clock: 1 April 2020


def test_first_run_reads_every_page_and_writes_normalised_posts(tmp_path, x):
    x.user("kueche", "Küche Essen")
    link = "https://kueche.example/suppe/{}?tag=1&teller=2"
    tweets = [x.add(n, f"Ich biete Suppe Nr. {n} {TAG}\n\nMehr: {link.format(n)}") for n in range(1, 6)]
    report = fetch(tmp_path, x)
    assert (report.new, report.error) == (5, "")
    first, second = searches(x)[:2]
    assert len(searches(x)) == 3, "pages were followed"
    assert first.arg("query") == f"{TAG} -is:retweet" and first.arg("max_results") == "100"
    assert first.headers["authorization"] == f"Bearer {TOKEN}" and first.arg("since_id") is None
    expansions = set(first.arg("expansions").split(","))
    assert {"author_id", "attachments.media_keys", "referenced_tweets.id"} <= expansions
    assert "note_tweet" in first.arg("tweet.fields") and "alt_text" in first.arg("media.fields")
    assert second.arg("next_token")
    post = posts_in(tmp_path / "content")[f"x:{tweets[2]['id']}"]
    assert post.text == f"Ich biete Suppe Nr. 3 {TAG}\n\nMehr: {link.format(3)}"
    assert post.url == f"https://x.com/kueche/status/{tweets[2]['id']}"
    author = post.author
    assert (author.name, author.handle, author.url) == ("Küche Essen", "kueche", "https://x.com/kueche")
    assert author.avatar.startswith("media/") and (tmp_path / "content" / author.avatar).is_file()
    assert post.published == START + timedelta(minutes=3) and post.edited_at is None
    assert (post.status, post.category, post.language, post.hashtags) == (
        "pending", "angebot", "de", ("EssenArbeitetZusammen",))
    assert x_state(tmp_path / "content") == {"newest_id": tweets[-1]["id"], "month": this_month(), "reads": 5,
                                             "rechecked": "2020-04-01"}
    assert TOKEN not in (tmp_path / "content/state.yaml").read_text(encoding="utf-8")


def test_second_run_with_nothing_new_changes_no_file(tmp_path, x):
    x.add(1)
    newest = x.add(2, photos=("Teller mit Eintopf",))
    fetch(tmp_path, x)
    before = tree(tmp_path / "content")
    report = fetch(tmp_path, x)
    assert (report.new, report.updated, report.error) == (0, 0, "")
    assert tree(tmp_path / "content") == before
    assert searches(x)[-1].arg("since_id") == newest["id"], "the second run starts where the first stopped"
    assert not x.server.requests_to(r"/2/tweets"), "the paid deletion check runs once a day"


def test_new_post_arrives_on_the_next_run(tmp_path, x):
    x.add(1)
    fetch(tmp_path, x)
    new = x.add(7, f"Ich suche Lagerfläche {TAG}")
    report = fetch(tmp_path, x)
    assert report.new == 1
    assert posts_in(tmp_path / "content")[f"x:{new['id']}"].category == "gesuch"


def test_a_cut_scan_resumes_with_its_next_token_before_since_id_moves(tmp_path, x):
    tweets = [x.add(n) for n in range(1, 6)]
    content = tmp_path / "content"
    first = fetch(tmp_path, x, "    max_pages: 1\n")
    assert first.new == 2 and any("max_pages" in warning for warning in first.warnings)
    assert "newest_id" not in x_state(content) and x_state(content)["scan_top"] == tweets[-1]["id"]
    later = x.add(9)
    assert [fetch(tmp_path, x, "    max_pages: 1\n").new for _ in range(2)] == [2, 1]
    assert searches(x)[1].arg("next_token") and searches(x)[1].arg("since_id") is None
    assert x_state(content)["newest_id"] == tweets[-1]["id"] and "next_token" not in x_state(content)
    assert fetch(tmp_path, x, "    max_pages: 1\n").new == 1
    assert searches(x)[-1].arg("since_id") == tweets[-1]["id"]
    assert set(posts_in(content)) == {f"x:{t['id']}" for t in [*tweets, later]}


def test_a_failing_later_page_keeps_what_was_read_and_resumes_there(tmp_path, x):
    for n in range(1, 6):
        x.add(n)
    normal = x.search
    unavailable = Reply.json({"title": "Service Unavailable", "status": 503}, 503)
    x.server.route("GET", r"/2/tweets/search/recent")(
        lambda request: unavailable if request.arg("next_token") else normal(request))
    report = fetch(tmp_path, x, "    retries: 0\n")
    assert (report.new, report.failed) == (2, False)
    assert any("page 2 failed" in warning for warning in report.warnings)
    assert x_state(tmp_path / "content")["reads"] == 2 and x_state(tmp_path / "content")["next_token"]
    x.server.route("GET", r"/2/tweets/search/recent")(normal)
    assert fetch(tmp_path, x).new == 3


def test_a_stale_since_id_is_dropped_and_the_window_read_again(tmp_path, x):
    old = x.add(1)
    fetch(tmp_path, x)
    x.oldest_since_id = int(old["id"]) + 1  # a week later, X refuses it
    x.add(2)
    report = fetch(tmp_path, x)
    assert (report.new, report.unchanged, report.failed) == (1, 1, False)
    assert any("older than 7 days" in warning for warning in report.warnings)
    assert [r.arg("since_id") for r in searches(x)[1:]] == [old["id"], None]


def test_a_retweet_gives_the_original_once(tmp_path, x):
    x.leak_retweets = True  # even when '-is:retweet' lets one through
    original = x.add(1)
    x.retweet(original, "fan")
    x.retweet(x.add(0, user="nachbar"), "fan")  # its original is on a later page
    report = fetch(tmp_path, x)
    assert report.new == 2
    assert "-is:retweet" in searches(x)[0].arg("query")
    posts = posts_in(tmp_path / "content")
    assert posts[f"x:{original['id']}"].author.handle == "kueche"
    assert {post.author.handle for post in posts.values()} == {"kueche", "nachbar"}


def test_an_edit_updates_the_same_post_and_keeps_the_editors_decisions(tmp_path, x):
    tweet = x.add(1, f"Ich biete Masken {TAG}")
    fetch(tmp_path, x)
    path = next((tmp_path / "content/posts/x").glob("*.yaml"))
    text = path.read_text(encoding="utf-8").replace("status: pending", "status: approved")
    text = text.replace("category: angebot", "category: gesuch") + "note: geprüft\n"
    path.write_text(text, encoding="utf-8")
    edited = x.edit(tweet, f"Ich biete FFP2-Masken {TAG}")
    report = fetch(tmp_path, x)
    assert report.updated == 1 and report.new == 0
    (post,) = posts_in(tmp_path / "content").values()
    assert post.id == f"x:{tweet['id']}" and post.url.endswith(f"/status/{edited['id']}")
    assert post.text == f"Ich biete FFP2-Masken {TAG}"
    assert (post.status, post.category, post.note) == ("approved", "gesuch", "geprüft")
    assert post.published == START + timedelta(minutes=1)
    assert post.edited_at == START + timedelta(minutes=6)


def test_rejected_post_stays_rejected_and_untouched(tmp_path, x):
    tweet = x.add(1)
    fetch(tmp_path, x)
    path = next((tmp_path / "content/posts/x").glob("*.yaml"))
    path.write_text(path.read_text(encoding="utf-8").replace("status: pending", "status: rejected"),
                    encoding="utf-8")
    before = path.read_bytes()
    x.edit(tweet, f"Geändert {TAG}")
    (tmp_path / "content/state.yaml").unlink()  # even a full re-read brings nothing back
    report = fetch(tmp_path, x)
    assert report.unchanged == 1 and path.read_bytes() == before


def test_deleted_and_protected_posts_are_removed_at_the_daily_check(tmp_path, x):
    gone = x.add(1, photos=("Nur hier",))
    kept = x.add(2)
    private = x.add(3, user="privat")
    content = tmp_path / "content"
    fetch(tmp_path, x)
    x.delete(gone)
    x.protected.add(private["author_id"])
    assert fetch(tmp_path, x).removed == 0, "checked at most once a day"
    set_state(content, rechecked="2020-03-31")  # the next day
    report = fetch(tmp_path, x)
    assert report.removed == 2
    (lookup,) = x.server.requests_to(r"/2/tweets")
    assert set(lookup.arg("ids").split(",")) == {gone["id"], kept["id"], private["id"]}
    assert list(posts_in(content)) == [f"x:{kept['id']}"]
    assert x_state(content)["reads"] == 3 + 1, "the one post the check returned is paid for too"
    assert len(list((content / "media").rglob("*.webp"))) == 1, "only the remaining author's avatar is left"


def test_recheck_posts_sets_how_many_are_checked(tmp_path, x):
    newest = [x.add(n) for n in range(1, 4)][-1]
    fetch(tmp_path, x)
    set_state(tmp_path / "content", rechecked="2020-03-31")
    fetch(tmp_path, x, "    recheck_posts: 1\n")
    assert [r.arg("ids") for r in x.server.requests_to(r"/2/tweets")] == [newest["id"]]
    set_state(tmp_path / "content", rechecked="2020-03-31")
    fetch(tmp_path, x, "    recheck_posts: 0\n")
    assert len(x.server.requests_to(r"/2/tweets")) == 1, "0 turns the check off"


def test_media_with_and_without_alt_text_and_a_video_preview(tmp_path, x):
    x.add(1, f"Mittagstisch {TAG}", photos=("Teller mit Eintopf", None), videos=("Kochen",))
    fetch(tmp_path, x)
    (post,) = posts_in(tmp_path / "content").values()
    assert [m.alt for m in post.media] == ["Teller mit Eintopf", "", "Vorschaubild eines Videos: Kochen"]
    assert post.media[2].source_url.endswith("-thumb.jpg")
    assert all(m.path.startswith("media/") for m in post.media)
    assert post.text == f"Mittagstisch {TAG}", "the t.co links to its own media are gone"


@pytest.mark.parametrize("offsets_on_escaped", [False, True])
def test_emoji_before_a_hashtag_and_a_url_keep_their_offsets(tmp_path, x, offsets_on_escaped):
    x.offsets_on_escaped = offsets_on_escaped
    text = f"🍲🎉 Suppe für alle 👩‍🍳 & mehr {TAG} 🥣 https://kueche.example/menü?a=1&b=2 👍 https://ewg.de/"
    tweet = x.add(1, text)
    assert tweet["entities"]["hashtags"][0]["start"] == (text.index("#") if not offsets_on_escaped
                                                         else text.index("#") + 4), "code points"
    fetch(tmp_path, x)
    (post,) = posts_in(tmp_path / "content").values()
    assert post.text == text and post.hashtags == ("EssenArbeitetZusammen",)


def test_entity_ranges_that_miss_their_url_fall_back_to_the_url_itself(tmp_path, x):
    text = f"Neu 🎉 https://kueche.example/karte und https://kueche.example/zeiten {TAG}"
    tweet = x.add(1, text)
    for entity in tweet["entities"]["urls"]:  # X has sent ranges off by a few characters
        entity["start"] += 2
        entity["end"] += 2
    fetch(tmp_path, x)
    (post,) = posts_in(tmp_path / "content").values()
    assert post.text == text


@pytest.mark.parametrize("offsets_on_escaped", [False, True])
def test_hostile_text_is_stored_as_plain_text_unescaped_once(tmp_path, x, offsets_on_escaped):
    x.offsets_on_escaped = offsets_on_escaped
    text = (f'<script>alert("x")</script> Tom &amp; Jerry <b>fett</b> &copy '
            f'https://evil.example/?a=<1>&b=2 {TAG}')
    tweet = x.add(1, text)
    assert tweet["text"].startswith("&lt;script&gt;") and "&amp;amp;" in tweet["text"]
    fetch(tmp_path, x)
    (post,) = posts_in(tmp_path / "content").values()
    assert post.text == text


def test_a_long_post_keeps_its_full_note_text(tmp_path, x):
    text = "Wir liefern Essen aus. " * 14 + f"Bestellung: https://kueche.example/bestellen {TAG}"
    tweet = x.add(1, text, long=True)
    assert len(tweet["text"]) < len(text) and "note_tweet" in tweet
    fetch(tmp_path, x)
    (post,) = posts_in(tmp_path / "content").values()
    assert post.text == text.strip() and post.hashtags == ("EssenArbeitetZusammen",)


def test_replies_withheld_posts_and_bots(tmp_path, x):
    first = x.add(1)
    x.add(2, user="antwort", reply_to=first["id"])
    x.add(3, user="gesperrt", withheld={"copyright": False, "country_codes": ["DE", "FR"]})
    report = fetch(tmp_path, x, "    skip_replies: true\n    skip_bots: true\n")
    assert searches(x)[0].arg("query") == f"{TAG} -is:retweet -is:reply"
    assert (report.new, report.skipped) == (1, 1)
    assert any("skip_bots has no effect" in warning for warning in report.warnings)


def test_sensitive_posts_get_a_content_warning_and_undetermined_language_none(tmp_path, x):
    x.add(1, possibly_sensitive=True, lang="und")
    fetch(tmp_path, x)
    (post,) = posts_in(tmp_path / "content").values()
    assert (post.content_warning, post.language) == ("Als sensibel markiert", "")


def test_an_empty_result_and_partial_errors_are_no_failure(tmp_path, x):
    report = fetch(tmp_path, x)
    assert (report.new, report.failed) == (0, False)
    x.add(1, reply_to="1111111111111111111")  # its parent was deleted: errors[] next to data
    x.add(2, user="gesperrt")
    x.suspended.add(x.user("gesperrt"))
    report = fetch(tmp_path, x)
    assert (report.new, report.skipped, report.removed, report.failed) == (1, 1, 0, False)
    assert [post.author.handle for post in posts_in(tmp_path / "content").values()] == ["kueche"]


def test_the_monthly_budget_stops_reading_with_a_warning_until_next_month(tmp_path, x):
    for n in range(1, 7):
        x.add(n)
    content = tmp_path / "content"
    budget = "    monthly_read_budget: 13\n"
    report = fetch(tmp_path, x, budget)
    assert (report.new, report.failed) == (4, False)
    assert [r.arg("max_results") for r in searches(x)] == ["13", "11"]
    assert any("monthly read budget reached: 4 of 13" in warning for warning in report.warnings)
    assert (x_state(content)["month"], x_state(content)["reads"]) == (this_month(), 4)
    report = fetch(tmp_path, x, budget)
    assert report.new == 0 and len(searches(x)) == 2, "no paid request past the budget"
    set_state(content, month="2020-03")
    report = fetch(tmp_path, x, budget)
    assert report.new == 2 and x_state(content)["reads"] == 2


def test_rate_limit_is_waited_out_until_the_reset(tmp_path, x):
    x.add(1)
    normal, calls = x.search, []

    def limited(request):
        calls.append(request)
        return rate_limited(1) if len(calls) == 1 else normal(request)

    x.server.route("GET", r"/2/tweets/search/recent")(limited)
    report = fetch(tmp_path, x)
    assert (report.new, report.error) == (1, "")
    assert len(calls) == 2


@pytest.mark.parametrize("failure, kind, retries", [
    (lambda: rate_limited(3600), "rate_limit", 1),
    (lambda: Reply.json({"errors": [{"code": 88, "message": "Rate limit exceeded"}]}, 429,
                        headers={"x-rate-limit-reset": "4102444800"}), "rate_limit", 1),
    (lambda: Reply.json({"title": "Internal Server Error", "status": 500}, 500), "server", 1),
    (lambda: Reply(200, b'{"data": [{"id": "12', {"Content-Type": "application/json"}), "response", 1),
    (lambda: Reply.text("<html><body>Over capacity</body></html>", 200), "response", 1),
    (lambda: Reply.json({"errors": [{"message": "Sorry, that page does not exist"}]}), "response", 1),
    (lambda: Reply.json(UNAUTHORIZED, 401), "auth", 1),
    (lambda: Reply.json(CLIENT_FORBIDDEN, 403), "auth", 1),
    (lambda: Reply(200, b'{"meta": {"result_count": 0}}', {"Content-Type": "application/json"}, delay=2.5),
     "network", 0),
])
def test_a_failing_search_fails_the_source_and_touches_nothing(tmp_path, x, failure, kind, retries):
    x.add(1)
    fetch(tmp_path, x)
    before = tree(tmp_path / "content")
    x.fail_with = failure()
    x.add(2)
    report = fetch(tmp_path, x, f"    retries: {retries}\n")
    assert report.failed and report.error_kind == kind, report.error
    assert tree(tmp_path / "content") == before
    assert TOKEN not in report.error
    if kind == "auth":
        assert "X_BEARER_TOKEN" in report.error


def test_a_rejected_token_fails_naming_its_variable(tmp_path, x):
    x.add(1)
    report = fetch(tmp_path, x, "    token_env: EWG_X_TOKEN\n", environ={"EWG_X_TOKEN": "expired-token-123"})
    assert report.failed and report.error_kind == "auth"
    assert "EWG_X_TOKEN" in report.error and "expired-token-123" not in report.error
    assert not (tmp_path / "content/posts").exists()


def test_a_missing_token_skips_the_source(tmp_path, x):
    x.add(1)
    report = fetch(tmp_path, x, environ={})
    assert (report.error_kind, report.failed) == ("missing_token", False)
    assert "X_BEARER_TOKEN" in report.error
    assert not x.server.requests
