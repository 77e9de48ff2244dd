"""The review loop with real git: a fetch on the review branch, an editor's commits, the next run."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest

from wall.config import load_config
from wall.fetch import SourceReport, fetch
from wall.post import Author, Media, Post
from wall import landing, review, review_pr
from wall.landing import land_removals
from wall.review import REVIEW_BRANCH, Git, commit_review, start_review
from wall.review_pr import posts_for_review, pr_body
from wall.store import load_content

from .conftest import FETCH_CONFIG
from .fake_mastodon import MastodonFake, image_attachment, make_status


def git(folder: Path, *args: str) -> str:
    result = subprocess.run(["git", "-C", str(folder), "-c", "user.name=Test", "-c", "user.email=t@example.org",
                             *args], capture_output=True, text=True, check=True)
    return result.stdout


def bare_origin(tmp_path: Path, sources: str) -> Path:
    """A bare 'GitHub' repository whose main holds a config.yaml with these sources."""
    bare = tmp_path / "origin.git"
    subprocess.run(["git", "init", "--quiet", "--bare", "--initial-branch=main", str(bare)], check=True)
    git(bare, "config", "uploadpack.allowFilter", "true")  # as GitHub: partial clones
    seed = tmp_path / "seed"
    subprocess.run(["git", "clone", "--quiet", str(bare), str(seed)], check=True, capture_output=True)
    (seed / "config.yaml").write_text(FETCH_CONFIG.format(sources=sources, allow="[]", deny_authors="[]",
                                                         deny_keywords="[]"), encoding="utf-8")
    (seed / "content/posts").mkdir(parents=True)
    (seed / "content/posts/.gitkeep").write_text("", encoding="utf-8")
    git(seed, "add", "-A")
    git(seed, "commit", "--quiet", "-m", "start")
    git(seed, "push", "--quiet", "origin", "main")
    return bare


@pytest.fixture
def origin(tmp_path, fake_server):
    """A bare 'GitHub' repository whose main holds a config pointing at a fake Mastodon instance."""
    instance = MastodonFake(fake_server)
    sources = (f"  - name: mastodon\n    type: mastodon\n    instances: [{instance.base}]\n"
               "    timeout: 2\n    retries: 0\n")
    return bare_origin(tmp_path, sources), instance


def workflow_clone(bare: Path, work: Path) -> None:
    """The fetch workflow's checkout: all commits, file contents only as needed (a blobless clone)."""
    subprocess.run(["git", "clone", "--quiet", "--filter=blob:none", bare.as_uri(), str(work)], check=True,
                   capture_output=True)
    assert git(work, "config", "remote.origin.promisor").strip() == "true"  # really partial


def scheduled_run(tmp_path: Path, bare: Path, name: str, day: int) -> tuple[Path, bool, bool]:
    """What the fetch workflow does: fresh clone, review branch, fetch, commit, push."""
    work = tmp_path / name
    workflow_clone(bare, work)
    start = start_review(Git(work))
    config = load_config(work / "config.yaml")
    fetch(config, work / "content", new_status="approved", max_wait=1,
          now=lambda: datetime(2020, 4, day, 6, tzinfo=timezone.utc))
    changed = commit_review(Git(work), f"Neue Beiträge vom {day}. April 2020")
    existed = start.existed
    if changed or start.settled:
        git(work, "push", "--quiet", "origin", REVIEW_BRANCH)
    return work, existed, changed


def editor_clone(tmp_path: Path, bare: Path) -> Path:
    work = tmp_path / "editor"
    subprocess.run(["git", "clone", "--quiet", "--branch", REVIEW_BRANCH, str(bare), str(work)],
                   check=True, capture_output=True)
    return work


def post_files(work: Path) -> list[str]:
    return sorted(p.name for p in (work / "content/posts/mastodon").glob("*.yaml"))


