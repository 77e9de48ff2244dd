"""The Mastodon connector against a fake instance on 127.0.0.1."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from wall.config import load_config
from wall.pipeline import check
from wall.post import Author, Post, post_filename
from wall.state import read_state
from wall.store import STATE_FILE, load_content
from wall.writing import write_post

from .conftest import FETCH_CONFIG, fetch_config, run_fetch, tree
from .fake_mastodon import MastodonFake, image_attachment, make_status
from .fakes import FakeServer, Reply


@pytest.fixture
def instance(fake_server) -> MastodonFake:
    return MastodonFake(fake_server)


def source(*instances: str, extra: str = "") -> str:
    listed = ", ".join(instances)
    return f"  - name: mastodon\n    type: mastodon\n    instances: [{listed}]\n    timeout: 2\n{extra}"


def posts_in(content: Path) -> dict:
    return {post.id: post for post in load_content(content, ["angebot", "gesuch"]).posts}


def test_first_run_reads_every_page_and_writes_normalised_posts(tmp_path, instance):
    for number in range(1, 6):
        instance.add(number, f"Ich biete Brot Nr. {number} #EssenArbeitetZusammen\n\nMehr: https://kruemel.example/brot/{number}")
    config = fetch_config(tmp_path, source(instance.base))
    report = run_fetch(config, tmp_path / "content")["mastodon"]
    assert (report.new, report.error) == (5, "")
    assert len(instance.server.requests_to(r"/api/v1/timelines/tag/.*")) >= 3, "pages were followed"
    posts = posts_in(tmp_path / "content")
    post = posts[f"mastodon:{instance.server.host}:3"]
    assert post.text == ("Ich biete Brot Nr. 3 #EssenArbeitetZusammen\n\n"
                         "Mehr: https://kruemel.example/brot/3")
    assert post.author.name == "Backstube Krümel" and post.author.handle == f"kruemel@{instance.server.host}"
    assert post.author.avatar.startswith("media/") and (tmp_path / "content" / post.author.avatar).is_file()
    assert len(instance.server.requests_to(r"/media/avatar.*")) == 1, "one author: one avatar download"
    assert (post.status, post.category, post.source, post.hashtags) == (
        "pending", "angebot", "mastodon", ("EssenArbeitetZusammen",))
    assert post.url == f"{instance.base}/@kruemel/3"


def test_second_run_with_nothing_new_changes_no_file(tmp_path, instance):
    instance.add(1)
    instance.add(2, media=[image_attachment(instance.base, 2)])
    config = fetch_config(tmp_path, source(instance.base))
    run_fetch(config, tmp_path / "content")
    before = tree(tmp_path / "content")
    report = run_fetch(config, tmp_path / "content")["mastodon"]
    assert (report.new, report.updated) == (0, 0)
    assert tree(tmp_path / "content") == before
    last = instance.server.requests_to(r"/api/v1/timelines/tag/.*")[-1]
    assert last.arg("min_id") == "2", "the second run starts where the first stopped"


def test_new_post_arrives_on_the_next_run(tmp_path, instance):
    instance.add(1)
    config = fetch_config(tmp_path, source(instance.base))
    run_fetch(config, tmp_path / "content")
    instance.add(7, "Ich suche Lagerfläche #EssenArbeitetZusammen")
    report = run_fetch(config, tmp_path / "content")["mastodon"]
    assert report.new == 1
    assert posts_in(tmp_path / "content")[f"mastodon:{instance.server.host}:7"].category == "gesuch"


def test_a_boost_gives_the_original_once(tmp_path, instance):
    original = instance.add(1)
    boost = make_status(instance.base, 2, "", user="fan", tags=[])
    boost["reblog"] = original
    instance.statuses.insert(0, boost)
    report = run_fetch(fetch_config(tmp_path, source(instance.base)), tmp_path / "content")["mastodon"]
    assert report.new == 1
    assert list(posts_in(tmp_path / "content")) == [f"mastodon:{instance.server.host}:1"]


def test_the_same_status_on_two_instances_is_stored_once(tmp_path, fake_server):
    first = MastodonFake(fake_server)
    with FakeServer() as other_server:
        second = MastodonFake(other_server)
        status = first.add(1)
        relayed = dict(status, id="900")  # the other instance's own id, same uri
        second.statuses.append(relayed)
        report = run_fetch(fetch_config(tmp_path, source(first.base, second.base)), tmp_path / "content")
    assert report["mastodon"].new == 1
    assert len(posts_in(tmp_path / "content")) == 1


def test_edit_updates_text_but_keeps_the_editors_decisions(tmp_path, instance):
    instance.add(1, "Ich biete Masken #EssenArbeitetZusammen")
    config = fetch_config(tmp_path, source(instance.base))
    run_fetch(config, tmp_path / "content")
    path = next((tmp_path / "content/posts/mastodon").glob("*.yaml"))
    text = path.read_text(encoding="utf-8").replace("status: pending", "status: approved")
    text = text.replace("category: angebot", "category: gesuch") + "note: geprüft\n"
    path.write_text(text, encoding="utf-8")
    instance.statuses[0] = make_status(instance.base, 1, "Ich biete FFP2-Masken #EssenArbeitetZusammen",
                                       edited_at="2020-03-22T10:00:00.000Z")
    report = run_fetch(config, tmp_path / "content", new_status="pending")["mastodon"]
    assert report.updated == 1
    post = posts_in(tmp_path / "content")[f"mastodon:{instance.server.host}:1"]
    assert post.text == "Ich biete FFP2-Masken #EssenArbeitetZusammen"
    assert (post.status, post.category, post.note) == ("approved", "gesuch", "geprüft")
    assert post.edited_at.isoformat() == "2020-03-22T10:00:00+00:00"


def test_rejected_post_stays_rejected_and_untouched(tmp_path, instance):
    instance.add(1)
    config = fetch_config(tmp_path, source(instance.base))
    run_fetch(config, tmp_path / "content")
    path = next((tmp_path / "content/posts/mastodon").glob("*.yaml"))
    path.write_text(path.read_text(encoding="utf-8").replace("status: pending", "status: rejected"),
                    encoding="utf-8")
    before = path.read_bytes()
    instance.statuses[0] = make_status(instance.base, 1, "Geändert #EssenArbeitetZusammen",
                                       edited_at="2020-03-22T10:00:00.000Z")
    (tmp_path / "content/state.yaml").unlink()  # even a full re-read brings nothing back
    report = run_fetch(config, tmp_path / "content")["mastodon"]
    assert report.unchanged == 1 and path.read_bytes() == before


def test_post_deleted_upstream_is_removed_with_its_media(tmp_path, instance):
    instance.add(1, media=[image_attachment(instance.base, 1, name="only-here.webp")])
    instance.add(2)
    config = fetch_config(tmp_path, source(instance.base))
    run_fetch(config, tmp_path / "content")
    instance.deleted.add("1")
    instance.statuses = [s for s in instance.statuses if s["id"] != "1"]
    report = run_fetch(config, tmp_path / "content")["mastodon"]
    assert report.removed == 1
    assert list(posts_in(tmp_path / "content")) == [f"mastodon:{instance.server.host}:2"]
    remaining = {p.relative_to(tmp_path / "content").as_posix()
                 for p in (tmp_path / "content/media").rglob("*.webp")}
    assert remaining == {posts_in(tmp_path / "content")[f"mastodon:{instance.server.host}:2"].author.avatar}


def test_posts_are_asked_for_again_on_the_instance_they_were_read_on_and_the_token_stays_there(tmp_path):
    with FakeServer() as ours, FakeServer() as stranger:
        instance, origin = MastodonFake(ours), MastodonFake(stranger)
        federated = instance.add(7)  # known to our instance as 7, written on another server
        federated["uri"] = f"{origin.base}/users/x/statuses/99"
        pleroma = instance.add(8)  # Pleroma names its objects by UUID: not an id of this API
        pleroma["uri"] = f"{instance.base}/objects/9f1c2b7e-1111-2222-3333-444455556666"
        config = fetch_config(tmp_path, source(instance.base, extra="    token_env: MASTO_TOKEN\n"))
        environ = {"MASTO_TOKEN": "sekrit"}
        run_fetch(config, tmp_path / "content", environ=environ)
        second = run_fetch(config, tmp_path / "content", environ=environ)["mastodon"]
        assert second.removed == 0 and len(posts_in(tmp_path / "content")) == 2, "live posts stay"
        assert stranger.requests == [], "nothing, least of all the token, goes to another server"
        asked = ours.requests_to(r"/api/v1/statuses/.*")
        assert {request.path for request in asked} == {"/api/v1/statuses/7", "/api/v1/statuses/8"}
        assert {request.headers.get("authorization") for request in asked} == {"Bearer sekrit"}
        instance.deleted.add("7")  # the origin deleted it: our instance dropped its copy
        third = run_fetch(config, tmp_path / "content", environ=environ)["mastodon"]
        assert third.removed == 1
        assert [post.native_id for post in posts_in(tmp_path / "content").values()] == [
            f"{instance.server.host}:9f1c2b7e-1111-2222-3333-444455556666"]


def test_a_failing_instance_keeps_its_place_for_the_next_run(tmp_path):
    with FakeServer() as first_server, FakeServer() as second_server:
        first, second = MastodonFake(first_server), MastodonFake(second_server)
        first.add(1)
        second.add(5)
        config = fetch_config(tmp_path, source(first.base, second.base))
        run_fetch(config, tmp_path / "content")
        before = read_state(tmp_path / "content")["sources"]["mastodon"]["newest"]
        second.fail_with = Reply.json({"error": "boom"}, 500)
        report = run_fetch(config, tmp_path / "content")["mastodon"]
        assert not report.error and report.warnings, "one instance failing is a warning"
        assert read_state(tmp_path / "content")["sources"]["mastodon"]["newest"] == before


def test_media_with_and_without_alt_text_and_a_fake_image(tmp_path, instance):
    instance.add(1, media=[image_attachment(instance.base, 1, alt="Brote"),
                           image_attachment(instance.base, 2, alt=None, name="ohne-alt.webp"),
                           image_attachment(instance.base, 3, alt="HTML", name="fake.jpg")])
    report = run_fetch(fetch_config(tmp_path, source(instance.base)), tmp_path / "content")["mastodon"]
    (post,) = posts_in(tmp_path / "content").values()
    assert [(m.alt, m.width, m.height) for m in post.media] == [("Brote", 60, 40), ("", 60, 40)]
    assert any("not a JPEG, PNG, WebP or GIF" in warning for warning in report.warnings)


def test_an_editors_image_descriptions_survive_fetches(tmp_path, instance):
    instance.add(1, media=[image_attachment(instance.base, 1, alt=None, name="ohne.webp"),
                           image_attachment(instance.base, 2, alt="Brot", name="mit.webp")])
    config = fetch_config(tmp_path, source(instance.base))
    run_fetch(config, tmp_path / "content")
    path = next((tmp_path / "content/posts/mastodon").glob("*.yaml"))
    text = path.read_text(encoding="utf-8").replace("alt: Brot", "alt: Brot mit Körnern im Regal")
    text = text.replace("  type: image\n  width", "  type: image\n  alt: Ein Korb Brötchen\n  width", 1)
    path.write_text(text, encoding="utf-8")
    edited = path.read_bytes()
    report = run_fetch(config, tmp_path / "content")["mastodon"]
    assert (report.updated, report.unchanged) == (0, 1)  # the descriptions are no change on the platform
    assert path.read_bytes() == edited
    instance.statuses[0] = make_status(instance.base, 1, "Ich biete Brot und Brötchen #EssenArbeitetZusammen",
                                       edited_at="2020-03-22T10:00:00.000Z",
                                       media=[image_attachment(instance.base, 1, alt="Korb", name="ohne.webp"),
                                              image_attachment(instance.base, 2, alt="Brot", name="mit.webp"),
                                              image_attachment(instance.base, 3, alt="Neu", name="neu.webp")])
    assert run_fetch(config, tmp_path / "content")["mastodon"].updated == 1
    (post,) = posts_in(tmp_path / "content").values()
    assert post.text.startswith("Ich biete Brot und Brötchen")
    assert [media.alt for media in post.media] == ["Ein Korb Brötchen", "Brot mit Körnern im Regal", "Neu"]


def test_replies_and_bots_can_be_skipped(tmp_path, instance):
    instance.add(1)
    instance.add(2, reply_to="1")
    instance.add(3, user="bot", bot=True)
    config = fetch_config(tmp_path, source(instance.base, extra="    skip_replies: true\n    skip_bots: true\n"))
    report = run_fetch(config, tmp_path / "content")["mastodon"]
    assert (report.new, report.skipped) == (1, 2)


def test_deny_list_keeps_blocked_posts_out_and_allow_list_approves(tmp_path, instance):
    instance.add(1, user="spam", name="Spam")
    instance.add(2, user="ewg", name="EWG")
    instance.add(3, "Ich biete Krypto #EssenArbeitetZusammen", user="anna")
    host = instance.server.host
    config = fetch_config(tmp_path, source(instance.base), allow=f"[ewg@{host}]",
                          deny_authors=f"['@spam@{host}']", deny_keywords="[krypto]")
    report = run_fetch(config, tmp_path / "content")["mastodon"]
    assert (report.new, report.skipped) == (1, 2)
    assert [p.status for p in posts_in(tmp_path / "content").values()] == ["approved"]


def test_content_warning_is_kept(tmp_path, instance):
    instance.add(1, spoiler="Corona-Fallzahlen")
    run_fetch(fetch_config(tmp_path, source(instance.base)), tmp_path / "content")
    (post,) = posts_in(tmp_path / "content").values()
    assert post.content_warning == "Corona-Fallzahlen"


def test_a_sensitive_status_without_media_or_spoiler_text_gets_a_content_warning(tmp_path, instance):
    # platform-apis.md §1.3 content warnings: "Hide the content and media behind the CW when
    # `spoiler_text` is set or `sensitive` is true."  The connector warns only when there are media.
    instance.add(1, sensitive=True)
    run_fetch(fetch_config(tmp_path, source(instance.base)), tmp_path / "content")
    (post,) = posts_in(tmp_path / "content").values()
    assert post.content_warning, "a status its author marked sensitive is shown openly"


def test_rate_limit_with_retry_after_is_waited_out(tmp_path, instance):
    instance.add(1)
    calls = []
    normal = instance.timeline

    def limited(request):
        calls.append(request)
        if len(calls) == 1:
            return Reply.json({"error": "Too many requests"}, 429,
                              headers={"Retry-After": "1", "X-RateLimit-Remaining": "0"})
        return normal(request)

    instance.server.route("GET", r"/api/v1/timelines/tag/(?P<tag>[^/]+)")(limited)
    report = run_fetch(fetch_config(tmp_path, source(instance.base)), tmp_path / "content")["mastodon"]
    assert (report.new, report.error) == (1, "")
    assert len(calls) >= 2


@pytest.mark.parametrize("failure, kind", [
    (Reply.json({"error": "Too many requests"}, 429, headers={"Retry-After": "3600"}), "rate_limit"),
    (Reply.json({"error": "boom"}, 500), "server"),
    (Reply(200, b'[{"id": "1", "uri": "https://x', {"Content-Type": "application/json"}), "response"),
    (Reply.text("<html><body>Wartungsarbeiten</body></html>", 200), "response"),
    (Reply.json({"error": "The access token is invalid"}, 401), "auth"),
    (Reply(200, b"[]", {"Content-Type": "application/json"}, delay=2.5), "network"),
])
def test_a_failing_instance_fails_its_source_and_touches_nothing(tmp_path, instance, failure, kind):
    instance.add(1)
    config = fetch_config(tmp_path, source(instance.base, extra="    retries: 1\n"))
    run_fetch(config, tmp_path / "content")
    before = tree(tmp_path / "content")
    instance.fail_with = failure
    instance.add(2)
    report = run_fetch(config, tmp_path / "content")["mastodon"]
    assert report.failed and report.error_kind == kind, report.error
    assert tree(tmp_path / "content") == before


def test_one_failing_source_does_not_stop_another(tmp_path, fake_server):
    good = MastodonFake(fake_server)
    good.add(1)
    with FakeServer() as broken_server:
        broken = MastodonFake(broken_server)
        broken.fail_with = Reply.json({"error": "boom"}, 503)
        sources = (source(good.base) + "  - name: broken\n    type: mastodon\n"
                   f"    instances: [{broken.base}]\n    timeout: 2\n    retries: 0\n")
        reports = run_fetch(fetch_config(tmp_path, sources), tmp_path / "content")
    assert reports["mastodon"].new == 1 and not reports["mastodon"].failed
    assert reports["broken"].failed and reports["broken"].error_kind == "server"


def test_a_lone_surrogate_in_platform_json_gives_a_post_file_that_reads_back(tmp_path, fake_server):
    # JSON may escape a lone surrogate ("\ud800"), and json.loads keeps it. PyYAML writes it as
    # "\uD800" but refuses it when reading: the file would be unreadable (check fails, then the
    # build). It becomes the replacement character, as a browser shows an undecodable byte.
    instance = MastodonFake(fake_server)
    instance.add(1, "Ich biete Hilfe \ud83d #EssenArbeitetZusammen", name="Backstube \ud800")
    config = fetch_config(tmp_path, source(instance.base))
    report = run_fetch(config, tmp_path / "content")["mastodon"]
    assert report.new == 1
    _, problems = check(tmp_path / "config.yaml", tmp_path / "content", demo_dir=None)
    assert not [str(problem) for problem in problems if problem.severity == "error"]
    (post,) = posts_in(tmp_path / "content").values()
    assert post.author.name == "Backstube \ufffd" and post.text.startswith("Ich biete Hilfe \ufffd #")


@pytest.mark.parametrize("field, value, kept", [
    ("url", "https://evil.example/@a/1 x", False),  # a post needs its address: left out
    ("account.url", "javascript:alert(1)", True),  # the rest: the post without the value
    ("language", "de_DE", True),
    ("account.avatar_static", "avatar.png", True),
    ("account.url", ["https://a.example"], True),
])
def test_a_status_with_a_field_the_post_schema_refuses_is_not_stored_as_an_unreadable_file(
        tmp_path, instance, field, value, kept):
    # A post file that is written but refused when read back fails `check` on the review pull
    # request, is never rewritten by fetch (unreadable), and once merged fails the whole build.
    status = instance.add(1)
    if field.startswith("account."):
        status["account"][field.split(".", 1)[1]] = value
    else:
        status[field] = value
    config = fetch_config(tmp_path, source(instance.base))
    run_fetch(config, tmp_path / "content")
    _, problems = check(tmp_path / "config.yaml", tmp_path / "content", demo_dir=None)
    assert not [str(problem) for problem in problems if problem.severity == "error"]
    assert len(posts_in(tmp_path / "content")) == (1 if kept else 0)


def test_a_fetched_post_whose_file_would_be_refused_is_left_out_with_a_warning(tmp_path, instance):
    # The last net under every connector: a value no connector check caught (here an id longer
    # than a post file takes) leaves that post out; the others are stored.
    instance.add(1)
    overlong = instance.add(2)
    overlong["uri"] = f"{instance.base}/users/a/statuses/{'2' * 300}"
    config = fetch_config(tmp_path, source(instance.base))
    report = run_fetch(config, tmp_path / "content")["mastodon"]
    assert (report.new, report.skipped) == (1, 1)
    assert any(warning.startswith(f"mastodon:{instance.server.host}:{'2' * 300}: left out: id:")
               for warning in report.warnings), report.warnings
    _, problems = check(tmp_path / "config.yaml", tmp_path / "content", demo_dir=None)
    assert problems == []
    assert list(posts_in(tmp_path / "content")) == [f"mastodon:{instance.server.host}:1"]


def test_a_post_keeps_at_most_ten_images(tmp_path, instance):
    instance.add(1, media=[image_attachment(instance.base, number, name=f"bild-{number}.webp")
                           for number in range(14)])
    report = run_fetch(fetch_config(tmp_path, source(instance.base)), tmp_path / "content")["mastodon"]
    (post,) = posts_in(tmp_path / "content").values()
    assert len(post.media) == 10
    assert f"{post.id}: the first 10 of its 14 images kept" in report.warnings
    downloads = instance.server.requests_to(r"/media/bild-.*")
    assert sorted(request.path for request in downloads) == sorted(f"/media/bild-{n}.webp" for n in range(10))


def test_a_post_erased_for_good_stays_out_once_its_id_is_denied(tmp_path, instance):
    # A deletion under the GDPR removes the file and, with git filter-repo, every trace in the
    # history, where fetch would otherwise see that an editor removed it. Whenever the source
    # reads the post again (here: from the start, as after its state was lost), the id in
    # moderation.deny.ids (docs/redaktion.md) keeps it out.
    from wall.editorial import add_deny_rule
    instance.add(1)
    config = fetch_config(tmp_path, source(instance.base))
    run_fetch(config, tmp_path / "content")
    (post,) = posts_in(tmp_path / "content").values()
    (tmp_path / "content" / post_filename(post.id)).unlink()
    (tmp_path / "content" / STATE_FILE).unlink()
    assert add_deny_rule(tmp_path / "config.yaml", "id", post.id)
    report = run_fetch(load_config(tmp_path / "config.yaml"), tmp_path / "content")["mastodon"]
    assert (report.new, report.skipped) == (0, 1)
    assert posts_in(tmp_path / "content") == {}
    (tmp_path / "config.yaml").write_text(FETCH_CONFIG.format(sources=source(instance.base), allow="[]",
                                          deny_authors="[]", deny_keywords="[]"), encoding="utf-8")
    (tmp_path / "content" / STATE_FILE).unlink()
    report = run_fetch(load_config(tmp_path / "config.yaml"), tmp_path / "content")["mastodon"]
    assert report.new == 1, "without the rule it would come back"


def test_a_post_already_on_the_wall_through_the_form_is_not_fetched_a_second_time(tmp_path, instance):
    # A company submits its post through "Beitrag einreichen" (or an editor adds it by hand), and
    # then the fetch finds the same post: one card, not two.
    status = instance.add(1)
    config = fetch_config(tmp_path, source(instance.base))
    submitted = Post(id="manual:einreichung-7", platform="manual", url=status["url"] + "/",  # as typed in the form
                     author=Author(name="Backstube Krümel"), published=datetime(2020, 3, 23, tzinfo=timezone.utc),
                     text="Wir bieten Brot", status="approved")
    write_post(tmp_path / "content", submitted)
    report = run_fetch(config, tmp_path / "content")["mastodon"]
    assert (report.new, report.skipped) == (0, 1)
    assert f"mastodon:{instance.server.host}:1: left out: manual:einreichung-7 shows the same address ({status['url']})" \
        in report.warnings
    assert list(posts_in(tmp_path / "content")) == ["manual:einreichung-7"]


def test_an_image_on_the_deny_list_is_not_stored_again_even_with_no_history(tmp_path, instance):
    # After the history was cleaned of a deleted avatar (docs/betrieb.md), only deny.images knows it.
    instance.add(1)
    config = fetch_config(tmp_path, source(instance.base))
    run_fetch(config, tmp_path / "content")
    avatar = posts_in(tmp_path / "content")[f"mastodon:{instance.server.host}:1"].author.avatar
    (tmp_path / "content" / avatar).unlink()
    path = tmp_path / "config.yaml"
    path.write_text(path.read_text(encoding="utf-8") + f'    images: ["{avatar}"]\n', encoding="utf-8")
    config = load_config(path)
    assert config.moderation.deny_images == (avatar,)
    instance.add(2, "Ich biete Brötchen #EssenArbeitetZusammen")
    report = run_fetch(config, tmp_path / "content")["mastodon"]
    assert report.new == 1 and any("withdrawn by the editors" in warning for warning in report.warnings)
    assert posts_in(tmp_path / "content")[f"mastodon:{instance.server.host}:2"].author.avatar == ""
    assert not (tmp_path / "content" / avatar).exists()


def test_an_author_who_wants_no_picture_gets_none_and_theirs_is_not_even_downloaded(tmp_path, instance):
    # Someone asked for their picture to go for good, whatever picture they choose next.
    account = instance.add(1)["account"]
    account["avatar"] = account["avatar_static"] = f"{instance.base}/media/kruemel-neu.png"
    instance.add(2, user="baeckerei", name="Bäckerei Heimat")
    config = fetch_config(tmp_path, source(instance.base))
    path = tmp_path / "config.yaml"
    path.write_text(path.read_text(encoding="utf-8") + f'    avatars: ["@kruemel@{instance.server.host}"]\n',
                    encoding="utf-8")
    config = load_config(path)
    report = run_fetch(config, tmp_path / "content")["mastodon"]
    assert report.new == 2 and not report.warnings
    posts = posts_in(tmp_path / "content")
    assert posts[f"mastodon:{instance.server.host}:1"].author.avatar == ""
    assert posts[f"mastodon:{instance.server.host}:2"].author.avatar.startswith("media/")
    assert instance.server.requests_to(r"/media/kruemel.*") == [], "not even downloaded"
