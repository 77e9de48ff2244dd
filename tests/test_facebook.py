"""The Facebook connector against a fake Graph API on 127.0.0.1."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from wall.config import ConfigError
from wall.state import read_state
from wall.store import load_content

from .conftest import fetch_config, run_fetch, tree
from .fake_graph import PAGE_ID, TOKEN, GraphFake, album, graph_error, make_post, photo
from .fakes import Reply

ENV = {"FACEBOOK_PAGE_TOKEN": TOKEN}
OTHER_PAGE = "204123456789012"
TAGGED = "Ich biete Hilfe #EssenArbeitetZusammen"
TWO_PAGES = "    max_pages: 2\n    retries: 0\n"


@pytest.fixture
def graph(fake_server) -> GraphFake:
    fake = GraphFake(fake_server)
    fake.add_page()
    return fake


def source(graph: GraphFake, pages: str = "[essenarbeitetzusammen]", extra: str = "") -> str:
    return (f"  - name: facebook\n    type: facebook\n    api_base: {graph.base}\n"
            f"    pages: {pages}\n    timeout: 2\n{extra}")


def fetch(tmp_path: Path, graph: GraphFake, environ=ENV, **settings):
    config = fetch_config(tmp_path, source(graph, **settings))
    return run_fetch(config, tmp_path / "content", environ=environ)["facebook"]


def posts_in(content: Path) -> dict:
    return {post.id: post for post in load_content(content, ["angebot", "gesuch"]).posts}


def edit_file(content: Path, post_id: str, old: str, new: str) -> Path:
    path = content / "posts/facebook" / f"{post_id.split(':')[1]}.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    return path


def test_first_run_reads_every_page_and_keeps_the_tagged_posts(tmp_path, graph):
    graph.add_post(PAGE_ID, 1, "Ich biete Brot #EssenArbeitetZusammen\n\nMehr: https://kruemel.example/brot")
    graph.add_post(PAGE_ID, 2, "Ohne Schlagwort")
    graph.add_post(PAGE_ID, 3, "Ich suche Räume #essenarbeitetzusammen", updated="2020-03-23T09:30:00+0000")
    graph.add_post(PAGE_ID, 4, "Fast: #EssenArbeitetZusammenNicht")
    graph.add_post(PAGE_ID, 5, "")
    report = fetch(tmp_path, graph)
    assert (report.new, report.skipped, report.error) == (2, 3, "")
    (info,) = graph.api_calls(r"/v25\.0/essenarbeitetzusammen")
    (picture,) = graph.api_calls(rf"/v25\.0/{PAGE_ID}/picture")
    assert picture.arg("redirect") == "0" and info.arg("fields") == "id,name,link"
    pages = graph.api_calls(rf"/v25\.0/{PAGE_ID}/posts")
    assert [p.arg("after") for p in pages] == [None, "QVFI2", "QVFI4"]
    assert "attachments{" in pages[0].arg("fields")
    posts = posts_in(tmp_path / "content")
    first = posts[f"facebook:{PAGE_ID}_1"]
    assert first.text == "Ich biete Brot #EssenArbeitetZusammen\n\nMehr: https://kruemel.example/brot"
    assert (first.url, first.published.isoformat(), first.edited_at) == (
        f"https://www.facebook.com/{PAGE_ID}/posts/1", "2020-03-21T08:01:00+00:00", None)
    assert (first.author.name, first.author.url) == (
        "Essen arbeitet zusammen", "https://www.facebook.com/essenarbeitetzusammen")
    assert (tmp_path / "content" / first.author.avatar).is_file()
    assert (first.status, first.category, first.hashtags) == ("pending", "angebot", ("EssenArbeitetZusammen",))
    third = posts[f"facebook:{PAGE_ID}_3"]
    # updated_time also moves on comments (platform-apis.md §5.2 Time): no edit marker
    assert third.edited_at is None and third.category == "gesuch"


def test_tags_match_in_any_case_and_unicode_form(tmp_path, graph):
    graph.add_post(PAGE_ID, 1, "Gemeinsam #Fu\u0308rEinander")  # 'ü' decomposed
    graph.add_post(PAGE_ID, 2, "Gemeinsam #füreinander")
    graph.add_post(PAGE_ID, 3, "Gemeinsam #Essen")
    report = fetch(tmp_path, graph, extra="    hashtags: [FürEinander]\n")
    assert (report.new, report.skipped) == (2, 1)
    post = posts_in(tmp_path / "content")[f"facebook:{PAGE_ID}_1"]
    assert post.text == "Gemeinsam #FürEinander" and post.hashtags == ("FürEinander",)


def test_second_run_reads_since_the_newest_and_changes_no_file(tmp_path, graph):
    graph.add_post(PAGE_ID, 1, TAGGED, attachments=[photo(graph.base, "brot.jpg", "Brote")])
    graph.add_post(PAGE_ID, 2, TAGGED)
    graph.add_post(PAGE_ID, 3, TAGGED)
    fetch(tmp_path, graph)
    newest = int(datetime(2020, 3, 23, 8, 3, tzinfo=timezone.utc).timestamp())
    state = read_state(tmp_path / "content")["sources"]["facebook"]
    assert state == {"since": {"essenarbeitetzusammen": newest}}
    before = tree(tmp_path / "content")
    graph.server.requests.clear()
    report = fetch(tmp_path, graph)
    assert (report.new, report.updated, report.unchanged) == (0, 0, 3)
    assert tree(tmp_path / "content") == before, "new CDN signatures alone change nothing"
    assert graph.api_calls(rf"/v25\.0/{PAGE_ID}/posts")[0].arg("since") == str(newest)
    rechecked = {call.path for call in graph.api_calls(rf"/v25\.0/{PAGE_ID}_\d+")}
    assert rechecked == {f"/v25.0/{PAGE_ID}_1", f"/v25.0/{PAGE_ID}_2"}


def epoch(number: int) -> int:
    return int(datetime.strptime(make_post("", PAGE_ID, number, "")["created_time"], "%Y-%m-%dT%H:%M:%S%z")
               .timestamp())


def test_more_new_posts_than_max_pages_hold_are_read_by_the_next_run(tmp_path, graph):
    content, page = tmp_path / "content", "essenarbeitetzusammen"
    graph.add_post(PAGE_ID, 1, TAGGED)
    fetch(tmp_path, graph, extra=TWO_PAGES)
    for number in range(2, 8):
        graph.add_post(PAGE_ID, number, TAGGED)
    first = fetch(tmp_path, graph, extra=TWO_PAGES)
    assert first.new == 4
    assert f"Page {page}: more than max_pages (2) pages of new posts; the next run reads on" in first.warnings
    assert read_state(content)["sources"]["facebook"] == {
        "since": {page: epoch(1)}, "scan": {page: {"until": epoch(4) + 1, "top": epoch(7)}}}, "since stays"
    before = tree(content)
    graph.fail_with = graph_error(1, "An unknown error occurred", 500)
    assert fetch(tmp_path, graph, extra=TWO_PAGES).failed and tree(content) == before, "a failed run loses nothing"
    graph.fail_with = None
    graph.server.requests.clear()
    second = fetch(tmp_path, graph, extra=TWO_PAGES)
    assert (second.new, second.warnings) == (2, [])
    pages = graph.api_calls(rf"/v25\.0/{PAGE_ID}/posts")
    assert {(p.arg("since"), p.arg("until")) for p in pages} == {(str(epoch(1)), str(epoch(4) + 1))}
    assert set(posts_in(content)) == {f"facebook:{PAGE_ID}_{number}" for number in range(1, 8)}, "none lost"
    assert read_state(content)["sources"]["facebook"] == {"since": {page: epoch(7)}}, "since moved to the top"
    graph.add_post(PAGE_ID, 8, TAGGED)
    graph.server.requests.clear()
    assert fetch(tmp_path, graph, extra=TWO_PAGES).new == 1
    assert [(p.arg("since"), p.arg("until")) for p in graph.api_calls(rf"/v25\.0/{PAGE_ID}/posts")] == [
        (str(epoch(7)), None)]


def test_a_page_left_empty_by_privacy_does_not_end_the_read(tmp_path, graph):
    # platform-apis.md §5.2 Pagination: follow `paging.next` until it is absent; a page shorter
    # than `limit` is not the end.  Meta's "Paginated Results": "it is possible that a page may
    # be empty but contain a `next` paging link. Stop paging when the `next` link no longer appears."
    content = tmp_path / "content"
    graph.add_post(PAGE_ID, 1, TAGGED)
    fetch(tmp_path, graph)
    for number in range(2, 8):
        graph.add_post(PAGE_ID, number, TAGGED)
    graph.invisible.update({f"{PAGE_ID}_5", f"{PAGE_ID}_4"})  # the whole second page
    report = fetch(tmp_path, graph)
    assert {f"facebook:{PAGE_ID}_2", f"facebook:{PAGE_ID}_3"} <= set(posts_in(content)), \
        "the posts behind the empty page are lost: `since` moved past them"
    assert report.new == 4
    assert len(graph.api_calls(rf"/v25\.0/{PAGE_ID}/posts")) >= 3


def test_a_read_stopped_by_the_usage_limit_is_finished_by_the_next_run(tmp_path, graph):
    graph.add_post(PAGE_ID, 1, TAGGED)
    fetch(tmp_path, graph)
    for number in range(2, 6):
        graph.add_post(PAGE_ID, number, TAGGED)
    normal = graph.page_posts

    def busy(request):
        reply = normal(request)
        reply.headers["X-Page-Usage"] = '{"call_count":93,"total_cputime":2,"total_time":3}'
        return reply

    graph.server.route("GET", r"/v25\.0/(?P<node>[^/]+)/posts")(busy)
    first = fetch(tmp_path, graph)
    assert first.new == 2 and any("usage at 93 %" in warning for warning in first.warnings)
    graph.server.route("GET", r"/v25\.0/(?P<node>[^/]+)/posts")(normal)
    assert fetch(tmp_path, graph).new == 2
    assert set(posts_in(tmp_path / "content")) == {f"facebook:{PAGE_ID}_{number}" for number in range(1, 6)}
    assert read_state(tmp_path / "content")["sources"]["facebook"] == {"since": {"essenarbeitetzusammen": epoch(5)}}


def test_the_scan_of_a_page_no_longer_listed_is_dropped(tmp_path, graph):
    graph.add_page(OTHER_PAGE, "Zweite Seite", "zweiteseite")
    graph.add_post(PAGE_ID, 1, TAGGED)
    fetch(tmp_path, graph, extra=TWO_PAGES)
    for number in range(2, 8):
        graph.add_post(PAGE_ID, number, TAGGED)
    fetch(tmp_path, graph, extra=TWO_PAGES)
    assert "essenarbeitetzusammen" in read_state(tmp_path / "content")["sources"]["facebook"]["scan"]
    assert not fetch(tmp_path, graph, pages="[zweiteseite]", extra=TWO_PAGES).failed
    assert read_state(tmp_path / "content")["sources"]["facebook"] == {"since": {}}


def test_the_token_travels_only_in_the_authorization_header(tmp_path, graph):
    for number in range(1, 4):
        graph.add_post(PAGE_ID, number, TAGGED)
    fetch(tmp_path, graph)
    calls = graph.api_calls()
    assert len(calls) == 4, "page, picture, then two pages of posts (the second via a next URL with a token)"
    assert all(call.headers["authorization"] == f"Bearer {TOKEN}" for call in calls)
    assert all("access_token" not in call.query for call in calls)


def test_edit_found_by_recheck_updates_text_and_keeps_the_editors_decisions(tmp_path, graph):
    graph.add_post(PAGE_ID, 1, "Ich biete Masken #EssenArbeitetZusammen")
    graph.add_post(PAGE_ID, 2, TAGGED)
    fetch(tmp_path, graph)
    path = edit_file(tmp_path / "content", f"facebook:{PAGE_ID}_1", "status: pending", "status: approved")
    path.write_text(path.read_text(encoding="utf-8").replace("category: angebot", "category: gesuch")
                    + "note: geprüft\n", encoding="utf-8")
    old = graph.fb_posts[PAGE_ID][1]
    old.update(message="Ich biete FFP2-Masken #EssenArbeitetZusammen", updated_time="2020-03-30T10:00:00+0000")
    report = fetch(tmp_path, graph)
    assert (report.updated, report.unchanged) == (1, 1)
    post = posts_in(tmp_path / "content")[f"facebook:{PAGE_ID}_1"]
    assert post.text == "Ich biete FFP2-Masken #EssenArbeitetZusammen"
    assert (post.status, post.category, post.note) == ("approved", "gesuch", "geprüft")
    # dated to the run that found the new text, not to updated_time (which comments move too)
    assert post.edited_at.isoformat() == "2020-04-01T12:00:00+00:00"


def test_a_comment_does_not_make_a_post_edited(tmp_path, graph):
    # platform-apis.md §5.2 Time: `updated_time` also changes when the post gets comments, not
    # only on edits, so it is no edit marker.  Meta's Page feed reference: "The time the post was
    # last updated, which occurs when the post was created, edited, or a User comments on a post".
    graph.add_post(PAGE_ID, 1, TAGGED, updated="2020-03-29T18:45:00+0000")  # commented on, never edited
    fetch(tmp_path, graph)
    post = posts_in(tmp_path / "content")[f"facebook:{PAGE_ID}_1"]
    assert post.edited_at is None, "stored (and fed as <updated>) as edited at the time of a comment"


def test_a_post_the_page_hid_from_its_timeline_stays_off_the_wall(tmp_path, graph):
    # platform-apis.md §5.1 Parameters: the fields to ask for include `is_hidden`.  Meta's Page
    # feed reference: "If this post is marked as hidden (Applies to Pages only). Hiding a post
    # hides it in a Page's timeline".  Graph sends only the fields asked for (the fake now too).
    graph.add_post(PAGE_ID, 1, TAGGED)
    graph.add_post(PAGE_ID, 2, "Alte Aktion, von der Seite verborgen #EssenArbeitetZusammen", hidden=True)
    report = fetch(tmp_path, graph)
    assert set(posts_in(tmp_path / "content")) == {f"facebook:{PAGE_ID}_1"}, \
        "is_hidden is not asked for, so Graph never says the post is hidden"
    assert (report.new, report.skipped) == (1, 1)


def test_a_stored_post_the_page_hides_later_leaves_the_wall(tmp_path, graph):
    graph.add_post(PAGE_ID, 1, TAGGED)
    graph.add_post(PAGE_ID, 2, TAGGED)
    fetch(tmp_path, graph)
    graph.fb_posts[PAGE_ID][1]["is_hidden"] = True  # post 1: found again only by the recheck
    report = fetch(tmp_path, graph)
    assert (report.removed, report.error) == (1, "")
    assert list(posts_in(tmp_path / "content")) == [f"facebook:{PAGE_ID}_2"]


def test_rejected_post_stays_rejected_and_untouched(tmp_path, graph):
    graph.add_post(PAGE_ID, 1, TAGGED)
    fetch(tmp_path, graph)
    path = edit_file(tmp_path / "content", f"facebook:{PAGE_ID}_1", "status: pending", "status: rejected")
    before = path.read_bytes()
    graph.fb_posts[PAGE_ID][0].update(message="Geändert #EssenArbeitetZusammen",
                                      updated_time="2020-03-30T10:00:00+0000")
    (tmp_path / "content/state.yaml").unlink()
    report = fetch(tmp_path, graph)
    assert report.unchanged == 1 and path.read_bytes() == before


def test_post_deleted_upstream_is_removed_with_its_media(tmp_path, graph):
    graph.add_post(PAGE_ID, 1, TAGGED, attachments=[photo(graph.base, "only-here.jpg", "Weg")])
    graph.add_post(PAGE_ID, 2, TAGGED)
    fetch(tmp_path, graph)
    graph.deleted.add(f"{PAGE_ID}_1")
    graph.fb_posts[PAGE_ID] = [p for p in graph.fb_posts[PAGE_ID] if p["id"] != f"{PAGE_ID}_1"]
    report = fetch(tmp_path, graph)
    assert (report.removed, report.error) == (1, "")
    remaining = posts_in(tmp_path / "content")
    assert list(remaining) == [f"facebook:{PAGE_ID}_2"]
    media = tmp_path / "content/media"
    stored = {p.relative_to(tmp_path / "content").as_posix() for p in media.rglob("*.webp")}
    assert stored == {remaining[f"facebook:{PAGE_ID}_2"].author.avatar}


def test_posts_of_a_page_that_failed_are_not_rechecked(tmp_path, graph):
    graph.add_page(OTHER_PAGE, "Zweite Seite", "zweiteseite")
    graph.add_post(PAGE_ID, 1, TAGGED)
    graph.add_post(OTHER_PAGE, 2, TAGGED)
    pages = f"['{PAGE_ID}', zweiteseite]"
    fetch(tmp_path, graph, pages=pages)
    del graph.pages[PAGE_ID]  # renamed or access lost: its posts answer 100/33 too
    graph.deleted.add(f"{PAGE_ID}_1")
    report = fetch(tmp_path, graph, pages=pages)
    assert (report.removed, report.failed) == (0, False)
    assert any(warning.startswith(f"Page {PAGE_ID}: the object does not exist") for warning in report.warnings)
    assert len(posts_in(tmp_path / "content")) == 2


def test_a_share_of_a_post_on_the_wall_gives_one_copy(tmp_path, graph):
    graph.add_page(OTHER_PAGE, "Zweite Seite", "zweiteseite")
    original = graph.add_post(PAGE_ID, 1, TAGGED)
    graph.add_post(OTHER_PAGE, 2, "Schaut mal #EssenArbeitetZusammen", status_type="shared_story",
                   parent_id=original["id"])
    graph.add_post(OTHER_PAGE, 3, "Von woanders #EssenArbeitetZusammen", status_type="shared_story",
                   parent_id="999_1")
    report = fetch(tmp_path, graph, pages=f"[zweiteseite, '{PAGE_ID}']")
    assert (report.new, report.skipped) == (2, 1)
    assert set(posts_in(tmp_path / "content")) == {f"facebook:{PAGE_ID}_1", f"facebook:{OTHER_PAGE}_3"}


def test_photos_albums_and_video_previews_with_and_without_alt_text(tmp_path, graph):
    graph.add_post(PAGE_ID, 1, TAGGED, attachments=[album(
        graph.base, photo(graph.base, "a.jpg", "Zwei Bäcker am Ofen"), photo(graph.base, "b.jpg"),
        photo(graph.base, "fake.jpg", "HTML"))])
    graph.add_post(PAGE_ID, 2, TAGGED, attachments=[photo(graph.base, "v.jpg", "Rundgang", kind="video_inline")])
    graph.add_post(PAGE_ID, 3, TAGGED, attachments=[photo(graph.base, "c.jpg", TAGGED)])
    graph.add_post(PAGE_ID, 4, TAGGED, attachments=[photo(graph.base, "link.jpg", "Artikel", kind="share")])
    report = fetch(tmp_path, graph)
    posts = posts_in(tmp_path / "content")
    alts = {number: [(m.alt, m.width) for m in posts[f"facebook:{PAGE_ID}_{number}"].media]
            for number in range(1, 5)}
    assert alts == {1: [("Zwei Bäcker am Ofen", 60), ("", 60)],
                    2: [("Vorschaubild eines Videos: Rundgang", 60)], 3: [("", 60)], 4: []}
    assert any("not a JPEG, PNG, WebP or GIF" in warning for warning in report.warnings)


def test_hostile_text_and_emoji_before_a_hashtag_stay_plain_text(tmp_path, graph):
    hostile = "🎉🤝#EssenArbeitetZusammen <script>alert(1)</script>"
    graph.add_post(PAGE_ID, 1, hostile + "\r\n<img src=x onerror=alert(1)>")
    fetch(tmp_path, graph)
    (post,) = posts_in(tmp_path / "content").values()
    assert post.text == hostile + "\n<img src=x onerror=alert(1)>"
    assert post.hashtags == ("EssenArbeitetZusammen",)


def test_high_usage_header_stops_paging_and_rechecks(tmp_path, graph):
    for number in range(1, 6):
        graph.add_post(PAGE_ID, number, TAGGED)
    graph.usage = {"X-Page-Usage": '{"call_count":91,"total_cputime":2,"total_time":3}'}
    report = fetch(tmp_path, graph)
    assert (report.new, report.failed) == (0, False), "the page call already said 91 %"
    assert any("usage at 91 % (x-page-usage)" in warning for warning in report.warnings)
    graph.usage = {"X-App-Usage": '{"call_count":12,"total_cputime":3,"total_time":5}'}
    fetch(tmp_path, graph)
    graph.usage = {"X-App-Usage": '{"call_count":95,"total_cputime":3,"total_time":5}'}
    graph.server.requests.clear()
    report = fetch(tmp_path, graph)
    assert (report.new, report.failed) == (0, False)
    assert len(graph.api_calls(rf"/v25\.0/{PAGE_ID}_\d+")) == 0, "no rechecks past the limit"


def test_usage_above_80_percent_already_stops_paging(tmp_path, graph):
    # platform-apis.md §8.6: Meta sends percentage headers; "Back off when any percentage is above
    # about 75-80".  The connector goes on up to 90 %, towards the 100 % at which Meta blocks the
    # app (every Graph source with it) until the usage falls again.
    for number in range(1, 6):
        graph.add_post(PAGE_ID, number, TAGGED)
    graph.usage = {"X-App-Usage": '{"call_count":85,"total_cputime":3,"total_time":5}'}
    report = fetch(tmp_path, graph)
    assert len(graph.api_calls(rf"/v25\.0/{PAGE_ID}/posts")) <= 1, "paged on at 85 %"
    assert any("usage at 85 %" in warning for warning in report.warnings)


def test_one_unknown_page_is_a_warning(tmp_path, graph):
    graph.add_post(PAGE_ID, 1, TAGGED)
    report = fetch(tmp_path, graph, pages=f"['{PAGE_ID}', gibtsnicht]")
    assert (report.new, report.failed) == (1, False)
    assert report.warnings == ["Page gibtsnicht: Graph API error 803: (#803) Some of the aliases you requested "
                               f"do not exist ({graph.base}/v25.0/gibtsnicht)"]


def test_missing_token_skips_the_source(tmp_path, graph):
    report = fetch(tmp_path, graph, environ={})
    assert (report.error_kind, report.failed) == ("missing_token", False)
    assert "FACEBOOK_PAGE_TOKEN" in report.error and graph.server.requests == []


def test_pages_are_required(tmp_path, graph):
    with pytest.raises(ConfigError, match="pages"):
        fetch_config(tmp_path, f"  - name: facebook\n    type: facebook\n    api_base: {graph.base}\n")


def test_429_with_retry_after_is_waited_out(tmp_path, graph):
    graph.add_post(PAGE_ID, 1, TAGGED)
    normal, calls = graph.page_posts, []

    def limited(request):
        calls.append(request)
        return Reply.json({}, 429, {"Retry-After": "1"}) if len(calls) == 1 else normal(request)

    graph.server.route("GET", r"/v25\.0/(?P<node>[^/]+)/posts")(limited)
    report = fetch(tmp_path, graph)
    assert (report.new, report.error, len(calls)) == (1, "", 2)


@pytest.mark.parametrize("failure, kind, words", [
    (graph_error(4, "(#4) Application request limit reached", 403), "rate_limit", "code 4"),
    (graph_error(32, "(#32) Page request limit reached"), "rate_limit", "code 32"),
    (graph_error(80001, "There have been too many calls to this Page account."), "rate_limit", "code 80001"),
    (graph_error(190, "Error validating access token: The session is invalid.", subcode=467),
     "auth", "FACEBOOK_PAGE_TOKEN is not valid: it is invalid"),
    (Reply.json({"error": {"message": "Please retry your request later.", "code": 2}}, 503), "server", "503"),
    (Reply(200, b'{"id": "104123456789012", "name": "Ess', {"Content-Type": "text/javascript"}),
     "response", "not valid JSON"),
    (Reply.text("<!DOCTYPE html><html><body>Facebook | Error</body></html>", 500), "server", "500"),
    (Reply.text("<html><body>Sorry, something went wrong.</body></html>", 200), "response", "expected JSON"),
    (Reply(200, b'{"data": []}', {"Content-Type": "application/json"}, delay=2.5), "network", "no answer"),
])
def test_a_failing_api_fails_the_source_and_touches_nothing(tmp_path, graph, failure, kind, words):
    graph.add_post(PAGE_ID, 1, TAGGED)
    fetch(tmp_path, graph)
    before = tree(tmp_path / "content")
    graph.fail_with = failure
    graph.add_post(PAGE_ID, 2, TAGGED)
    report = fetch(tmp_path, graph, extra="    retries: 0\n")
    assert report.failed and report.error_kind == kind, report.error
    assert words in report.error and TOKEN not in report.error
    assert tree(tmp_path / "content") == before