def test_editor_commits_survive_and_deleted_posts_never_return(tmp_path, origin):
    bare, instance = origin
    for number in (1, 2, 3):
        instance.add(number, f"Ich biete Nr. {number} #EssenArbeitetZusammen")
    first, existed, changed = scheduled_run(tmp_path, bare, "run1", 1)
    assert (existed, changed) == (False, True)
    names = post_files(first)
    assert len(names) == 3

    editor = editor_clone(tmp_path, bare)
    keep, drop = editor / "content/posts/mastodon" / names[0], editor / "content/posts/mastodon" / names[1]
    keep.write_text(keep.read_text(encoding="utf-8").replace("category: angebot", "category: gesuch"),
                    encoding="utf-8")
    rejected = drop.read_text(encoding="utf-8").split("\n", 1)[0].rsplit(":", 1)[1]
    drop.unlink()
    git(editor, "commit", "--quiet", "-am", "Redaktion: Kategorie geändert, einen Beitrag abgelehnt")
    git(editor, "push", "--quiet", "origin", REVIEW_BRANCH)

    instance.add(4, "Ich suche Lager #EssenArbeitetZusammen")
    (first / "content/state.yaml").unlink()  # even a full re-read must not bring the rejected post back
    second, existed, changed = scheduled_run(tmp_path, bare, "run2", 2)
    assert (existed, changed) == (True, True)
    assert names[1] not in post_files(second), "a deleted post never comes back"
    assert len(post_files(second)) == 3
    assert "category: gesuch" in (second / "content/posts/mastodon" / names[0]).read_text(encoding="utf-8")
    log = git(second, "log", "--format=%s", REVIEW_BRANCH)
    assert "Redaktion: Kategorie geändert, einen Beitrag abgelehnt" in log

    config = load_config(second / "config.yaml")
    review = posts_for_review(second / "content", config)
    numbers = [item.post.id.rsplit(":", 1)[1] for item in review]
    assert numbers[0] == "4" and sorted(numbers) == sorted({"1", "2", "3", "4"} - {rejected})


def test_a_run_without_new_posts_commits_nothing(tmp_path, origin):
    bare, instance = origin
    instance.add(1)
    scheduled_run(tmp_path, bare, "run1", 1)
    _, existed, changed = scheduled_run(tmp_path, bare, "run2", 2)
    assert (existed, changed) == (True, False)
    assert git(tmp_path / "run2", "rev-parse", "HEAD") == git(bare, "rev-parse", REVIEW_BRANCH)


def test_posts_merged_into_main_are_not_proposed_again(tmp_path, origin):
    bare, instance = origin
    instance.add(1)
    run, _, _ = scheduled_run(tmp_path, bare, "run1", 1)
    git(run, "switch", "--quiet", "main")
    git(run, "merge", "--quiet", "--no-edit", REVIEW_BRANCH)
    git(run, "push", "--quiet", "origin", "main")
    instance.add(2)
    second, _, changed = scheduled_run(tmp_path, bare, "run2", 2)
    assert changed
    review = posts_for_review(second / "content", load_config(second / "config.yaml"))
    assert [(item.post.id.rsplit(":", 1)[1], item.new) for item in review] == [("2", True)]


def merge_into_main(work: Path) -> None:
    """An editor merges the review pull request (a merge commit, as GitHub's "Merge pull request")."""
    git(work, "switch", "--quiet", "main")
    git(work, "merge", "--quiet", "--no-edit", "--no-ff", REVIEW_BRANCH)
    git(work, "push", "--quiet", "origin", "main")


def test_post_files_changed_on_main_and_by_the_fetch_do_not_stop_the_next_run(tmp_path, origin):
    bare, instance = origin
    instance.add(1, "Ich biete Masken #EssenArbeitetZusammen")
    instance.add(2, "Ich biete Kisten #EssenArbeitetZusammen")
    first, _, _ = scheduled_run(tmp_path, bare, "run1", 1)
    edited, dropped = post_files(first)
    merge_into_main(first)
    instance.statuses[-1] = make_status(instance.base, 1, "Ich biete FFP2-Masken #EssenArbeitetZusammen",
                                        edited_at="2020-04-02T05:00:00.000Z")  # the oldest: number 1
    second, _, changed = scheduled_run(tmp_path, bare, "run2", 2)  # the edit waits in the pull request
    assert changed
    editor = editor_clone(tmp_path, bare)  # in the pull request, an editor rejects post 2 by deleting it
    (editor / "content/posts/mastodon" / dropped).unlink()
    git(editor, "commit", "--quiet", "-am", "Redaktion: Beitrag 2 abgelehnt")
    git(editor, "push", "--quiet", "origin", REVIEW_BRANCH)
    git(editor, "switch", "--quiet", "main")  # meanwhile, on main, a removal request and a note
    for name, note in ((edited, "Entfernung beantragt"), (dropped, "geprüft")):
        path = editor / "content/posts/mastodon" / name
        text = path.read_text(encoding="utf-8").replace("status: approved", "status: rejected" if name == edited
                                                        else "status: approved")
        path.write_text(text + f"note: {note}\n", encoding="utf-8")
    git(editor, "commit", "--quiet", "-am", "Redaktion: Entfernung auf Wunsch")
    git(editor, "push", "--quiet", "origin", "main")

    third, existed, _ = scheduled_run(tmp_path, bare, "run3", 3)
    assert existed
    on_main = git(bare, "show", f"main:content/posts/mastodon/{edited}")
    assert (third / "content/posts/mastodon" / edited).read_text(encoding="utf-8") == on_main
    assert dropped not in post_files(third), "the rejection in the pull request stands"
    assert git(third, "status", "--porcelain") == ""
    assert git(bare, "rev-parse", REVIEW_BRANCH) == git(third, "rev-parse", "HEAD")
    review = posts_for_review(third / "content", load_config(third / "config.yaml"))
    assert review == [], "a rejected post is not proposed again"


