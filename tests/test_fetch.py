"""The fetch stage as a whole: state, idempotency, protected files, the command line."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Callable

import pytest

from connectors import REGISTRY, ConnectorError
from connectors.mastodon import MastodonConnector
from wall.config import Category
from wall.media import used_media
from wall.merge import suggest_category
from wall.post import post_filename
from wall.state import read_state
from wall.store import load_content

from .conftest import ROOT, VALID_POST, fetch_config, run_fetch, tree, webp_bytes, write
from .fake_mastodon import MastodonFake, image_attachment
from .fakes import FakeServer, Reply



def mastodon_source(base: str, name: str = "mastodon") -> str:
    return f"  - name: {name}\n    type: mastodon\n    instances: [{base}]\n    timeout: 2\n    retries: 0\n"


@pytest.fixture
def instance(fake_server) -> MastodonFake:
    fake = MastodonFake(fake_server)
    fake.add(1)
    return fake


def test_state_records_where_each_source_stopped_and_when_content_last_changed(tmp_path, instance):
    config = fetch_config(tmp_path, mastodon_source(instance.base))
    run_fetch(config, tmp_path / "content")
    state = read_state(tmp_path / "content")
    assert state["last_fetch"] == "2020-04-01T12:00:00+00:00"
    assert state["sources"]["mastodon"]["newest"] == {f"{instance.server.host}/essenarbeitetzusammen": "1"}


def test_a_run_without_news_changes_nothing_not_even_the_state(tmp_path, instance):
    from datetime import datetime, timezone
    config = fetch_config(tmp_path, mastodon_source(instance.base))
    run_fetch(config, tmp_path / "content")
    before = tree(tmp_path / "content")
    run_fetch(config, tmp_path / "content", now=lambda: datetime(2020, 4, 2, tzinfo=timezone.utc))
    assert tree(tmp_path / "content") == before


def test_a_lost_state_file_costs_a_reread_but_no_duplicate(tmp_path, instance):
    config = fetch_config(tmp_path, mastodon_source(instance.base))
    run_fetch(config, tmp_path / "content")
    posts_before = sorted((tmp_path / "content/posts").rglob("*.yaml"))
    (tmp_path / "content/state.yaml").unlink()
    report = run_fetch(config, tmp_path / "content")["mastodon"]
    assert report.new == 0
    assert sorted((tmp_path / "content/posts").rglob("*.yaml")) == posts_before


def test_a_post_file_with_errors_is_never_overwritten(tmp_path, instance):
    config = fetch_config(tmp_path, mastodon_source(instance.base))
    run_fetch(config, tmp_path / "content")
    path = next((tmp_path / "content/posts/mastodon").glob("*.yaml"))
    path.write_text("id: [kaputt\n", encoding="utf-8")
    (tmp_path / "content/state.yaml").unlink()
    report = run_fetch(config, tmp_path / "content")["mastodon"]
    assert path.read_text(encoding="utf-8") == "id: [kaputt\n"
    assert any("has errors; left as it is" in warning for warning in report.warnings)


def test_posts_dated_in_the_future_are_left_out_with_a_warning(tmp_path, instance):
    # A post dated ahead would stay on top of the wall; a platform's clock may run a little ahead.
    instance.add(2)["created_at"] = "2020-04-03T12:00:00.000Z"  # the run is at 2020-04-01 12:00 UTC
    instance.add(3)["created_at"] = "2020-04-02T11:00:00.000Z"
    config = fetch_config(tmp_path, mastodon_source(instance.base))
    report = run_fetch(config, tmp_path / "content")["mastodon"]
    host = instance.server.host
    assert report.new == 2
    assert report.warnings == [f"mastodon:{host}:2: left out: published 2020-04-03T12:00:00+00:00 is before 2000 "
                               "or in the future"]
    assert {post.id for post in load_content(tmp_path / "content", ["angebot", "gesuch"]).posts} == {
        f"mastodon:{host}:1", f"mastodon:{host}:3"}


def test_every_text_arrives_without_control_characters_and_at_most_20000_long(tmp_path, instance):
    text = "Hallo\x1b[2J Essen\u202e #EssenArbeitetZusammen " + "x" * 25_000
    instance.add(2, text, name="Anna\x1b]0;titel\x07", spoiler="Achtung\x1b[31m",
                 media=[image_attachment(instance.base, 2, alt="Brot\x00 im Regal")])
    config = fetch_config(tmp_path, mastodon_source(instance.base))
    report = run_fetch(config, tmp_path / "content")["mastodon"]
    post_id = f"mastodon:{instance.server.host}:2"
    assert report.warnings == [f"{post_id}: text cut to 20,000 of its 25,038 characters"]
    post = next(post for post in load_content(tmp_path / "content", ["angebot", "gesuch"]).posts if post.id == post_id)
    assert post.text == ("Hallo[2J Essen #EssenArbeitetZusammen " + "x" * 25_000)[:20_000]
    assert (post.author.name, post.content_warning, post.media[0].alt) == ("Anna]0;titel", "Achtung[31m",
                                                                           "Brot im Regal")


def test_a_new_post_never_writes_over_another_post_with_the_same_file_name(tmp_path, instance):
    # The status's id is no safe name (':'), so its name ends in a hash; another id can spell that name out.
    host = instance.server.host
    name = post_filename(f"mastodon:{host}:1").removeprefix("posts/mastodon/").removesuffix(".yaml")
    other = write(tmp_path / f"content/posts/mastodon/{name}.yaml",
                  VALID_POST.replace("id: x:1\nplatform: x", f"id: mastodon:{name}\nplatform: mastodon"))
    report = run_fetch(fetch_config(tmp_path, mastodon_source(instance.base)), tmp_path / "content")["mastodon"]
    assert report.new == 0
    assert report.warnings == [f"mastodon:{host}:1: left out: another post has its page and file name "
                               f"(mastodon-{name})"]
    assert other.read_text(encoding="utf-8").startswith(f"id: mastodon:{name}\n")


def test_new_posts_can_arrive_approved_for_the_review_pull_request(tmp_path, instance):
    config = fetch_config(tmp_path, mastodon_source(instance.base))
    run_fetch(config, tmp_path / "content", new_status="approved")
    path = next((tmp_path / "content/posts/mastodon").glob("*.yaml"))
    assert "status: approved" in path.read_text(encoding="utf-8")


def test_posts_deleted_on_one_source_leave_another_sources_new_images_alone(tmp_path):
    with FakeServer() as first_server, FakeServer() as second_server:
        first, second = MastodonFake(first_server), MastodonFake(second_server)
        first.add(1)
        config = fetch_config(tmp_path, mastodon_source(first.base, "eins") + mastodon_source(second.base, "zwei"))
        content = tmp_path / "content"
        run_fetch(config, content)
        first.statuses.clear()
        first.deleted.add("1")
        second.add(5, media=[image_attachment(second.base, 5)])
        reports = run_fetch(config, content)
        loaded = load_content(content, ["angebot", "gesuch"])
    assert (reports["eins"].removed, reports["zwei"].new) == (1, 1)
    assert [str(problem) for problem in loaded.errors] == []
    (post,) = loaded.posts
    assert post.media[0].path and post.author.avatar


def test_a_source_that_never_finishes_is_left_behind_and_the_others_are_written(tmp_path, instance):
    with FakeServer() as slow_server:
        slow = MastodonFake(slow_server)
        # A byte every 0.5 s: each read is well within the timeout, the whole answer takes half a minute.
        slow.fail_with = Reply(200, b"[" + b" " * 60 + b"]", {"Content-Type": "application/json"}, dribble=0.5)
        config = fetch_config(tmp_path, mastodon_source(slow.base, "langsam") + mastodon_source(instance.base))
        started = time.monotonic()
        reports = run_fetch(config, tmp_path / "content", time_limit=2)
        assert time.monotonic() - started < 15
    assert reports["langsam"].failed and "not finished after 2 s" in reports["langsam"].error
    assert (reports["mastodon"].new, reports["mastodon"].error) == (1, "")
    assert len(list((tmp_path / "content/posts/mastodon").glob("*.yaml"))) == 1
    assert "langsam" not in read_state(tmp_path / "content")["sources"]


def test_a_pages_images_are_stored_while_the_next_page_loads(tmp_path, fake_server):
    fake = MastodonFake(fake_server, page_size=1)
    fake.add(1, media=[image_attachment(fake.base, 1, name="eins.webp")])
    fake.add(2, media=[image_attachment(fake.base, 2, name="zwei.webp")])  # newest: on the first page
    first_page_image = threading.Event()
    answered_after_it: list[bool] = []
    timeline, media = fake.timeline, fake.media

    def image(request):
        if request.groups["name"] == "zwei.webp":
            first_page_image.set()
        return media(request)

    def next_page_waits_a_while_for_that_image(request):
        if request.arg("max_id"):
            answered_after_it.append(first_page_image.wait(5))
        return timeline(request)

    fake_server.route("GET", r"/media/(?P<name>[^/]+)")(image)
    fake_server.route("GET", r"/api/v1/timelines/tag/(?P<tag>[^/]+)")(next_page_waits_a_while_for_that_image)
    reports = run_fetch(fetch_config(tmp_path, mastodon_source(fake.base)), tmp_path / "content")
    assert answered_after_it and all(answered_after_it)  # the image came before the next page was answered
    assert reports["mastodon"].new == 2
    assert all(post.media[0].path for post in load_content(tmp_path / "content", ["angebot", "gesuch"]).posts)


def test_a_source_s_images_download_several_at_once_and_a_shared_avatar_once(tmp_path, fake_server):
    fake = MastodonFake(fake_server, page_size=4)
    for number in range(1, 5):  # one author: the same avatar on each post
        fake.add(number, media=[image_attachment(fake.base, number, name=f"bild-{number}.webp")])
    two_at_once = threading.Barrier(2, timeout=1)  # well within the source's timeout of 2 s
    met: list[bool] = []
    media = fake.media

    def image(request):
        if request.groups["name"].startswith("bild-"):
            try:
                two_at_once.wait()  # passes only when another image is being asked for meanwhile
                met.append(True)
            except threading.BrokenBarrierError:
                met.append(False)
        elif request.groups["name"] == "avatar.png":
            time.sleep(0.3)  # long enough for every post's thread to want it meanwhile
        return media(request)

    fake_server.route("GET", r"/media/(?P<name>[^/]+)")(image)
    reports = run_fetch(fetch_config(tmp_path, mastodon_source(fake.base)), tmp_path / "content")
    assert reports["mastodon"].new == 4
    assert met == [True] * 4  # two pairs, each downloaded at the same time
    assert len(fake_server.requests_to("/media/avatar.png")) == 1  # the others waited for that download
    posts = load_content(tmp_path / "content", ["angebot", "gesuch"]).posts
    assert len({post.author.avatar for post in posts}) == 1 and all(post.media[0].path for post in posts)


class SecondThoughts(MastodonConnector):
    """Hands each post over as it reads it, then thinks again: leaves out status 3, rewords
    status 2, or (with fail) fails after all, once status 3's image was asked for."""

    fail = False
    image_asked = threading.Event()

    def fetch(self, known):
        result = super().fetch(known)
        if self.fail:
            self.image_asked.wait(5)
            raise ConnectorError("Abbruch nach der letzten Seite", kind="server")
        result.posts = [replace(post, text=post.text + " Nachtrag") if post.id.endswith(":2") else post
                        for post in result.posts if not post.id.endswith(":3")]
        return result


