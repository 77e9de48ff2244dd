"""The Threads connector against a fake Threads Graph API on 127.0.0.1."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from wall.state import read_state
from wall.store import load_content

from .conftest import fetch_config, run_fetch, tree
from .fake_threads import EXPIRED, ThreadsFake, graph_error, image_of, make_thread, thread_id
from .fakes import Reply

ENV = {"THREADS_TOKEN": "secret"}
KEY = "essenarbeitetzusammen"  # the tag as state.yaml keeps it
TWO_PAGES = "    max_pages: 2\n    retries: 0\n"
NOW = datetime(2020, 4, 1, 12, 0, tzinfo=timezone.utc)  # run_fetch's clock


@pytest.fixture
def api(fake_server) -> ThreadsFake:
    return ThreadsFake(fake_server)


def source(base: str, extra: str = "") -> str:
    return f"  - name: threads\n    type: threads\n    api_base: {base}\n    timeout: 2\n{extra}"


def fetch(tmp_path: Path, api: ThreadsFake, extra: str = "", **options):
    config = fetch_config(tmp_path, source(api.base, extra))
    options.setdefault("environ", ENV)
    return run_fetch(config, tmp_path / "content", **options)["threads"]


def posts_in(content: Path) -> dict:
    return {post.id: post for post in load_content(content, ["angebot", "gesuch"]).posts}


def post_id(number: int) -> str:
    return f"threads:{thread_id(number)}"


def searches(api: ThreadsFake) -> list:
    return api.server.requests_to(r"/v1\.0/keyword_search")


def test_first_run_reads_every_page_and_writes_normalised_posts(tmp_path, api):
    for number in range(1, 6):
        api.add(number, f"Ich biete Brot Nr. {number} #EssenArbeitetZusammen\n\nMehr: https://kruemel.example/{number}")
    report = fetch(tmp_path, api)
    assert (report.new, report.error) == (5, "")
    assert len(searches(api)) == 3, "pages of two were followed by their cursors"
    post = posts_in(tmp_path / "content")[post_id(3)]
    assert post.text == "Ich biete Brot Nr. 3 #EssenArbeitetZusammen\n\nMehr: https://kruemel.example/3"
    assert (post.author.name, post.author.handle, post.author.url) == (
        "backstube.kruemel", "backstube.kruemel", "https://www.threads.net/@backstube.kruemel")
    assert post.url == "https://www.threads.net/@backstube.kruemel/post/C0003xYz"
    assert post.published == datetime(2020, 3, 13, 9, 3, tzinfo=timezone.utc)
    assert (post.status, post.category, post.source, post.hashtags) == (
        "pending", "angebot", "threads", ("EssenArbeitetZusammen",))


def test_the_search_asks_for_recent_tag_results_with_the_token_in_a_header(tmp_path, api):
    api.add(1)
    api.add(2)
    api.add(3)
    fetch(tmp_path, api)
    first, second = searches(api)[:2]
    assert (first.arg("q"), first.arg("search_mode"), first.arg("search_type")) == (
        "EssenArbeitetZusammen", "TAG", "RECENT")
    assert "children{" in first.arg("fields") and first.arg("after") is None
    assert second.arg("after") == "Mg=="
    for request in api.server.requests:
        assert "access_token" not in request.query and "secret" not in str(request.query)
    assert all(r.headers["authorization"] == "Bearer secret" for r in searches(api))
    assert "secret" not in (tmp_path / "content/state.yaml").read_text(encoding="utf-8")


def test_topic_tag_counts_as_a_hashtag_and_other_tags_are_skipped(tmp_path, api):
    api.add(1, "Ohne Hashtag im Text")
    api.add(2, "Nur #Essen hier", topic_tag="Essen")
    report = fetch(tmp_path, api)
    assert (report.new, report.skipped) == (1, 1)
    assert posts_in(tmp_path / "content")[post_id(1)].hashtags == ("EssenArbeitetZusammen",)


def test_second_run_with_nothing_new_changes_no_file(tmp_path, api):
    api.add(1, **image_of(api.base, "alt", "Älteres Brot"))  # read again by the recheck
    api.add(2)
    api.add(3, **image_of(api.base, "brot", "Brote"))  # read again by the search
    fetch(tmp_path, api)
    before = tree(tmp_path / "content")
    report = fetch(tmp_path, api)
    assert (report.new, report.updated, report.error) == (0, 0, "")
    assert tree(tmp_path / "content") == before, "fresh CDN signatures change nothing"
    assert len(searches(api)) == 3, "the second run stops at the newest post of the first"


def test_new_post_arrives_on_the_next_run(tmp_path, api):
    api.add(1)
    fetch(tmp_path, api)
    api.add(7, "Ich suche Lagerfläche #EssenArbeitetZusammen")
    report = fetch(tmp_path, api)
    assert report.new == 1
    assert posts_in(tmp_path / "content")[post_id(7)].category == "gesuch"


def search_state(content: Path) -> dict:
    return read_state(content)["sources"]["threads"]


def time_of(number: int) -> datetime:
    return datetime.strptime(make_thread(number, "")["timestamp"], "%Y-%m-%dT%H:%M:%S%z")


def test_more_new_posts_than_max_pages_hold_are_read_by_the_next_run(tmp_path, api):
    content = tmp_path / "content"
    api.add(1)
    fetch(tmp_path, api, TWO_PAGES)
    for number in range(2, 8):
        api.add(number)
    first = fetch(tmp_path, api, TWO_PAGES)
    assert first.new == 4 and any("more than max_pages (2) pages" in warning for warning in first.warnings)
    assert search_state(content) == {"newest": {KEY: time_of(1).isoformat()}, "scan": {KEY: {
        "until": int(time_of(4).timestamp()) + 1, "top": time_of(7).isoformat()}}}, "the old mark stays"
    before = tree(content)
    api.fail_with = Reply.json({"error": {"message": "An unknown error occurred", "code": 1}}, 500)
    assert fetch(tmp_path, api, TWO_PAGES).failed and tree(content) == before, "a failed run loses nothing"
    api.fail_with = None
    asked = len(searches(api))
    second = fetch(tmp_path, api, TWO_PAGES)
    assert (second.new, second.warnings) == (2, [])
    assert [s.arg("until") for s in searches(api)[asked:]] == [str(int(time_of(4).timestamp()) + 1)] * 2
    assert set(posts_in(content)) == {post_id(number) for number in range(1, 8)}, "none lost"
    assert search_state(content) == {"newest": {KEY: time_of(7).isoformat()}}, "the mark moved to the scan's top"
    api.add(9)
    asked = len(searches(api))
    assert fetch(tmp_path, api, TWO_PAGES).new == 1
    assert [s.arg("until") for s in searches(api)[asked:]] == [None]


@pytest.mark.parametrize("until", ["refused", "ignored"])
def test_a_continuation_threads_does_not_follow_is_dropped_and_the_search_starts_at_the_top(tmp_path, api, until):
    content = tmp_path / "content"
    api.add(1)
    fetch(tmp_path, api, TWO_PAGES)
    for number in range(2, 8):
        api.add(number)
    fetch(tmp_path, api, TWO_PAGES)
    api.until = until
    report = fetch(tmp_path, api, TWO_PAGES)
    assert (report.failed, report.new) == (False, 0)
    assert any("did not go on below the last run's oldest post" in warning for warning in report.warnings)
    assert search_state(content) == {"newest": {KEY: time_of(7).isoformat()}}, "as before: no scan kept"
    api.add(9)
    asked = len(searches(api))
    assert fetch(tmp_path, api, TWO_PAGES).new == 1
    assert [s.arg("until") for s in searches(api)[asked:]] == [None]


def test_the_scan_of_a_tag_no_longer_searched_is_dropped(tmp_path, api):
    api.add(1)
    fetch(tmp_path, api, TWO_PAGES)
    for number in range(2, 8):
        api.add(number)
    fetch(tmp_path, api, TWO_PAGES)
    assert KEY in search_state(tmp_path / "content")["scan"]
    assert not fetch(tmp_path, api, TWO_PAGES + "    hashtags: [Anders]\n").failed
    assert search_state(tmp_path / "content") == {"newest": {}}


def test_a_repost_gives_no_second_copy(tmp_path, api):
    api.add(1)
    api.add(2, "", media_type="REPOST_FACADE", user="fan", reposted_post={"id": thread_id(1)})
    report = fetch(tmp_path, api)
    assert (report.new, report.skipped) == (1, 1)
    assert list(posts_in(tmp_path / "content")) == [post_id(1)]


def test_replies_can_be_skipped(tmp_path, api):
    api.add(1)
    api.add(2, "Antwort #EssenArbeitetZusammen", is_reply=True)
    report = fetch(tmp_path, api, extra="    skip_replies: true\n")
    assert (report.new, report.skipped) == (1, 1)


def test_edit_updates_text_but_keeps_the_editors_decisions(tmp_path, api):
    api.add(1, "Ich biete Masken #EssenArbeitetZusammen")
    fetch(tmp_path, api)
    path = next((tmp_path / "content/posts/threads").glob("*.yaml"))
    text = path.read_text(encoding="utf-8").replace("status: pending", "status: approved")
    path.write_text(text.replace("category: angebot", "category: gesuch") + "note: geprüft\n", encoding="utf-8")
    api.threads[0]["text"] = "Ich biete FFP2-Masken #EssenArbeitetZusammen"
    report = fetch(tmp_path, api)
    assert report.updated == 1
    post = posts_in(tmp_path / "content")[post_id(1)]
    assert post.text == "Ich biete FFP2-Masken #EssenArbeitetZusammen"
    assert (post.status, post.category, post.note) == ("approved", "gesuch", "geprüft")
    assert post.edited_at == NOW


def test_an_older_post_is_rechecked_by_id_for_edits(tmp_path, api):
    api.add(1, "Ich biete Masken #EssenArbeitetZusammen")
    fetch(tmp_path, api)
    api.threads[0].update(text="Ich biete Kittel", topic_tag="Anderes")  # no longer found by the search
    report = fetch(tmp_path, api)
    assert report.updated == 1
    assert posts_in(tmp_path / "content")[post_id(1)].text == "Ich biete Kittel"
    assert api.server.requests_to(rf"/v1\.0/{thread_id(1)}")


def test_rejected_post_stays_rejected_and_untouched(tmp_path, api):
    api.add(1)
    fetch(tmp_path, api)
    path = next((tmp_path / "content/posts/threads").glob("*.yaml"))
    path.write_text(path.read_text(encoding="utf-8").replace("status: pending", "status: rejected"),
                    encoding="utf-8")
    before = path.read_bytes()
    api.threads[0]["text"] = "Geändert #EssenArbeitetZusammen"
    (tmp_path / "content/state.yaml").unlink()
    report = fetch(tmp_path, api)
    assert report.unchanged == 1 and path.read_bytes() == before


@pytest.mark.parametrize("how", ["graph code 100", "http 404"])
def test_post_deleted_upstream_is_removed_with_its_media(tmp_path, api, how):
    api.add(1, **image_of(api.base, "only-here", "Brot"))
    api.add(2)
    fetch(tmp_path, api)
    api.threads = [t for t in api.threads if t["id"] != thread_id(1)]
    if how == "http 404":
        api.server.route("GET", rf"/v1\.0/{thread_id(1)}")(lambda request: Reply.json({}, 404))
    else:
        api.deleted.add(thread_id(1))
    report = fetch(tmp_path, api)
    assert report.removed == 1
    assert list(posts_in(tmp_path / "content")) == [post_id(2)]
    assert not list((tmp_path / "content/media").rglob("*.webp"))


def test_a_bad_parameter_error_on_recheck_deletes_nothing(tmp_path, api):
    api.add(1)
    fetch(tmp_path, api)
    api.threads[0].update(text="Ohne Tag", topic_tag="Anderes")
    api.server.route("GET", rf"/v1\.0/{thread_id(1)}")(
        lambda request: graph_error(400, 100, "(#100) Tried accessing nonexisting field (foo)"))
    report = fetch(tmp_path, api)
    assert (report.removed, report.error) == (0, "")
    assert any("checking known posts" in warning for warning in report.warnings)
    assert list(posts_in(tmp_path / "content")) == [post_id(1)]


def test_images_carousels_videos_and_spoilers(tmp_path, api):
    api.add(1, "Brote #EssenArbeitetZusammen", media_type="CAROUSEL_ALBUM", children={"data": [
        {"id": "1", **image_of(api.base, "brot", "Brote")}, {"id": "2", **image_of(api.base, "ohne-alt")},
        {"id": "3", **image_of(api.base, "fake-bild", "HTML")}]})
    api.add(2, "Film #EssenArbeitetZusammen", media_type="VIDEO", alt_text="Backen",
            media_url=f"{api.base}/cdn/film.mp4", thumbnail_url=f"{api.base}/cdn/film-vorschau.jpg")
    api.add(3, "Vorsicht #EssenArbeitetZusammen", is_spoiler_media=True, **image_of(api.base, "spoiler"))
    api.add(4, "Lesen #EssenArbeitetZusammen", link_attachment_url="https://kruemel.example/artikel")
    report = fetch(tmp_path, api)
    posts = posts_in(tmp_path / "content")
    assert [(m.alt, m.width, m.height) for m in posts[post_id(1)].media] == [("Brote", 60, 40), ("", 60, 40)]
    assert any("not a JPEG, PNG, WebP or GIF" in warning for warning in report.warnings)
    assert [m.alt for m in posts[post_id(2)].media] == ["Vorschaubild eines Videos: Backen"]
    assert posts[post_id(3)].content_warning == "Als Spoiler markiert" and len(posts[post_id(3)].media) == 1
    assert posts[post_id(4)].text == "Lesen #EssenArbeitetZusammen\n\nhttps://kruemel.example/artikel"


def test_hostile_text_and_emoji_before_a_hashtag_stay_plain_text(tmp_path, api):
    hostile = "🎉#EssenArbeitetZusammen <script>alert(1)</script> <img src=x onerror=alert(1)> &amp;"
    api.add(1, hostile)
    report = fetch(tmp_path, api)
    assert report.new == 1
    post = posts_in(tmp_path / "content")[post_id(1)]
    assert post.text == hostile
    assert post.hashtags == ("EssenArbeitetZusammen",)


def test_rate_limit_with_retry_after_is_waited_out(tmp_path, api):
    api.add(1)
    calls = []
    normal = api.search

    def limited(request):
        calls.append(request)
        if len(calls) > 1:
            return normal(request)
        reply = graph_error(429, 4, "(#4) Application request limit reached")
        reply.headers["Retry-After"] = "1"
        return reply

    api.server.route("GET", r"/v1\.0/keyword_search")(limited)
    report = fetch(tmp_path, api)
    assert (report.new, report.error) == (1, "")
    assert len(calls) == 2


@pytest.mark.parametrize("failure, kind", [
    (graph_error(403, 4, "(#4) Application request limit reached"), "rate_limit"),
    (graph_error(400, 17, "(#17) User request limit reached"), "rate_limit"),
    (graph_error(400, 613, "(#613) Calls to this api have exceeded the rate limit."), "rate_limit"),
    (Reply.json({"error": {"message": "An unknown error occurred", "type": "OAuthException", "code": 1}}, 500),
     "server"),
    (Reply(200, b'{"data": [{"id": "17900000000000001", "text": "abgebroch', {"Content-Type": "application/json"}),
     "response"),
    (Reply.text("<html><body>Threads ist gleich wieder da</body></html>", 200), "response"),
    (Reply(200, b'{"data": []}', {"Content-Type": "application/json"}, delay=2.5), "network"),
])
def test_a_failing_api_fails_the_source_and_touches_nothing(tmp_path, api, failure, kind):
    api.add(1)
    fetch(tmp_path, api, extra="    retries: 0\n")
    before = tree(tmp_path / "content")
    api.fail_with = failure
    api.add(2)
    report = fetch(tmp_path, api, extra="    retries: 0\n")
    assert report.failed and report.error_kind == kind, report.error
    assert tree(tmp_path / "content") == before


def test_an_expired_token_fails_naming_its_variable(tmp_path, api):
    api.add(1)
    api.fail_with = EXPIRED
    report = fetch(tmp_path, api, environ={"THREADS_TOKEN": "tok-old-4711"})
    assert report.failed and report.error_kind == "auth"
    assert "THREADS_TOKEN" in report.error and "Session has expired" in report.error
    assert "tok-old-4711" not in report.error and "?" not in report.error.split("(http", 1)[-1]


def test_a_missing_permission_is_an_auth_failure(tmp_path, api):
    api.fail_with = graph_error(403, 10, "(#10) Application does not have permission for this action")
    report = fetch(tmp_path, api)
    assert report.error_kind == "auth" and "threads_keyword_search" in report.error


def test_a_missing_token_skips_the_source(tmp_path, api):
    api.add(1)
    report = fetch(tmp_path, api, environ={})
    assert report.error_kind == "missing_token" and not report.failed
    assert "THREADS_TOKEN" in report.error
    assert api.server.requests == []


def test_a_bad_api_version_fails_the_source(tmp_path, api):
    report = fetch(tmp_path, api, extra="    api_version: latest\n")
    assert report.failed and "api_version" in report.error
    assert api.server.requests == []