def test_a_conflict_outside_post_files_is_left_to_an_editor(tmp_path, origin):
    bare, instance = origin
    instance.add(1)
    scheduled_run(tmp_path, bare, "run1", 1)
    editor = editor_clone(tmp_path, bare)
    for branch, word in ((REVIEW_BRANCH, "Spam-Eins"), ("main", "Spam-Zwei")):
        git(editor, "switch", "--quiet", branch)
        config = editor / "config.yaml"
        config.write_text(config.read_text(encoding="utf-8").replace("keywords: []", f"keywords: [{word}]"),
                          encoding="utf-8")
        git(editor, "commit", "--quiet", "-am", f"Sperre {word}")
        git(editor, "push", "--quiet", "origin", branch)
    work = tmp_path / "run2"
    workflow_clone(bare, work)
    with pytest.raises(review.ReviewError, match="config.yaml"):
        start_review(Git(work))
    assert git(work, "status", "--porcelain") == "", "the merge is undone"


def deleted_upstream(tmp_path: Path, bare: Path, instance: MastodonFake, count: int) -> Path:
    """count posts approved on main, then deleted upstream; a clone with the next fetch done, not committed."""
    statuses = [instance.add(number) for number in range(1, count + 2)]
    run, _, _ = scheduled_run(tmp_path, bare, "run1", 1)
    git(run, "switch", "--quiet", "main")
    git(run, "merge", "--quiet", "--no-edit", REVIEW_BRANCH)
    git(run, "push", "--quiet", "origin", "main")
    for status in statuses[:count]:
        instance.statuses.remove(status)
        instance.deleted.add(status["id"])
    work = tmp_path / "run2"
    workflow_clone(bare, work)
    start_review(Git(work))
    fetch(load_config(work / "config.yaml"), work / "content", new_status="approved", max_wait=1,
          now=lambda: datetime(2020, 4, 2, 6, tzinfo=timezone.utc))
    return work


def main_posts(bare: Path) -> list[str]:
    return git(bare, "ls-tree", "-r", "--name-only", "main", "content/posts/mastodon").split()


def test_many_posts_deleted_upstream_at_once_wait_for_an_editor(tmp_path, origin, monkeypatch):
    monkeypatch.setattr(landing, "AUTO_REMOVAL_LIMIT", 2)
    bare, instance = origin
    work = deleted_upstream(tmp_path, bare, instance, 3)
    before = main_posts(bare)
    removals = land_removals(Git(work / "content"), {"angebot", "gesuch", "idee", "info"})
    assert removals.landed == () and len(removals.waiting) == 3
    assert main_posts(bare) == before and len(before) == 4
    assert "3 Beiträge der Wall – dort gelöscht oder verborgen" in pr_body([], [], load_config(work / "config.yaml"),
                                                                          removals)