@pytest.mark.parametrize("fail", [False, True])
def test_what_a_connector_returns_counts_not_what_it_handed_over_before(tmp_path, fake_server, monkeypatch, fail):
    monkeypatch.setitem(REGISTRY, "mastodon", f"{__name__}:SecondThoughts")
    monkeypatch.setattr(SecondThoughts, "fail", fail)
    monkeypatch.setattr(SecondThoughts, "image_asked", threading.Event())
    fake = MastodonFake(fake_server)
    for number in (1, 2, 3):
        fake.add(number, media=[image_attachment(fake.base, number, name=f"{number}.webp")])

    def image(request):  # an image of its own for each
        if request.groups["name"] == "3":
            SecondThoughts.image_asked.set()
        return Reply(200, webp_bytes(60 + int(request.groups["name"]), 40), {"Content-Type": "image/webp"})

    fake_server.route("GET", r"/media/(?P<name>\d)\.webp")(image)
    reports = run_fetch(fetch_config(tmp_path, mastodon_source(fake.base)), tmp_path / "content")
    posts = {post.id[-1]: post for post in load_content(tmp_path / "content", ["angebot", "gesuch"]).posts}
    assert len(fake_server.requests_to(r"/media/3\.webp")) == 1  # handed over, so its image was stored
    stored = {path.relative_to(tmp_path / "content").as_posix()
              for path in (tmp_path / "content/media").rglob("*.webp")}
    if fail:
        assert reports["mastodon"].failed and posts == {} and stored == set()
    else:
        assert sorted(posts) == ["1", "2"] and posts["2"].text.endswith("Nachtrag")
        assert stored == used_media(posts.values()) - {""} and len(stored) == 3  # two images and the avatar


