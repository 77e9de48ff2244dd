"""The RSS/Atom connector against feeds on 127.0.0.1."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from connectors.rss import MAX_POSTS_PER_FEED
from wall.config import ConfigError
from wall.state import read_state
from wall.store import load_content

from .conftest import fetch_config, run_fetch, tree
from .fake_feeds import ATOM, FeedFake
from .fakes import FakeServer, Reply

TAG = "#EssenArbeitetZusammen"


@pytest.fixture
def feeds(fake_server) -> FeedFake:
    return FeedFake(fake_server)


def source(fake: FeedFake, *urls: str, extra: str = "", name: str = "news") -> str:
    return (f"  - name: {name}\n    type: rss\n    api_base: {fake.base}\n    feeds: [{', '.join(urls)}]\n"
            f"    author_name: Hotel Ruhrblick\n    timeout: 2\n{extra}")


def posts_in(content: Path) -> dict:
    return {post.url.rsplit("/", 1)[-1]: post for post in load_content(content, ["angebot", "gesuch"]).posts}


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def test_rss_entries_become_normalised_posts(tmp_path, feeds):
    url = feeds.publish_fixture("news.rss", "company.rss")
    report = run_fetch(fetch_config(tmp_path, source(feeds, url)), tmp_path / "content")["news"]
    assert (report.new, report.skipped, report.error) == (2, 1, "")
    posts = posts_in(tmp_path / "content")
    assert set(posts) == {"zimmer", "lieferdienst"}, "the entry without the hashtag is left out"
    zimmer = posts["zimmer"]
    assert zimmer.id == f"rss:{feeds.server.host}:/?p=42"
    assert zimmer.text == ("Wir bieten Zimmer für Pflegekräfte #EssenArbeitetZusammen\n\n"
                           "Ab sofort bieten wir 20 Zimmer für Pflegekräfte an.\n\n"
                           "Buchung: hier (https://hotel-ruhrblick.example/buchen)")
    assert (zimmer.status, zimmer.source, zimmer.language) == ("pending", "news", "de-DE")
    assert zimmer.hashtags == ("EssenArbeitetZusammen",)
    assert zimmer.published == utc(2020, 3, 23, 8) and zimmer.edited_at is None
    assert (zimmer.author.name, zimmer.author.avatar) == ("Anna Schmidt", "")
    (image,) = zimmer.media
    assert (image.source_url, image.width, image.height) == (f"{feeds.base}/img/zimmer.jpg", 60, 40)
    assert (tmp_path / "content" / image.path).is_file()


def test_item_without_guid_script_and_offset_date(tmp_path, feeds):
    url = feeds.publish_fixture("news.rss", "company.rss")
    config = fetch_config(tmp_path, source(feeds, url))
    run_fetch(config, tmp_path / "content")
    post = posts_in(tmp_path / "content")["lieferdienst"]
    assert post.id == f"rss:{feeds.server.host}:/news/lieferdienst"
    assert post.published == utc(2020, 3, 24, 8, 30), "10:30+02:00 is 08:30 UTC"
    assert post.text == "Lieferdienst für Nachbarn\n\nWir liefern Essen aus."
    stored = next((tmp_path / "content/posts/rss").glob("*lieferdienst*.yaml")).read_text(encoding="utf-8")
    assert "script" not in stored and "alert" not in stored and "<" not in stored
    assert post.author.name == "Hotel Ruhrblick", "the feed names no author: author_name"
    assert post.author.url == f"{feeds.base}/" and post.author.avatar.startswith("media/")


def test_without_require_hashtag_every_entry_is_kept(tmp_path, feeds):
    url = feeds.publish_fixture("news.rss", "company.rss")
    config = fetch_config(tmp_path, source(feeds, url, extra="    require_hashtag: false\n"))
    report = run_fetch(config, tmp_path / "content")["news"]
    assert (report.new, report.skipped) == (3, 0)
    assert posts_in(tmp_path / "content")["speisekarte"].published == utc(2020, 3, 20, 11)


def test_atom_feed(tmp_path, feeds):
    url = feeds.publish_fixture("presse.atom", "press.atom", ATOM)
    run_fetch(fetch_config(tmp_path, source(feeds, url)), tmp_path / "content")
    (post,) = posts_in(tmp_path / "content").values()
    assert post.id == f"rss:{feeds.server.host}:tag:stadtwerke.example,2020:presse-7"
    assert post.url == f"{feeds.base}/presse/7"
    assert post.text == ("Wir stunden Zahlungen ab sofort\n\n"
                         "Unternehmen, die wegen Corona in Not sind, können ihre Abschläge stunden.")
    assert post.published == utc(2020, 3, 23, 9) and post.edited_at is None
    assert (post.author.name, post.author.url, post.language) == ("Stadtwerke Beispiel", f"{feeds.base}/", "de")


def test_mastodon_tag_feed_keeps_the_text_and_both_alt_texts(tmp_path, feeds):
    url = feeds.publish_fixture("essenarbeitetzusammen.rss", "mastodon-tag.rss")
    run_fetch(fetch_config(tmp_path, source(feeds, url)), tmp_path / "content")
    (post,) = posts_in(tmp_path / "content").values()
    assert post.text == "Ich biete frisches Brot für Kliniken #EssenArbeitetZusammen"
    assert [(m.alt, m.source_url.rsplit("/", 1)[-1]) for m in post.media] == [
        ("Brote im Regal", "brot.png"), ("Die Backstube von innen", "backstube.png")]
    assert all((tmp_path / "content" / m.path).is_file() for m in post.media)
    host = feeds.server.host
    assert (post.author.name, post.author.handle, post.author.url) == (
        "kruemel", f"kruemel@{host}", f"{feeds.base}/@kruemel")
    assert post.author.avatar == "", "the channel image is the instance's, not the author's"
    assert post.content_warning == "", "media rated nonadult need no warning"


def test_mastodon_tag_feed_marks_a_sensitive_status_with_a_content_warning(tmp_path, feeds):
    # platform-apis.md §1.7: each media:content carries <media:rating scheme="urn:simple">adult|nonadult;
    # Mastodon writes `status.sensitive? ? 'adult' : 'nonadult'` (app/views/tags/show.rss.ruby), and
    # §1.3/§8.11: sensitive media stay behind a content warning, as the API connector does.
    url = feeds.publish_fixture("essenarbeitetzusammen.rss", "mastodon-tag.rss",
                                changes={">nonadult<": ">adult<"})
    run_fetch(fetch_config(tmp_path, source(feeds, url)), tmp_path / "content")
    (post,) = posts_in(tmp_path / "content").values()
    assert len(post.media) == 2
    assert post.content_warning, "media rated adult are shown openly on the wall"


def test_unchanged_feed_answers_304_and_nothing_changes(tmp_path, feeds):
    url = feeds.publish_fixture("news.rss", "company.rss")
    config = fetch_config(tmp_path, source(feeds, url))
    run_fetch(config, tmp_path / "content")
    state = read_state(tmp_path / "content")["sources"]["news"]["feeds"][url]
    assert state == {"etag": feeds.validators("news.rss")["ETag"],
                     "modified": feeds.validators("news.rss")["Last-Modified"]}
    before = tree(tmp_path / "content")
    report = run_fetch(config, tmp_path / "content")["news"]
    assert (report.new, report.updated, report.error) == (0, 0, "")
    assert feeds.not_modified == 1
    last = feeds.server.requests_to(r"/feeds/news\.rss")[-1]
    assert last.headers["if-none-match"] == state["etag"]
    assert last.headers["if-modified-since"] == state["modified"]
    assert tree(tmp_path / "content") == before


def test_last_modified_alone_is_enough_and_both_validators_follow_the_feed(tmp_path, feeds):
    feeds.etags = False
    url = feeds.publish_fixture("news.rss", "company.rss")
    config = fetch_config(tmp_path, source(feeds, url))
    run_fetch(config, tmp_path / "content")
    run_fetch(config, tmp_path / "content")
    assert feeds.not_modified == 1
    feeds.etags = True
    feeds.publish_fixture("news.rss", "company.rss", changes={"Neue Speisekarte": f"Neue Speisekarte {TAG}"})
    report = run_fetch(config, tmp_path / "content")["news"]
    assert report.new == 1
    state = read_state(tmp_path / "content")["sources"]["news"]["feeds"][url]
    assert state == {"etag": feeds.validators("news.rss")["ETag"],
                     "modified": feeds.validators("news.rss")["Last-Modified"]}


def test_moved_feed_is_followed_with_a_warning(tmp_path, feeds):
    feeds.publish_fixture("neu.rss", "company.rss")
    feeds.moved["alt.rss"] = "neu.rss"
    report = run_fetch(fetch_config(tmp_path, source(feeds, feeds.url("alt.rss"))), tmp_path / "content")["news"]
    assert report.new == 2
    assert any("moved permanently" in w and feeds.url("neu.rss") in w for w in report.warnings), report.warnings


def test_gone_feed_fails_and_asks_to_remove_it(tmp_path, feeds):
    feeds.replies["alt.rss"] = Reply.text("Gone", 410)
    report = run_fetch(fetch_config(tmp_path, source(feeds, feeds.url("alt.rss"))), tmp_path / "content")["news"]
    assert report.failed and report.error_kind == "response"
    assert "410 Gone" in report.error and "remove it from `feeds` in config.yaml" in report.error


def test_malformed_feed_warns_and_its_entries_are_used(tmp_path, feeds):
    url = feeds.publish_fixture("news.rss", "company.rss", changes={"Nachbarn</title>": "Nachbarn & Freunde</title>"})
    report = run_fetch(fetch_config(tmp_path, source(feeds, url)), tmp_path / "content")["news"]
    assert report.new == 2 and not report.failed
    assert any("not a well-formed feed" in warning for warning in report.warnings)


@pytest.mark.parametrize("failure, kind, message", [
    (Reply.text("<html><body><h1>Wartungsarbeiten</h1></body></html>", 200), "response",
     "not an RSS or Atom feed (text/html; charset=utf-8): Wartungsarbeiten"),
    (Reply.text("<html><body>Interner Fehler</body></html>", 500), "server", "server error HTTP 500"),
    (Reply(200, b"<rss/>", {"Content-Type": "application/rss+xml"}, delay=2.5), "network", "no answer"),
])
def test_a_failing_feed_fails_its_source_and_touches_nothing(tmp_path, feeds, failure, kind, message):
    url = feeds.publish_fixture("news.rss", "company.rss")
    config = fetch_config(tmp_path, source(feeds, url, extra="    retries: 0\n"))
    run_fetch(config, tmp_path / "content")
    before = tree(tmp_path / "content")
    feeds.replies["news.rss"] = failure
    report = run_fetch(config, tmp_path / "content")["news"]
    assert report.failed and report.error_kind == kind, report.error
    assert message in report.error
    assert tree(tmp_path / "content") == before


def test_one_failing_feed_warns_and_the_others_are_read(tmp_path, feeds):
    good = feeds.publish_fixture("news.rss", "company.rss")
    broken = feeds.publish_fixture("presse.atom", "press.atom", ATOM)
    config = fetch_config(tmp_path, source(feeds, good, broken, extra="    retries: 1\n"))
    run_fetch(config, tmp_path / "content")
    feeds.replies["presse.atom"] = Reply.text("boom", 500)
    feeds.publish_fixture("news.rss", "company.rss", changes={"Neue Speisekarte": f"Neue Speisekarte {TAG}"})
    report = run_fetch(config, tmp_path / "content")["news"]
    assert (report.new, report.failed) == (1, False)
    assert any("server error HTTP 500" in warning and broken in warning for warning in report.warnings)
    kept = read_state(tmp_path / "content")["sources"]["news"]["feeds"]
    assert set(kept) == {good, broken}, "the failing feed keeps its validators"


def test_the_same_guid_on_two_sites_gives_two_posts(tmp_path, feeds):
    with FakeServer() as other_server:
        other = FeedFake(other_server)
        first = feeds.publish_fixture("presse.atom", "press.atom", ATOM)
        second = other.publish_fixture("presse.atom", "press.atom", ATOM)
        report = run_fetch(fetch_config(tmp_path, source(feeds, first, second)), tmp_path / "content")["news"]
    assert report.new == 2
    assert len({post.id for post in load_content(tmp_path / "content", []).posts}) == 2


def test_entries_sharing_one_link_and_undated_entries(tmp_path, feeds):
    items = "".join(f"<item><title>Meldung {n} {TAG}</title><link>{{base}}/</link>"
                    f"<pubDate>Mon, 23 Mar 2020 0{n}:00:00 GMT</pubDate></item>" for n in (1, 2))
    items += f"<item><title>Ohne Datum {TAG}</title><link>{{base}}/ohne</link></item>"
    url = feeds.publish("news.rss", f'<rss version="2.0"><channel><title>T</title>{items}</channel></rss>')
    config = fetch_config(tmp_path, source(feeds, url))
    report = run_fetch(config, tmp_path / "content")["news"]
    assert (report.new, report.skipped) == (2, 1)
    assert any("1 entries without an http(s) link or a date" in warning for warning in report.warnings)
    first = sorted(post.id for post in load_content(tmp_path / "content", []).posts)
    (tmp_path / "content/state.yaml").unlink()
    assert run_fetch(config, tmp_path / "content")["news"].new == 0, "the ids are stable"
    assert sorted(post.id for post in load_content(tmp_path / "content", []).posts) == first


def test_entries_dated_before_2000_or_after_2099_are_left_out_with_a_warning(tmp_path, feeds):
    # Year 9999 in UTC is past the last day Essen's clock can show: the build and the review stopped.
    dates = {"gut": "Mon, 23 Mar 2020 08:00:00 GMT", "fern": "Fri, 31 Dec 9999 23:30:00 GMT",
             "alt": "Fri, 31 Dec 1999 12:00:00 GMT"}
    items = "".join(f"<item><title>{name} {TAG}</title><link>{{base}}/{name}</link><pubDate>{date}</pubDate></item>"
                    for name, date in dates.items())
    url = feeds.publish("news.rss", f'<rss version="2.0"><channel><title>T</title>{items}</channel></rss>')
    report = run_fetch(fetch_config(tmp_path, source(feeds, url)), tmp_path / "content")["news"]
    assert (report.new, report.error) == (1, "")
    assert f"{url}: 2 entries without an http(s) link or a date in the years 2000 to 2099 " \
           "left out" in report.warnings
    assert set(posts_in(tmp_path / "content")) == {"gut"}


def test_rejected_post_stays_rejected_after_a_refetch(tmp_path, feeds):
    url = feeds.publish_fixture("presse.atom", "press.atom", ATOM)
    config = fetch_config(tmp_path, source(feeds, url))
    run_fetch(config, tmp_path / "content")
    path = next((tmp_path / "content/posts/rss").glob("*.yaml"))
    path.write_text(path.read_text(encoding="utf-8").replace("status: pending", "status: rejected"),
                    encoding="utf-8")
    before = path.read_bytes()
    feeds.publish_fixture("presse.atom", "press.atom", ATOM, changes={"ab sofort": "ab heute"})
    (tmp_path / "content/state.yaml").unlink()
    report = run_fetch(config, tmp_path / "content")["news"]
    assert (report.new, report.updated, report.unchanged) == (0, 0, 1)
    assert path.read_bytes() == before


def test_updated_entry_updates_text_and_keeps_the_editors_decisions(tmp_path, feeds):
    url = feeds.publish_fixture("presse.atom", "press.atom", ATOM)
    config = fetch_config(tmp_path, source(feeds, url))
    run_fetch(config, tmp_path / "content")
    path = next((tmp_path / "content/posts/rss").glob("*.yaml"))
    text = path.read_text(encoding="utf-8").replace("status: pending", "status: approved")
    path.write_text(text.replace("text:", "category: gesuch\ntext:", 1) + "note: geprüft\n", encoding="utf-8")
    feeds.publish_fixture("presse.atom", "press.atom", ATOM, changes={
        "können ihre Abschläge stunden": "können ihre Abschläge bis Juni stunden",
        "</published>\n    <updated>2020-03-23T10:00:00+01:00": "</published>\n    <updated>2020-03-26T12:00:00+01:00"})
    report = run_fetch(config, tmp_path / "content")["news"]
    assert report.updated == 1
    (post,) = posts_in(tmp_path / "content").values()
    assert post.text.endswith("können ihre Abschläge bis Juni stunden.")
    assert post.edited_at == utc(2020, 3, 26, 11)
    assert (post.status, post.category, post.note) == ("approved", "gesuch", "geprüft")


def test_entries_that_leave_the_feed_are_not_deleted(tmp_path, feeds):
    url = feeds.publish_fixture("presse.atom", "press.atom", ATOM)
    config = fetch_config(tmp_path, source(feeds, url))
    run_fetch(config, tmp_path / "content")
    feeds.publish("presse.atom", '<feed xmlns="http://www.w3.org/2005/Atom"><title>leer</title></feed>', ATOM)
    report = run_fetch(config, tmp_path / "content")["news"]
    assert (report.removed, report.error) == (0, "")
    assert len(posts_in(tmp_path / "content")) == 1


def test_feeds_must_be_web_addresses(tmp_path):
    with pytest.raises(ConfigError, match=r"feeds: erwartet: http- oder https-Adressen, gefunden: 'file:///etc/passwd'"):
        fetch_config(tmp_path, "  - name: news\n    type: rss\n    feeds: [file:///etc/passwd]\n")


def test_a_source_without_feeds_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError) as error:
        fetch_config(tmp_path, "  - name: news\n    type: rss\n    author_name: EWG\n")
    assert str(error.value).endswith("config.yaml:13: sources[0].feeds: Pflichtfeld: mindestens eine Adresse angeben")


def test_media_description_is_an_alt_text_not_the_body(tmp_path, feeds):
    item = (f"<item><title>Masken {TAG}</title><link>{{base}}/masken</link><guid>m1</guid>"
            "<pubDate>Mon, 23 Mar 2020 08:00:00 GMT</pubDate><description>Wir nähen Masken.</description>"
            '<media:content url="{base}/img/masken.jpg" medium="image">'
            "<media:description>Genähte Masken auf einem Tisch</media:description></media:content></item>")
    url = feeds.publish("news.rss", '<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/">'
                                    f"<channel><title>Näherei</title>{item}</channel></rss>")
    run_fetch(fetch_config(tmp_path, source(feeds, url)), tmp_path / "content")
    (post,) = posts_in(tmp_path / "content").values()
    assert post.text == f"Masken {TAG}\n\nWir nähen Masken."
    assert [media.alt for media in post.media] == ["Genähte Masken auf einem Tisch"]


def test_a_malformed_mastodon_feed_still_gives_the_status_text(tmp_path, feeds):
    url = feeds.publish_fixture("tag.rss", "mastodon-tag.rss",
                                changes={"Öffentliche Beiträge": "Beiträge & Boosts"})
    report = run_fetch(fetch_config(tmp_path, source(feeds, url)), tmp_path / "content")["news"]
    assert any("not a well-formed feed" in warning for warning in report.warnings)
    (post,) = posts_in(tmp_path / "content").values()
    assert post.text == "Ich biete frisches Brot für Kliniken #EssenArbeitetZusammen"
    assert len(post.media) == 2


def test_a_character_reference_to_a_surrogate_in_one_feed_does_not_fail_the_others(tmp_path, feeds):
    # A feed that is not well-formed is read by feedparser's loose parser, whose handle_charref
    # raises UnicodeEncodeError on chr(0xD800): one hostile feed (a comment in a company's news
    # feed is enough) must fail only itself, not every feed of the source at every run.
    good = feeds.publish_fixture("news.rss", "company.rss")
    hostile = feeds.publish_fixture("presse.rss", "company.rss",
                                    changes={"Nachbarn</title>": "Nachbarn & Freunde &#xD800;</title>"})
    report = run_fetch(fetch_config(tmp_path, source(feeds, good, hostile)), tmp_path / "content")["news"]
    assert not report.failed, report.error
    assert report.new >= 2


def test_a_feed_servers_error_page_cannot_break_out_of_the_health_issue_or_the_log_line(tmp_path, feeds):
    # An error quotes the first 200 characters of the server's error body. CommonMark and the Actions runner
    # (.NET ReadLine) both take a lone '\r' as a line end: in the health issue the code span
    # `...` is cut by a blank line ('\r\r'), so the rest renders as Markdown (@mentions ping
    # people, links); in the log, '\r::error ...' or '\r::add-mask::' is a workflow command.
    # A 403 opens the health issue at once (kind 'auth'); any site whose feed is configured can send one.
    from dataclasses import asdict
    from datetime import date
    from wall.health import assess, update_history
    url = feeds.publish_fixture("news.rss", "company.rss")
    feeds.replies["news.rss"] = Reply.text(
        "Forbidden\r\r@ewg/redaktion bitte [neuen Token hier eintragen](https://evil.example/login)"
        "\r::error title=Token abgelaufen::https://evil.example/login\r::add-mask::Beiträge", 403)
    report = run_fetch(fetch_config(tmp_path, source(feeds, url, extra="    retries: 0\n")),
                       tmp_path / "content")["news"]
    assert report.failed and report.error_kind == "auth"
    (action,) = assess(update_history({}, [asdict(report)], date(2020, 4, 1)), date(2020, 4, 1), None)
    assert action.kind == "open"
    assert "\r" not in action.body, "a blank line ends the code span: the rest is live Markdown"
    assert "\r" not in report.summary(), "the runner reads '\\r::' as the start of a workflow command"


def test_one_feed_cannot_flood_the_wall_with_posts_in_one_run(tmp_path, feeds):
    # Every other connector stops at max_pages pages; a feed of 2,000 tagged entries (276 kB, and
    # about 145,000 fit in the 20 MB a feed may have) would become 2,000 files to review, each
    # with up to 4 image downloads, read again by every later fetch, check and build.
    start = datetime(2020, 3, 23, 8, tzinfo=timezone.utc)
    items = "".join(f"<item><title>Ich biete Nr. {number} {TAG}</title><link>{{base}}/n/{number}</link>"
                    f"<pubDate>{format_datetime(start + timedelta(minutes=number))}</pubDate></item>"
                    for number in range(2000))
    url = feeds.publish("flood.rss", f'<?xml version="1.0"?><rss version="2.0"><channel><title>Flut</title>'
                                     f"<link>{{base}}/</link>{items}</channel></rss>")
    report = run_fetch(fetch_config(tmp_path, source(feeds, url)), tmp_path / "content")["news"]
    assert not report.failed
    assert (report.new, report.skipped) == (MAX_POSTS_PER_FEED, 2000 - MAX_POSTS_PER_FEED)
    assert f"2000 entries to take; the newest {MAX_POSTS_PER_FEED} taken, the older left out" in report.warnings[0]
    numbers = sorted(int(post.url.rsplit("/", 1)[1]) for post in posts_in(tmp_path / "content").values())
    assert numbers == list(range(2000 - MAX_POSTS_PER_FEED, 2000)), "the newest"


@pytest.mark.parametrize("guid", ["m1\u202eexe.txt", "m 1", "m" * 250])
def test_a_guid_unfit_for_an_id_becomes_a_digest(tmp_path, feeds, guid):
    # Ids are shown (the removal mail names them): no right-to-left override (nor C1 controls,
    # which feedparser already reads as cp1252), nothing a post file refuses (a space, over 200 characters).
    items = "".join(f"<item><title>Masken {number} {TAG}</title><link>{{base}}/masken/{number}</link>"
                    f"<guid>{guid}{number}</guid><pubDate>Mon, 23 Mar 2020 08:00:00 GMT</pubDate></item>"
                    for number in (1, 2))
    url = feeds.publish("news.rss", f'<rss version="2.0"><channel><title>Näherei</title>{items}</channel></rss>')
    report = run_fetch(fetch_config(tmp_path, source(feeds, url)), tmp_path / "content")["news"]
    assert report.new == 2
    host = urlsplit(url).netloc
    ids = [post.id for post in posts_in(tmp_path / "content").values()]
    assert all(re.fullmatch(rf"rss:{re.escape(host)}:[0-9a-f]{{16}}", post_id) for post_id in ids), ids
