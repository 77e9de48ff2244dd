"""The Instagram connector against a fake Graph API on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import pytest

from wall.config import ConfigError
from wall.state import read_state
from wall.store import load_content

from .conftest import fetch_config, run_fetch, tree
from .fake_graph import HASHTAG_ID, IG_USER, TOKEN, GraphFake, graph_error, ig_child, make_media
from .fakes import Reply

ENV = {"INSTAGRAM_TOKEN": TOKEN}


@pytest.fixture
def graph(fake_server) -> GraphFake:
    return GraphFake(fake_server)


def source(graph: GraphFake, extra: str = "") -> str:
    return (f"  - name: instagram\n    type: instagram\n    api_base: {graph.base}\n"
            f"    user_id: '{IG_USER}'\n    timeout: 2\n{extra}")


def fetch(tmp_path: Path, graph: GraphFake, extra: str = "", environ=ENV, **options):
    config = fetch_config(tmp_path, source(graph, extra))
    return run_fetch(config, tmp_path / "content", environ=environ, **options)["instagram"]


def posts_in(content: Path) -> dict:
    return {post.id: post for post in load_content(content, ["angebot", "gesuch"]).posts}


def add(graph: GraphFake, number: int, caption: str = "Ich biete Hilfe #EssenArbeitetZusammen", **extra):
    graph.ig_media.append(make_media(graph.base, number, caption, **extra))


def test_first_run_searches_the_tag_and_reads_every_page(tmp_path, graph):
    for number in range(1, 6):
        add(graph, number, f"Ich biete Brot Nr. {number}\n#EssenArbeitetZusammen #Essen")
    report = fetch(tmp_path, graph)
    assert (report.new, report.error) == (5, "")
    (search,) = graph.api_calls(r"/v25\.0/ig_hashtag_search")
    assert (search.arg("q"), search.arg("user_id")) == ("essenarbeitetzusammen", IG_USER)
    pages = graph.api_calls(rf"/v25\.0/{HASHTAG_ID}/recent_media")
    assert [p.arg("after") for p in pages] == [None, "QVFI2", "QVFI4"]
    assert "children{" in pages[0].arg("fields") and pages[0].arg("limit") == "50"
    post = posts_in(tmp_path / "content")["instagram:17895695668000003"]
    assert post.url == "https://www.instagram.com/p/DFabc003XyZ/"
    assert post.text == "Ich biete Brot Nr. 3\n#EssenArbeitetZusammen #Essen"
    assert post.published.isoformat() == "2020-04-01T03:12:44+00:00"
    assert (post.author.name, post.author.handle, post.author.url, post.author.avatar) == (
        "Instagram-Beitrag", "", "", "")
    assert (post.status, post.category, post.hashtags, post.language) == (
        "pending", "angebot", ("EssenArbeitetZusammen", "Essen"), "")


def test_the_token_travels_only_in_the_authorization_header(tmp_path, graph):
    for number in range(1, 4):
        add(graph, number)
    fetch(tmp_path, graph)
    calls = graph.api_calls()
    assert len(calls) == 3, "the search, then two pages (the second via a next URL with a token)"
    assert all(call.headers["authorization"] == f"Bearer {TOKEN}" for call in calls)
    assert all("access_token" not in call.query for call in calls)
    assert TOKEN not in (tmp_path / "content/state.yaml").read_text(encoding="utf-8")


def test_hashtag_id_is_kept_and_a_second_run_changes_no_file(tmp_path, graph):
    add(graph, 1, media_type="CAROUSEL_ALBUM", children=[ig_child(graph.base, 1), ig_child(graph.base, 2)])
    add(graph, 2)
    fetch(tmp_path, graph)
    assert read_state(tmp_path / "content")["sources"]["instagram"] == {
        "hashtag_ids": {"essenarbeitetzusammen": HASHTAG_ID}}
    before = tree(tmp_path / "content")
    report = fetch(tmp_path, graph)
    assert (report.new, report.updated, report.unchanged) == (0, 0, 2)
    assert tree(tmp_path / "content") == before, "new CDN signatures alone change nothing"
    assert len(graph.api_calls(r"/v25\.0/ig_hashtag_search")) == 1, "the id came from the state"


def test_carousel_gives_several_images_and_videos_have_none(tmp_path, graph):
    add(graph, 1, media_type="CAROUSEL_ALBUM", children=[
        ig_child(graph.base, 1), ig_child(graph.base, 2, "VIDEO"), ig_child(graph.base, 3),
        ig_child(graph.base, 4, name="fake.jpg")])
    add(graph, 2, media_type="VIDEO")
    add(graph, 3)
    report = fetch(tmp_path, graph)
    posts = posts_in(tmp_path / "content")
    carousel = posts["instagram:17895695668000001"]
    assert [(m.type, m.alt, m.width, m.height) for m in carousel.media] == [("image", "", 60, 40)] * 2
    assert all((tmp_path / "content" / m.path).is_file() for m in carousel.media)
    assert carousel.media[0].path != carousel.media[1].path
    assert posts["instagram:17895695668000002"].media == ()
    assert len(posts["instagram:17895695668000003"].media) == 1
    assert any("not a JPEG, PNG, WebP or GIF" in warning for warning in report.warnings)


def test_media_without_url_or_permalink(tmp_path, graph):
    add(graph, 1, media_url=None)  # left out for copyright reasons
    add(graph, 2, permalink="javascript:alert(1)")
    report = fetch(tmp_path, graph)
    assert (report.new, report.skipped) == (1, 1)
    assert posts_in(tmp_path / "content")["instagram:17895695668000001"].media == ()


def test_hostile_caption_and_emoji_before_a_hashtag_stay_plain_text(tmp_path, graph):
    hostile = "🎉🤝#EssenArbeitetZusammen <script>alert(1)</script> &amp; <b>fett</b>"
    add(graph, 1, hostile + "\r\nhttps://example.org/a?b=1")
    fetch(tmp_path, graph)
    (post,) = posts_in(tmp_path / "content").values()
    assert post.text == hostile + "\nhttps://example.org/a?b=1"
    assert post.hashtags == ("EssenArbeitetZusammen",)


def test_edited_caption_updates_the_text_and_keeps_the_editors_decisions(tmp_path, graph):
    add(graph, 1, "Ich biete Masken #EssenArbeitetZusammen")
    fetch(tmp_path, graph)
    path = next((tmp_path / "content/posts/instagram").glob("*.yaml"))
    text = path.read_text(encoding="utf-8").replace("status: pending", "status: approved")
    path.write_text(text.replace("category: angebot", "category: gesuch") + "note: geprüft\n", encoding="utf-8")
    graph.ig_media[0]["caption"] = "Ich biete FFP2-Masken #EssenArbeitetZusammen"
    report = fetch(tmp_path, graph)
    assert report.updated == 1
    (post,) = posts_in(tmp_path / "content").values()
    assert post.text == "Ich biete FFP2-Masken #EssenArbeitetZusammen"
    assert (post.status, post.category, post.note) == ("approved", "gesuch", "geprüft")
    assert post.edited_at.isoformat() == "2020-04-01T12:00:00+00:00", "no edit time: the run's"


def test_rejected_post_stays_rejected_and_untouched(tmp_path, graph):
    add(graph, 1)
    fetch(tmp_path, graph)
    path = next((tmp_path / "content/posts/instagram").glob("*.yaml"))
    path.write_text(path.read_text(encoding="utf-8").replace("status: pending", "status: rejected"),
                    encoding="utf-8")
    before = path.read_bytes()
    graph.ig_media[0]["caption"] = "Geändert #EssenArbeitetZusammen"
    (tmp_path / "content/state.yaml").unlink()
    report = fetch(tmp_path, graph)
    assert report.unchanged == 1 and path.read_bytes() == before


def test_media_that_drops_out_of_the_window_stays_stored(tmp_path, graph):
    add(graph, 1)
    fetch(tmp_path, graph)
    graph.ig_media.clear()  # deleted, or older than 24 hours: Instagram does not say which
    report = fetch(tmp_path, graph)
    assert (report.removed, report.error) == (0, "")
    assert list(posts_in(tmp_path / "content")) == ["instagram:17895695668000001"]


@pytest.mark.parametrize("cursor, new, calls", [("sticky", 5, 3), ("stuck", 2, 2)])
def test_a_repeated_after_cursor_is_followed_only_while_it_brings_new_media(tmp_path, graph, cursor, new, calls):
    for number in range(1, 6):
        add(graph, number)
    graph.cursor = cursor
    report = fetch(tmp_path, graph)
    assert (report.new, report.error) == (new, "")
    assert len(graph.api_calls(rf"/v25\.0/{HASHTAG_ID}/recent_media")) == calls


def test_high_usage_header_stops_paging_with_a_warning(tmp_path, graph):
    fetch(tmp_path, graph)  # keeps the hashtag id
    for number in range(1, 6):
        add(graph, number)
    graph.server.requests.clear()
    graph.usage = {"X-Business-Use-Case-Usage": (
        f'{{"{IG_USER}":[{{"type":"instagram","call_count":95,"total_cputime":10,"total_time":12,'
        '"estimated_time_to_regain_access":0}]}')}
    report = fetch(tmp_path, graph)
    assert (report.new, report.failed) == (2, False)
    assert any("usage at 95 %" in warning for warning in report.warnings)
    assert len(graph.api_calls(rf"/v25\.0/{HASHTAG_ID}/recent_media")) == 1


def test_unknown_hashtag_is_a_warning(tmp_path, graph):
    config = fetch_config(tmp_path, source(graph, "    hashtags: [NirgendsZuFinden]\n"))
    report = run_fetch(config, tmp_path / "content", environ=ENV)["instagram"]
    assert (report.new, report.failed) == (0, False)
    assert report.warnings == ["Instagram knows no hashtag #nirgendszufinden"]


def test_429_with_retry_after_is_waited_out(tmp_path, graph):
    add(graph, 1)
    normal, calls = graph.recent_media, []

    def limited(request):
        calls.append(request)
        return Reply.json({"error": {"message": "slow"}}, 429, {"Retry-After": "1"}) if len(calls) == 1 \
            else normal(request)

    graph.server.route("GET", r"/v25\.0/(?P<hashtag>\d+)/recent_media")(limited)
    report = fetch(tmp_path, graph)
    assert (report.new, report.error, len(calls)) == (1, "", 2)


def test_missing_token_skips_the_source(tmp_path, graph):
    add(graph, 1)
    report = fetch(tmp_path, graph, environ={})
    assert (report.error_kind, report.failed) == ("missing_token", False)
    assert "INSTAGRAM_TOKEN" in report.error and graph.server.requests == []


def test_missing_user_id_is_a_config_error(tmp_path, graph):
    with pytest.raises(ConfigError, match="user_id"):
        fetch_config(tmp_path, f"  - name: instagram\n    type: instagram\n    api_base: {graph.base}\n")


@pytest.mark.parametrize("failure, kind, words", [
    (graph_error(4, "(#4) Application request limit reached"), "rate_limit", "code 4"),
    (graph_error(80002, "There have been too many calls to this Instagram account.", 403,
                 headers={"X-Business-Use-Case-Usage": f'{{"{IG_USER}":[{{"type":"instagram",'
                          '"call_count":100,"estimated_time_to_regain_access":7}]}'}),
     "rate_limit", "about 7 minutes"),
    (graph_error(190, f"Error validating access token: Session has expired. {TOKEN}", subcode=463),
     "auth", "INSTAGRAM_TOKEN is not valid: it has expired"),
    (graph_error(10, "(#10) Application does not have permission for this action", 403),
     "auth", "INSTAGRAM_TOKEN lacks a permission"),
    (Reply.json({"error": {"message": "An unexpected error has occurred.", "code": 2}}, 500), "server", "500"),
    (Reply(200, b'{"data": [{"id": "1789", "caption": "abgeschn', {"Content-Type": "application/json"}),
     "response", "not valid JSON"),
    (Reply.text("<html><body>Sorry, something went wrong.</body></html>", 200), "response", "expected JSON"),
    (Reply(200, b'{"data": []}', {"Content-Type": "application/json"}, delay=2.5), "network", "no answer"),
])
def test_a_failing_api_fails_the_source_and_touches_nothing(tmp_path, graph, failure, kind, words):
    add(graph, 1)
    fetch(tmp_path, graph)
    before = tree(tmp_path / "content")
    graph.fail_with = failure
    add(graph, 2)
    report = fetch(tmp_path, graph, extra="    retries: 0\n")
    assert report.failed and report.error_kind == kind, report.error
    assert words in report.error and TOKEN not in report.error
    assert tree(tmp_path / "content") == before


def test_an_instagram_source_is_read_by_the_hourly_run_unless_told_otherwise(tmp_path, graph):
    # recent_media serves 24 hours: a source the daily run alone reads loses posts.
    mastodon = "  - name: mastodon\n    type: mastodon\n    instances: [https://ruhr.social]\n"
    config = fetch_config(tmp_path, source(graph) + mastodon)
    assert [(s.name, s.settings.hourly) for s in config.sources] == [("instagram", True), ("mastodon", False)]
    config = fetch_config(tmp_path, source(graph, "    hourly: false\n"))
    assert config.sources[0].settings.hourly is False