@pytest.mark.parametrize("text, category", [
    ("Ich biete Masken an", "angebot"), ("WIR SUCHEN Lagerfläche", "gesuch"),
    ("Hallo Essen", ""), ("Ich bietet", ""),
])
def test_category_is_suggested_from_keywords(text, category):
    categories = (Category("angebot", "Angebot", ("ich biete", "wir bieten")),
                  Category("gesuch", "Gesuch", ("ich suche", "wir suchen")))
    assert suggest_category(text, categories) == category


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "generate.py"), "fetch", *args],
                          capture_output=True, text=True, timeout=120)


def test_cli_exit_codes_and_summary(tmp_path, instance):
    config = fetch_config(tmp_path, mastodon_source(instance.base) + mastodon_source("http://127.0.0.1:9", "broken"))
    content = tmp_path / "content"
    ok = run_cli("--config", config.path, "--content", str(content), "--only", "mastodon")
    assert ok.returncode == 0, ok.stderr
    assert "mastodon: 1 new, 0 updated" in ok.stderr and "1 sources: 1 new, 0 updated, 0 failed" in ok.stderr
    partly = run_cli("--config", config.path, "--content", str(content))
    assert partly.returncode == 2
    assert "broken: FAILED (network)" in partly.stderr and "1 failed (broken)" in partly.stderr
    unknown = run_cli("--config", config.path, "--content", str(content), "--only", "nope")
    assert unknown.returncode == 1 and "no source named nope" in unknown.stderr