def test_posts_a_platform_reported_deleted_by_mistake_come_back_when_it_lists_them_again(tmp_path, origin,
                                                                                         monkeypatch):
    monkeypatch.setattr(landing, "AUTO_REMOVAL_LIMIT", 2)
    bare, instance = origin
    work = deleted_upstream(tmp_path, bare, instance, 3)  # 3 of 4 reported deleted: too many, they wait
    land_removals(Git(work / "content"), {"angebot", "gesuch", "idee", "info"})
    assert commit_review(Git(work), "Neue Beiträge vom 2. April 2020")
    git(work, "push", "--quiet", "origin", REVIEW_BRANCH)
    assert len(post_files(work)) == 1
    for number in (1, 2, 3):  # the platform's hiccup is over: it lists them again
        instance.deleted.discard(str(number))
        instance.add(number)
    (work / "content/state.yaml").unlink()  # and they are read again (here: from the start)
    assert commit_review(Git(work), "Neu lesen")
    git(work, "push", "--quiet", "origin", REVIEW_BRANCH)
    again, _, _ = scheduled_run(tmp_path, bare, "run3", 3)
    assert len(post_files(again)) == 4, "the bot's deletions are no rejection"
    assert sorted(post_files(again)) == sorted(name.rsplit("/", 1)[1] for name in main_posts(bare))


def test_removals_wait_for_an_editor_when_main_refuses_the_push(tmp_path, origin):
    bare, instance = origin
    work = deleted_upstream(tmp_path, bare, instance, 1)
    before = main_posts(bare)
    hook = bare / "hooks/pre-receive"  # as a protected branch answers
    hook.write_text("#!/bin/sh\necho 'main is protected' >&2\nexit 1\n", encoding="utf-8")
    hook.chmod(0o755)
    removals = land_removals(Git(work / "content"), {"angebot", "gesuch", "idee", "info"})
    assert removals.landed == () and len(removals.waiting) == 1 and removals.waiting[0] in before
    assert main_posts(bare) == before
    assert git(work, "worktree", "list").count("\n") == 1, "no worktree left behind"


def config_without_sources(folder: Path):
    text = FETCH_CONFIG.format(sources="  []", allow="[]", deny_authors="[]", deny_keywords="[]")
    (folder / "config.yaml").write_text(text.replace("sources:\n  []", "sources: []"), encoding="utf-8")
    return load_config(folder / "config.yaml")


def proposed(post: Post, new: bool = True) -> review_pr.Proposed:
    return review_pr.Proposed(post, f"content/posts/{post.platform}/{post.id.split(':')[-1]}.yaml", new)


def body_with(tmp_path: Path, author: Author, text: str) -> str:
    """The review pull request's description proposing one post by author with text."""
    hostile = Post(id="x:1", platform="x", url="https://x.com/a/status/1", author=author,
                   published=datetime(2020, 3, 23, tzinfo=timezone.utc), text=text, status="approved",
                   category="angebot")
    return pr_body([proposed(hostile)], [], config_without_sources(tmp_path),
                   files_at="https://github.com/ewg/wall/blob/b/")


def test_pull_request_text_cannot_be_turned_into_markup_mentions_or_links(tmp_path):
    body = body_with(tmp_path, Author(name="Evil | <img src=x onerror=alert(1)> @octocat", handle="a|b](javascript:x)"),
                     "[klick](javascript:alert(1)) <script>alert(1)</script> fixes #1 `code` ${{ secrets.X }}\n| a |")
    row = [line for line in body.splitlines() if line.startswith("| neu | X (Twitter)")][0]
    assert row.count(" | ") == 7, "the post cannot add table cells"
    assert "<script>" not in body and "<img" not in body
    assert "@octocat" not in body and "#1" not in body
    assert "](javascript:" not in body
    assert "[Original](https://x.com/a/status/1) · [Datei](https://github.com/ewg/wall/blob/b/content/posts/x/1.yaml)" in row


def post_number(number: int, **fields) -> Post:
    values = dict(id=f"mastodon:ruhr.social:{number}", platform="mastodon",
                  url=f"https://ruhr.social/@kruemel/{number}",
                  author=Author(name="Backstube Krümel", handle="@kruemel@ruhr.social"),
                  published=datetime(2020, 3, 23, number, tzinfo=timezone.utc), text=f"Ich biete Brot Nr. {number}",
                  status="approved", category="angebot")
    return Post(**(values | fields))


