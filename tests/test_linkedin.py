"""The LinkedIn connector against a fake LinkedIn REST API on 127.0.0.1."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from wall.config import ConfigError
from wall.state import read_state
from wall.store import load_content

from .conftest import fetch_config, run_fetch, tree
from .fake_linkedin import ORGANIZATION, LinkedInFake, error, image, make_post, post_urn
from .fakes import Reply

ENV = {"LINKEDIN_TOKEN": "secret"}
TAG = r"{hashtag|\#|EssenArbeitetZusammen}"
TWO_PAGES = "    max_pages: 2\n    retries: 0\n"


@pytest.fixture
def api(fake_server) -> LinkedInFake:
    return LinkedInFake(fake_server)


def source(base: str, extra: str = "", organizations: str = f'["{ORGANIZATION}"]') -> str:
    return (f"  - name: linkedin\n    type: linkedin\n    api_base: {base}\n"
            f"    organizations: {organizations}\n    timeout: 2\n{extra}")


def fetch(tmp_path: Path, api: LinkedInFake, extra: str = "", **options):
    config = fetch_config(tmp_path, source(api.base, extra))
    options.setdefault("environ", ENV)
    return run_fetch(config, tmp_path / "content", **options)["linkedin"]


def posts_in(content: Path) -> dict:
    return {post.id: post for post in load_content(content, ["angebot", "gesuch"]).posts}


def post_id(number: int) -> str:
    return f"linkedin:{post_urn(number)}"


def millis_moment(millis: int) -> datetime:
    return datetime.fromtimestamp(millis // 1000, timezone.utc)


def test_first_run_reads_every_page_and_writes_normalised_posts(tmp_path, api):
    for number in (1, 2, 4, 5):
        api.add(number)
    mentioned = api.add(3, rf"Danke an alle! {TAG} mit @[Tafel Essen](urn:li:organization:87654321) \(Foto\)")
    api.add(6, "Ohne Hashtag, nur #Essen")
    api.add(7, f"Entwurf {TAG}", state="DRAFT")
    report = fetch(tmp_path, api)
    assert (report.new, report.skipped, report.error) == (5, 2, "")
    assert len(api.server.requests_to(r"/rest/posts")) == 4, "every page of two was read"
    post = posts_in(tmp_path / "content")[post_id(3)]
    assert post.text == "Danke an alle! #EssenArbeitetZusammen mit @Tafel Essen (Foto)"
    assert (post.author.name, post.author.handle, post.author.url) == (
        "Backstube Krümel GmbH", "backstube-kruemel", "https://www.linkedin.com/company/backstube-kruemel/")
    assert post.url == f"https://www.linkedin.com/feed/update/{post_urn(3)}/"
    assert post.published == millis_moment(mentioned["publishedAt"])
    assert (post.status, post.hashtags, post.source, post.edited_at) == (
        "pending", ("EssenArbeitetZusammen",), "linkedin", None)
    assert posts_in(tmp_path / "content")[post_id(1)].category == "angebot"
    assert len(api.server.requests_to(r"/rest/organizations/.*")) == 1, "the page's name is asked once"


def test_a_post_dated_beyond_year_9999_is_left_out_and_the_others_are_read(tmp_path, api):
    api.add(1)
    api.add(2)["publishedAt"] = 10**20  # milliseconds: no datetime holds that year
    report = fetch(tmp_path, api)
    assert (report.new, report.skipped, report.error) == (1, 1, "")
    assert set(posts_in(tmp_path / "content")) == {post_id(1)}


def test_requests_carry_the_version_headers_and_the_token_stays_out_of_urls_and_state(tmp_path, api):
    api.add(1)
    fetch(tmp_path, api)
    for request in api.server.requests_to(r"/rest/.*"):
        assert request.headers["authorization"] == "Bearer secret"
        assert request.headers["linkedin-version"] == "202604"
        assert request.headers["x-restli-protocol-version"] == "2.0.0"
        assert "secret" not in str(request.query)
    listing = api.server.requests_to(r"/rest/posts")[0]
    assert (listing.arg("author"), listing.arg("q"), listing.arg("sortBy")) == (
        f"urn:li:organization:{ORGANIZATION}", "author", "LAST_MODIFIED")
    state = (tmp_path / "content/state.yaml").read_text(encoding="utf-8")
    assert "secret" not in state and ORGANIZATION in state


def test_organizations_may_be_urns_and_are_read_once(tmp_path, api):
    api.add(1)
    config = fetch_config(tmp_path, source(api.base, organizations=f"[urn:li:organization:{ORGANIZATION}, "
                                                                   f'"{ORGANIZATION}"]'))
    report = run_fetch(config, tmp_path / "content", environ=ENV)["linkedin"]
    assert report.new == 1
    assert len(api.server.requests_to(r"/rest/posts")) == 1


def test_a_page_without_access_is_a_warning_while_the_others_are_read(tmp_path, api):
    api.add(1)
    api.forbidden.add("urn:li:organization:99999999")
    config = fetch_config(tmp_path, source(api.base, organizations=f'["99999999", "{ORGANIZATION}"]'))
    report = run_fetch(config, tmp_path / "content", environ=ENV)["linkedin"]
    assert (report.new, report.failed) == (1, False)
    assert any("99999999" in warning and "r_organization_social" in warning for warning in report.warnings)


def test_when_no_page_can_be_read_the_source_fails(tmp_path, api):
    api.add(1)
    api.forbidden.add(f"urn:li:organization:{ORGANIZATION}")
    report = fetch(tmp_path, api)
    assert report.failed and report.error_kind == "auth" and "LINKEDIN_TOKEN" in report.error


@pytest.mark.parametrize("organizations", ["[acme]", "[urn:li:person:abc]"])
def test_organizations_must_be_ids_or_organization_urns(tmp_path, api, organizations):
    config = fetch_config(tmp_path, source(api.base, organizations=organizations))
    report = run_fetch(config, tmp_path / "content", environ=ENV)["linkedin"]
    assert report.failed and "organizations: list the pages to read" in report.error
    assert api.server.requests == []


def test_organizations_are_required(tmp_path, api):
    with pytest.raises(ConfigError) as raised:
        fetch_config(tmp_path, source(api.base, organizations="[]"))
    assert "organizations: Pflichtfeld" in str(raised.value)


def test_second_run_with_nothing_new_changes_no_file(tmp_path, api):
    api.add(1, f"Brot {TAG}", content={"media": image("brot", "Brote")})
    api.add(2)
    api.add(3)
    fetch(tmp_path, api)
    before = tree(tmp_path / "content")
    listed = len(api.server.requests_to(r"/rest/posts"))
    report = fetch(tmp_path, api)
    assert (report.new, report.updated, report.error) == (0, 0, "")
    assert tree(tmp_path / "content") == before
    assert len(api.server.requests_to(r"/rest/posts")) == listed + 1, "stops at the stored mark"
    (tmp_path / "content/state.yaml").unlink()  # a lost state costs a re-read, nothing else
    report = fetch(tmp_path, api)
    assert (report.new, report.updated, report.unchanged) == (0, 0, 3)
    posts_before = {name: data for name, data in before.items() if name.startswith(("posts/", "media/"))}
    assert {name: data for name, data in tree(tmp_path / "content").items() if name != "state.yaml"} == posts_before
    assert len(api.server.requests_to(r"/rest/images/.*")) == 1, "known images are not resolved again"


def test_new_post_arrives_on_the_next_run(tmp_path, api):
    api.add(1)
    fetch(tmp_path, api)
    api.add(9, f"Ich suche Lagerfläche {TAG}")
    report = fetch(tmp_path, api)
    assert report.new == 1
    assert posts_in(tmp_path / "content")[post_id(9)].category == "gesuch"


def test_a_post_arriving_mid_scan_shifts_the_pages_but_gives_no_duplicate(tmp_path, api):
    for number in (1, 2, 3):
        api.add(number)
    arrivals = [make_post(9, f"Neu {TAG}")]

    def arrive(request):
        if arrivals:  # once, right after the first page was built
            api.posts.append(arrivals.pop())

    api.after_page = arrive
    report = fetch(tmp_path, api)
    assert (report.new, report.error) == (3, ""), "post 2 came twice and was taken once"
    report = fetch(tmp_path, api)
    assert report.new == 1 and post_id(9) in posts_in(tmp_path / "content")


def linkedin_state(content: Path) -> dict:
    return read_state(content)["sources"]["linkedin"]


def test_more_new_posts_than_max_pages_hold_are_read_by_the_next_run(tmp_path, api):
    content, modified = tmp_path / "content", {number: make_post(number, "")["lastModifiedAt"] for number in (1, 31)}
    api.page_size = 10
    api.add(1)
    fetch(tmp_path, api, TWO_PAGES)
    for number in range(2, 32):
        api.add(number)
    first = fetch(tmp_path, api, TWO_PAGES)
    assert first.new == 20
    assert (f"organisation {ORGANIZATION}: more than max_pages (2) pages of new or changed posts; "
            "the next run reads on") in first.warnings
    assert linkedin_state(content) == {"modified": {ORGANIZATION: modified[1]},
                                       "scan": {ORGANIZATION: {"start": 20, "top": modified[31]}}}, "the mark stays"
    before = tree(content)
    api.fail_with = error(500, "Internal Server Error")
    assert fetch(tmp_path, api, TWO_PAGES).failed and tree(content) == before, "a failed run loses nothing"
    api.fail_with = None
    listed = len(api.server.requests_to(r"/rest/posts"))
    second = fetch(tmp_path, api, TWO_PAGES)
    assert (second.new, second.warnings) == (10, [])
    assert [r.arg("start") for r in api.server.requests_to(r"/rest/posts")[listed:]] == ["15", "25"], \
        "a few positions before the stored offset"
    assert set(posts_in(content)) == {post_id(number) for number in range(1, 32)}, "none lost"
    assert linkedin_state(content) == {"modified": {ORGANIZATION: modified[31]}}, "the mark moved to the top"
    api.add(40)
    listed = len(api.server.requests_to(r"/rest/posts"))
    assert fetch(tmp_path, api, TWO_PAGES).new == 1
    assert [r.arg("start") for r in api.server.requests_to(r"/rest/posts")[listed:]] == ["0"]


def test_posts_deleted_above_the_stored_offset_make_the_next_run_skip_nothing(tmp_path, api):
    api.page_size = 10
    api.add(1)
    fetch(tmp_path, api, TWO_PAGES)
    for number in range(2, 32):
        api.add(number)
    fetch(tmp_path, api, TWO_PAGES)
    gone = {post_urn(number) for number in (31, 25, 20)}  # read already: the unread ones move up
    api.posts = [post for post in api.posts if post["id"] not in gone]
    api.deleted |= gone
    report = fetch(tmp_path, api, TWO_PAGES)
    assert (report.new, report.removed) == (10, 3)
    assert set(posts_in(tmp_path / "content")) == {post_id(n) for n in range(1, 32) if post_urn(n) not in gone}


def test_the_scan_of_an_organisation_no_longer_listed_is_dropped(tmp_path, api):
    api.add(1)
    fetch(tmp_path, api, TWO_PAGES)
    for number in range(2, 8):
        api.add(number)
    fetch(tmp_path, api, TWO_PAGES)
    assert ORGANIZATION in linkedin_state(tmp_path / "content")["scan"]
    config = fetch_config(tmp_path, source(api.base, TWO_PAGES, organizations='["87654321"]'))
    assert not run_fetch(config, tmp_path / "content", environ=ENV)["linkedin"].failed
    assert linkedin_state(tmp_path / "content") == {"modified": {}}


def test_a_reshare_gives_no_second_copy(tmp_path, api):
    api.add(1, f"Ich biete Brot {TAG}")
    api.add(2, f"Schaut mal {TAG}", reshare_of=post_urn(1))
    api.add(3, f"Ein Partner bietet Räume {TAG}", reshare_of="urn:li:share:7000000000000000001")
    report = fetch(tmp_path, api)
    assert (report.new, report.skipped) == (2, 1)
    assert set(posts_in(tmp_path / "content")) == {post_id(1), post_id(3)}
    api.add(4, f"Nochmal {TAG}", reshare_of=post_urn(1))
    report = fetch(tmp_path, api)
    assert (report.new, report.skipped) == (0, 1), "a reshare of a stored post is skipped"


def test_edit_updates_text_but_keeps_the_editors_decisions(tmp_path, api):
    original = api.add(1, f"Ich biete Masken {TAG}")
    fetch(tmp_path, api)
    path = next((tmp_path / "content/posts/linkedin").glob("*.yaml"))
    text = path.read_text(encoding="utf-8").replace("status: pending", "status: approved")
    path.write_text(text.replace("category: angebot", "category: gesuch") + "note: geprüft\n", encoding="utf-8")
    edited_at = original["lastModifiedAt"] + 86_400_000
    api.posts[0] = make_post(1, f"Ich biete FFP2-Masken {TAG}", modified=edited_at, edited=True)
    report = fetch(tmp_path, api)
    assert report.updated == 1
    post = posts_in(tmp_path / "content")[post_id(1)]
    assert post.text == "Ich biete FFP2-Masken #EssenArbeitetZusammen"
    assert (post.status, post.category, post.note) == ("approved", "gesuch", "geprüft")
    assert post.edited_at == millis_moment(edited_at)


def test_rejected_post_stays_rejected_and_untouched(tmp_path, api):
    api.add(1)
    fetch(tmp_path, api)
    path = next((tmp_path / "content/posts/linkedin").glob("*.yaml"))
    path.write_text(path.read_text(encoding="utf-8").replace("status: pending", "status: rejected"),
                    encoding="utf-8")
    before = path.read_bytes()
    api.posts[0] = make_post(1, f"Geändert {TAG}", modified=api.posts[0]["lastModifiedAt"] + 5000, edited=True)
    (tmp_path / "content/state.yaml").unlink()
    report = fetch(tmp_path, api)
    assert report.unchanged == 1 and path.read_bytes() == before


def test_post_deleted_upstream_is_removed_with_its_media(tmp_path, api):
    api.add(1, f"Brot {TAG}", content={"media": image("only-here", "Brot")})
    api.add(2)
    fetch(tmp_path, api)
    assert list((tmp_path / "content/media").rglob("*.webp"))
    api.deleted.add(post_urn(1))
    api.posts = [p for p in api.posts if p["id"] != post_urn(1)]
    report = fetch(tmp_path, api)
    assert report.removed == 1
    assert list(posts_in(tmp_path / "content")) == [post_id(2)]
    assert not list((tmp_path / "content/media").rglob("*.webp"))


def test_images_videos_and_articles(tmp_path, api):
    api.add(1, f"Brote {TAG}", content={"multiImage": {"images": [
        image("brot", "Brote"), image("ohne-alt"), image("fake-bild", "HTML"), image("gone-1", "weg")]}})
    api.add(2, f"Film {TAG}", content={"media": {"id": "urn:li:video:film", "altText": "Backen"}})
    api.add(3, f"Lesen {TAG}", content={"article": {"source": "https://kruemel.example/artikel",
                                                      "title": "Artikel"}})
    report = fetch(tmp_path, api)
    posts = posts_in(tmp_path / "content")
    assert [(m.alt, m.width, m.height) for m in posts[post_id(1)].media] == [("Brote", 60, 40), ("", 60, 40)]
    assert any("not a JPEG, PNG, WebP or GIF" in warning for warning in report.warnings)
    assert any("urn:li:image:gone-1" in warning for warning in report.warnings)
    assert [m.alt for m in posts[post_id(2)].media] == ["Vorschaubild eines Videos: Backen"]
    assert posts[post_id(3)].text == "Lesen #EssenArbeitetZusammen\n\nhttps://kruemel.example/artikel"
    assert "/rest/images/urn%3Ali%3Aimage%3Abrot" in {r.path for r in api.server.requests}


def test_hostile_text_and_emoji_before_a_hashtag_stay_plain_text(tmp_path, api):
    api.add(1, "🎉" + TAG + r" \<script\>alert\(1\)\</script\> \<img src=x onerror=alert\(1\)\>")
    api.add(2, r"Wir suchen ein Lager \#EssenArbeitetZusammen \{x\} 100\% \_wichtig\_")
    report = fetch(tmp_path, api)
    assert report.new == 2
    posts = posts_in(tmp_path / "content")
    assert posts[post_id(1)].text == "🎉#EssenArbeitetZusammen <script>alert(1)</script> <img src=x onerror=alert(1)>"
    assert posts[post_id(1)].hashtags == ("EssenArbeitetZusammen",)
    assert posts[post_id(2)].text == "Wir suchen ein Lager #EssenArbeitetZusammen {x} 100% _wichtig_"


def test_rate_limit_with_retry_after_is_waited_out(tmp_path, api):
    api.add(1)
    calls = []
    normal = api.listing

    def limited(request):
        calls.append(request)
        if len(calls) > 1:
            return normal(request)
        reply = error(429, "Too many requests", "TOO_MANY_REQUESTS", 101)
        reply.headers["Retry-After"] = "1"
        return reply

    api.server.route("GET", r"/rest/posts")(limited)
    report = fetch(tmp_path, api)
    assert (report.new, report.error) == (1, "")
    assert len(calls) == 2


def test_daily_quota_429_without_headers_fails_the_source_once_the_wait_exceeds_the_bound(tmp_path, api):
    # LinkedIn's daily quota answers 429 without any header: waiting cannot help within this run.
    api.add(1)
    fetch(tmp_path, api, extra="    retries: 1\n")
    before = tree(tmp_path / "content")
    api.add(2)
    api.fail_with = error(429, "Resource level throttle limit for calls to this resource is reached.",
                          service_code=101)
    listed = len(api.server.requests_to(r"/rest/posts"))
    report = fetch(tmp_path, api, extra="    retries: 1\n")
    assert report.failed and report.error_kind == "rate_limit" and "quota resets later" in report.error
    assert len(api.server.requests_to(r"/rest/posts")) == listed + 1, "given up at once, no waiting"
    assert tree(tmp_path / "content") == before


@pytest.mark.parametrize("failure, kind", [
    (error(500, "Internal Server Error"), "server"),
    (Reply(200, b'{"paging": {"start": 0}, "elements": [{"id": "urn:li:sha', {"Content-Type": "application/json"}),
     "response"),
    (Reply.text("<html><body>LinkedIn ist gleich wieder da</body></html>", 200), "response"),
    (Reply(200, b'{"elements": []}', {"Content-Type": "application/json"}, delay=2.5), "network"),
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
    report = fetch(tmp_path, api, environ={"LINKEDIN_TOKEN": "tok-old-4711"})
    assert report.failed and report.error_kind == "auth"
    assert "LINKEDIN_TOKEN" in report.error and "60 days" in report.error
    assert "tok-old-4711" not in report.error
    assert not (tmp_path / "content/posts").exists()


def test_an_inactive_version_fails_naming_the_setting(tmp_path, api):
    api.add(1)
    report = fetch(tmp_path, api, extra='    linkedin_version: "202301"\n')
    assert report.failed and report.error_kind == "response"
    assert "linkedin_version" in report.error and "202301" in report.error


def test_a_missing_token_skips_the_source(tmp_path, api):
    api.add(1)
    report = fetch(tmp_path, api, environ={})
    assert report.error_kind == "missing_token" and not report.failed
    assert "LINKEDIN_TOKEN" in report.error
    assert api.server.requests == []