def test_cli_config_error_exits_1(tmp_path):
    (tmp_path / "config.yaml").write_text("site: {title: W, base_url: https://w.example/}\nsources:\n"
                                          "  - name: m\n    type: mastodon\n    instances: [ftp://x]\n",
                                          encoding="utf-8")
    result = run_cli("--config", str(tmp_path / "config.yaml"), "--content", str(tmp_path / "content"))
    assert result.returncode == 1
    assert "config.yaml:5: sources[0].instances: erwartet: http- oder https-Adressen, gefunden: 'ftp://x'" in result.stderr


def test_a_fetch_killed_after_removing_a_deleted_post_leaves_none_of_its_images(tmp_path):
    # A post deleted upstream is removed "with its media at the next fetch". The fetch unlinks
    # the post file first and removes unused media only after every source is written. Killed
    # in between (runner timeout, OOM), the post file is gone, so no later fetch sees the post
    # as deleted again, and remove_unused_media (which runs only when a post left) never comes.
    from .crash import KILLED, generate
    from .fake_mastodon import image_attachment
    with FakeServer() as server:
        fake = MastodonFake(server)
        fake.add(1, media=[image_attachment(fake.base, 1)])
        fetch_config(tmp_path, mastodon_source(fake.base))
        fetch = ("fetch", "--config", "config.yaml", "--content", "content")
        assert generate(tmp_path, *fetch).returncode == 0
        media = sorted(path.name for path in (tmp_path / "content/media").rglob("*.webp"))
        assert media, "the post's image and avatar were stored"
        fake.statuses.clear()
        fake.deleted.add("1")  # the author deleted it
        killed = generate(tmp_path, *fetch, kill_when=(
            "def should_kill(event, args):\n"
            "    if seen:\n"
            "        return True\n"
            "    if event == 'os.remove' and str(args[0]).endswith('.yaml'):\n"
            "        seen.append(args)\n"
            "    return False\n"))
        assert killed.returncode == KILLED, killed.stderr
        assert not list((tmp_path / "content/posts").rglob("*.yaml")), "the post file is gone"
        assert generate(tmp_path, *fetch).returncode == 0  # the next run, complete
    left = sorted(path.name for path in (tmp_path / "content/media").rglob("*") if path.is_file())
    assert left == [], "images of a post its author deleted stay in content/ (and in git) for good"