def test_the_description_says_what_is_new_changed_or_rejected_and_who_wrote_it(tmp_path):
    config = config_without_sources(tmp_path)
    items = [proposed(post_number(3)), proposed(post_number(2), new=False),
             proposed(post_number(1, status="rejected"))]
    body = pr_body(items, [], config)
    assert "**2 Beiträge** warten auf Ihre Prüfung (1 Beitrag haben Sie schon abgelehnt)." in body
    rows = [line.split(" | ")[0].lstrip("| ") for line in body.splitlines() if "Backstube" in line]
    assert rows == ["neu", "geändert", "neu, abgelehnt"]
    assert "Backstube Krümel (@\u200bkruemel@\u200bruhr.social)" in body, "the handle, for the deny list"
    assert "Datei" not in body.split("| Links |")[1], "no file links outside GitHub Actions"
    single = pr_body([proposed(post_number(3))], [], config)
    assert "**1 Beitrag** wartet auf Ihre Prüfung. **Mit dem Zusammenführen (Merge) dieses Pull Requests wird er " \
           "freigegeben** und erscheint" in single
    assert "Beiträge „geändert“" in body and "Beiträge „geändert“" not in single, "only when one is"
    assert "`category:` auf `angebot` oder `gesuch` setzen" in single
    none = pr_body([proposed(post_number(1, status="rejected"))], [], config)
    assert "**Kein Beitrag** wartet auf Ihre Freigabe (1 Beitrag haben Sie schon abgelehnt)." in none
    assert "0 Beiträge" not in none and "freigegeben**" not in none, "nothing to approve: no promise of it"


def test_the_image_count_leaves_out_images_on_the_deny_list(tmp_path):
    config = config_without_sources(tmp_path)
    config = replace(config, moderation=replace(config.moderation, deny_images=("media/ab/verboten.webp",)))
    images = (Media(path="media/ab/verboten.webp"), Media(path="media/cd/brot.webp"))
    body = pr_body([proposed(post_number(2, media=images), new=False)], [], config)
    row = [line for line in body.splitlines() if "Backstube" in line][0]
    assert row.split(" | ")[5] == "1", "the denied image is not shown, so it is not counted"


def test_the_fetch_report_and_settled_conflicts_are_told_in_german(tmp_path):
    config = config_without_sources(tmp_path)
    reports = [SourceReport(name="mastodon", type="mastodon", new=3, updated=1, unchanged=10, seconds=4.25),
               SourceReport(name="x", type="x", error="the environment variable X_BEARER_TOKEN is not set",
                            error_kind="missing_token"),
               SourceReport(name="bluesky", type="bluesky", error="HTTP 401 from bsky.social",
                            error_kind="auth")]
    body = pr_body([], reports, config, settled=("content/posts/mastodon/a-1.yaml",))
    report = body.split("### Abruf")[1]
    assert "**mastodon**: 3 neu, 1 geändert, 10 unverändert, 0 nach Regeln übersprungen" in report
    assert "**x**: nicht abgerufen, der Zugangsschlüssel fehlt" in report
    assert "**bluesky**: **fehlgeschlagen** (Zugang abgelehnt) – bitte der technischen Betreuung sagen" in report
    for english in ("new,", "FAILED", "skipped"):
        assert english not in report
    assert "**Gleichzeitig geändert:** 1 Beitrag wurde hier und auf `main` bearbeitet" in body
    assert "`a-1.yaml`" in body.split("### Abruf")[0]


def test_a_backlog_of_posts_keeps_the_description_within_githubs_limit(tmp_path):
    config = config_without_sources(tmp_path)
    posts = [proposed(Post(id=f"x:{number}", platform="x", url=f"https://x.com/a/status/{number}",
                           author=Author(name=f"Bäckerei Überruhr Nr. {number} GmbH & Co. KG"),
                           published=datetime(2020, 3, 23, tzinfo=timezone.utc).replace(minute=number % 60,
                                                                                       hour=number // 60),
                           text="Wir liefern Brötchen an Ältere und Kranke #EssenArbeitetZusammen @ewg " * 5,
                           status="approved", category="angebot"))
             for number in range(1_000)][::-1]  # newest first
    report = SourceReport(name="x", type="x", new=1_000)
    body = pr_body(posts, [report], config, files_at="https://github.com/ewg/wall/blob/redaktion%2Fneue-beitraege/")
    assert len(body.encode()) < 65_536
    rows = [line for line in body.splitlines() if line.startswith("| neu | X (Twitter)")]
    assert 100 < len(rows) < 1_000 and "Nr. 999 GmbH" in rows[0], "as many as fit, the newest first"
    assert f"… und {1_000 - len(rows)} Beiträge mehr (ältere)" in body
    assert body.rstrip().endswith(f"- {review_pr._report_line(report)}"), "the fetch report stays"
    assert "mehr (ältere)" not in pr_body(posts[:20], [report], config)


def test_pull_request_text_has_no_www_autolinks(tmp_path):
    # GitHub's Markdown links 'www.' + domain (GFM "extended www autolink") as it links 'http':
    # a post's text or author name would become a clickable link in the review pull request,
    # the page where editors decide with merge rights.
    import re
    body = body_with(tmp_path, Author(name="www.ewg-de.example", handle="a"),
                     "Zugang für die Redaktion erneuern: www.github-login.example/ewg (dringend, GH-12)")
    assert re.search(r"(?:^|[\s*_~(])www\.[\w-]+\.", body, re.MULTILINE) is None, body
    assert "GH-12" not in body and "GH\u200b-12" in body, "GitHub links GH-12 to issue 12"


def test_pull_request_text_has_no_www_autolink_after_an_underscore(tmp_path):
    # GFM starts an extended www autolink after whitespace or one of * _ ~ (.  _cell escapes
    # '_' as '\_', which GitHub reads as a literal '_' before 'www.'; AUTOLINKED_WORD needs a
    # word boundary (\b) before 'www', and '_' is a word character: no zero-width space goes in.
    import re
    body = body_with(tmp_path, Author(name="_www.ewg-de.example", handle="a"),
                     "Zugang erneuern: _www.github-login.example/ewg")
    assert re.search(r"(?:^|[\s*_~(])www\.[\w-]+\.", body, re.MULTILINE) is None, body


def stored_posts(work: Path) -> dict[str, Post]:
    return {post.id.rsplit(":", 1)[1]: post for post in load_content(work / "content", ["angebot", "gesuch"]).posts}


def test_an_avatar_an_editor_deleted_does_not_come_back_with_the_authors_next_post(tmp_path, origin):
    # docs/redaktion.md: a person asks for their picture to go; the editors delete the avatar's file.
    # The author's next post brings the same picture: it must not be stored again.
    bare, instance = origin
    instance.add(1, "Ich biete Brot #EssenArbeitetZusammen")
    first, _, _ = scheduled_run(tmp_path, bare, "run1", 1)
    merge_into_main(first)
    avatar = stored_posts(first)["1"].author.avatar
    assert avatar and (first / "content" / avatar).is_file()
    editor = editor_clone(tmp_path, bare)
    git(editor, "switch", "--quiet", "main")
    git(editor, "rm", "--quiet", f"content/{avatar}")
    git(editor, "commit", "--quiet", "-m", "Redaktion: Profilbild auf Wunsch gelöscht")
    git(editor, "push", "--quiet", "origin", "main")

    instance.add(2, "Ich biete Brötchen #EssenArbeitetZusammen")
    second, _, changed = scheduled_run(tmp_path, bare, "run2", 2)
    assert changed and set(stored_posts(second)) == {"1", "2"}
    assert stored_posts(second)["2"].author.avatar == ""
    assert not (second / "content" / avatar).exists(), "the deleted picture was stored again"


def test_an_image_the_fetch_removed_is_stored_again_when_a_new_post_brings_it(tmp_path, origin):
    # The bot removes the images of a post deleted on its platform: that is no editor's decision.
    bare, instance = origin
    instance.add(1, media=[image_attachment(instance.base, 1, name="brot.webp")])
    first, _, _ = scheduled_run(tmp_path, bare, "run1", 1)
    [image] = [media.path for media in stored_posts(first)["1"].media]
    instance.deleted.add("1")
    instance.statuses = [status for status in instance.statuses if status["id"] != "1"]
    instance.add(2)
    second, _, _ = scheduled_run(tmp_path, bare, "run2", 2)
    assert "1" not in stored_posts(second) and not (second / "content" / image).exists()

    instance.add(3, media=[image_attachment(instance.base, 3, name="brot.webp")])
    third, _, _ = scheduled_run(tmp_path, bare, "run3", 3)
    assert [media.path for media in stored_posts(third)["3"].media] == [image]
    assert (third / "content" / image).is_file()