def test_a_fetch_removes_what_a_killed_run_was_writing(tmp_path):
    with FakeServer() as server:
        fake = MastodonFake(server)
        fake.add(1)
        config = fetch_config(tmp_path, mastodon_source(fake.base))
        halves = [tmp_path / "content/posts/mastodon/.a.yaml.partial-k1ll3d", tmp_path / "content/.state.yaml.partial-x",
                  tmp_path / "content/media/ab/.abcd.webp.partial-y"]
        for half in halves:
            write(half, "halb")
        report = run_fetch(config, tmp_path / "content")["mastodon"]
    assert report.new == 1
    assert [half for half in halves if half.exists()] == []


def media_files(content: Path) -> set[str]:
    return {path.relative_to(content).as_posix() for path in (content / "media").rglob("*") if path.is_file()}


def media_used(content: Path) -> set[str]:
    """What the post files in content/ refer to, as a build reads them."""
    return used_media(load_content(content, ["angebot", "gesuch"]).posts)


def deleted_upstream_between_two_fetches(tmp_path: Path, meanwhile: Callable[[Path], object]):
    """Fetch two posts with an image each, call meanwhile(content/), delete the older post upstream
    and fetch again: the second fetch's report, and the media files after the first."""
    content = tmp_path / "content"
    with FakeServer() as server:
        fake = MastodonFake(server)
        colours = {"eins.webp": (200, 20, 20), "zwei.webp": (20, 200, 20)}
        server.route("GET", r"/media/(?P<name>[^/]+)")(lambda request: Reply(
            200, webp_bytes(60, 40, colours.get(request.groups["name"], (20, 20, 200))),
            {"Content-Type": "image/webp"}))
        fake.add(1, media=[image_attachment(fake.base, 1, name="eins.webp")])
        fake.add(2, media=[image_attachment(fake.base, 2, name="zwei.webp")])
        config = fetch_config(tmp_path, mastodon_source(fake.base))
        run_fetch(config, content)
        first = media_files(content)
        meanwhile(content)
        fake.statuses.pop()
        fake.deleted.add("1")
        return run_fetch(config, content)["mastodon"], first


def test_a_fetch_removes_the_images_no_post_uses_any_more_and_keeps_every_other(tmp_path):
    report, first = deleted_upstream_between_two_fetches(tmp_path, lambda content: write(
        content / "media/ff/ffff0000.webp", webp_bytes()))  # stored by a run killed before its post
    assert len(first) == 3, "two images and the author's picture"
    assert report.removed == 1
    assert media_files(tmp_path / "content") == media_used(tmp_path / "content")
    assert len(media_files(tmp_path / "content")) == 2


def test_a_fetch_removes_no_image_while_a_post_file_cannot_be_read(tmp_path):
    _, first = deleted_upstream_between_two_fetches(tmp_path, lambda content: write(
        content / "posts/manual/kaputt.yaml", "id: [nicht geschlossen\n"))  # it might use any image
    assert media_files(tmp_path / "content") == first


def test_a_fetch_into_a_wall_read_by_several_processes_knows_every_stored_post(tmp_path, instance):
    from wall.store import PARALLEL_FROM
    content = tmp_path / "content"
    config = fetch_config(tmp_path, mastodon_source(instance.base))
    run_fetch(config, content)
    for number in range(1, PARALLEL_FROM + 2):  # enough to be read by forked workers
        post = VALID_POST.replace("x:1", f"x:{number}").replace("status/1", f"status/{number}")
        write(content / post_filename(f"x:{number}"), post)
    before = tree(content)
    report = run_fetch(config, content)["mastodon"]
    assert (report.new, report.unchanged) == (0, 1)
    assert tree(content) == before
