"""Sequences of editors' and fetch runs' events in git that must not lose a decision.

Same setup as test_review.py (a bare repository as GitHub, fresh blobless clones as the
workflow, an editor's clone), with an RSS source: a feed hands out all its entries again
whenever it changes, so a post whose rejection was forgotten really comes back.
"""

from __future__ import annotations

import os
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import pytest

from wall.config import load_config
from wall.fetch import fetch
from wall.history import removed_post_files
from wall.review import REVIEW_BRANCH, Git, PreviousPullRequest, commit_review, start_review
from wall.review_pr import posts_for_review

from .fake_feeds import FeedFake
from . import test_review
from .test_review import bare_origin, editor_clone, git, merge_into_main, workflow_clone

origin = test_review.origin  # the fixture: a bare repository with a Mastodon source


def feed_xml(*numbers: int) -> str:
    items = "".join(
        f"<item><title>Ich biete Hilfe Nr. {n} #EssenArbeitetZusammen</title><link>{{base}}/news/{n}</link>"
        f"<guid isPermaLink=\"false\">{{base}}/?p={n}</guid>"
        f"<pubDate>Mon, {10 + n:02d} Feb 2020 08:00:00 GMT</pubDate>"
        f"<description>Ich biete Hilfe Nr. {n} #EssenArbeitetZusammen</description></item>"
        for n in numbers)
    return (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>Hotel</title>"
            f"<link>{{base}}/</link><description>Neues</description>"
            f"<image><url>{{base}}/img/logo.png</url><title>Hotel</title><link>{{base}}/</link></image>"
            f"{items}</channel></rss>")


@pytest.fixture
def feed_origin(tmp_path, fake_server):
    """A bare 'GitHub' repository whose main holds a config reading one company news feed."""
    feeds = FeedFake(fake_server)
    feeds.publish("news.rss", feed_xml(1))
    sources = (f"  - name: news\n    type: rss\n    api_base: {feeds.base}\n    feeds: [{feeds.url('news.rss')}]\n"
               "    author_name: Hotel Ruhrblick\n    timeout: 2\n    retries: 0\n")
    return bare_origin(tmp_path, sources), feeds


def run(tmp_path: Path, bare: Path, name: str, day: int, previous: PreviousPullRequest | None = None) -> Path:
    """The fetch workflow: fresh clone, review branch, fetch, commit, push (previous: what gh says)."""
    work = tmp_path / name
    workflow_clone(bare, work)
    start = start_review(Git(work), previous=previous)
    fetch(load_config(work / "config.yaml"), work / "content", new_status="approved", max_wait=1,
          now=lambda: datetime(2020, 4, day, 6, tzinfo=timezone.utc))
    if commit_review(Git(work), f"Neue Beiträge vom {day}. April 2020") or start.settled:
        git(work, "push", "--quiet", "origin", REVIEW_BRANCH)
    return work


def rss_files(work: Path, ref: str = "") -> list[str]:
    if ref:
        return git(work, "ls-tree", "-r", "--name-only", ref, "content/posts/rss").split()
    return sorted(p.relative_to(work).as_posix() for p in (work / "content/posts/rss").glob("*.yaml"))


def number_of(path: str) -> str:
    return path.rsplit("p-", 1)[-1].split("-", 1)[0] if "p-" in path else path


def proposed_numbers(work: Path) -> list[str]:
    review = posts_for_review(work / "content", load_config(work / "config.yaml"))
    return sorted(item.post.url.rsplit("/", 1)[-1] for item in review)


def open_pull_request(bare: Path, number: int) -> None:
    """GitHub keeps a pull request's head as refs/pull/<number>/head, also once its branch is deleted."""
    git(bare, "update-ref", f"refs/pull/{number}/head", f"refs/heads/{REVIEW_BRANCH}")


def reject_by_deleting(editor: Path, path: str, message: str) -> None:
    """An editor deletes a post's file in the review pull request ("…" -> "Delete file")."""
    git(editor, "rm", "--quiet", path)
    git(editor, "commit", "--quiet", "-m", message)
    git(editor, "push", "--quiet", "origin", REVIEW_BRANCH)


def test_a_rejection_by_deleting_the_only_new_post_survives_merge_pull_request(tmp_path, feed_origin):
    # The guide: deleting a file rejects for good "solange Pull Requests mit ‚Merge pull request‘
    # zusammengeführt werden".  Here they are.  But when every post of the pull request was
    # rejected by deletion, the merge commit's posts/ equals main's, and `git log -- posts`
    # (history simplification) follows main only: the editor's deletion is never seen again.
    bare, feeds = feed_origin
    first = run(tmp_path, bare, "run1", 1)
    [spam] = rss_files(first)
    editor = editor_clone(tmp_path, bare)
    reject_by_deleting(editor, spam, "Redaktion: Werbung abgelehnt")
    merge_into_main(editor)  # "Merge pull request" ...
    git(editor, "push", "--quiet", "origin", "--delete", REVIEW_BRANCH)  # ... and the head branch goes

    check = tmp_path / "check"
    workflow_clone(bare, check)
    assert spam.removeprefix("content/") in removed_post_files(check / "content"), \
        "the editor's deletion is in main's history, so it must count as a rejection"

    feeds.publish("news.rss", feed_xml(1, 2))  # the company posts again: the feed is read anew
    second = run(tmp_path, bare, "run2", 2)
    assert spam not in rss_files(second), "a post whose file an editor deleted never comes back"
    assert proposed_numbers(second) == ["2"]


def test_a_rejection_by_deleting_survives_an_edit_on_main_while_the_pull_request_is_open(tmp_path, feed_origin):
    # Same cause without any merge of the pull request: the editor rejected the only new post
    # by deleting it (nothing left to approve, so the PR stays open), and on main another
    # post gets a note.  The next run merges main into the review branch; that merge commit's
    # posts/ equals main's, git log follows main only, and the deletion is gone from view.
    bare, feeds = feed_origin
    first = run(tmp_path, bare, "run1", 1)
    merge_into_main(first)  # post 1 is on the wall
    git(bare, "branch", "-D", REVIEW_BRANCH)
    feeds.publish("news.rss", feed_xml(1, 2))
    second = run(tmp_path, bare, "run2", 2)
    published = rss_files(second, "origin/main")
    [spam] = sorted(set(rss_files(second)) - set(published))

    editor = editor_clone(tmp_path, bare)
    reject_by_deleting(editor, spam, "Redaktion: Werbung abgelehnt")
    git(editor, "switch", "--quiet", "main")  # meanwhile on main: a note on the published post
    note = editor / published[0]
    note.write_text(note.read_text(encoding="utf-8") + 'note: "Telefonisch bestätigt"\n', encoding="utf-8")
    git(editor, "commit", "--quiet", "-am", "Redaktion: Notiz")
    git(editor, "push", "--quiet", "origin", "main")

    feeds.publish("news.rss", feed_xml(1, 2, 3))
    third = run(tmp_path, bare, "run3", 3)
    assert spam not in rss_files(third), "the rejection in the pull request stands"
    assert proposed_numbers(third) == ["3"]


def test_squash_and_merge_loses_a_rejection_by_deletion(tmp_path, feed_origin):
    # docs/redaktion.md: never "Squash and merge"; docs/betrieb.md: switch it off. Should it be
    # on and used once, the rejection is lost without a word: the post is back as "neu".
    bare, feeds = feed_origin
    feeds.publish("news.rss", feed_xml(1, 2))
    first = run(tmp_path, bare, "run1", 1)
    editor = editor_clone(tmp_path, bare)
    spam = [path for path in rss_files(first) if "p-2-" in path][0]
    reject_by_deleting(editor, spam, "Redaktion: Werbung abgelehnt")
    open_pull_request(bare, 1)
    git(editor, "switch", "--quiet", "main")
    git(editor, "merge", "--quiet", "--squash", f"origin/{REVIEW_BRANCH}")
    git(editor, "commit", "--quiet", "-m", "Neue Beiträge zur Freigabe (#1)")
    git(editor, "push", "--quiet", "origin", "main", f":{REVIEW_BRANCH}")  # and the head branch is deleted

    feeds.publish("news.rss", feed_xml(1, 2, 3))
    second = run(tmp_path, bare, "run2", 2, PreviousPullRequest(1, "MERGED"))
    assert spam not in rss_files(second), "the deleted post does not come back"
    merge_into_main(second)
    feeds.publish("news.rss", feed_xml(1, 2, 3, 4))
    third = run(tmp_path, bare, "run3", 3)  # main now holds the rejection itself
    assert spam not in rss_files(third) and len(rss_files(third)) == 3


def test_deleting_the_review_branch_brings_rejected_posts_back_approved(tmp_path, feed_origin):
    # The editor rejects post 2 the "safe" way (status: rejected), then closes the pull request
    # and clicks the "Delete branch" button GitHub offers right after closing. The next run
    # starts the branch afresh from main: the fetch state lived on the branch too, so the feed
    # is read in full, and post 2 is proposed again, new and approved.
    bare, feeds = feed_origin
    feeds.publish("news.rss", feed_xml(1, 2))
    first = run(tmp_path, bare, "run1", 1)
    editor = editor_clone(tmp_path, bare)
    spam = editor / [path for path in rss_files(first) if "p-2-" in path][0]
    spam.write_text(spam.read_text(encoding="utf-8").replace("status: approved", "status: rejected\n"
                                                              'note: "Werbung"'), encoding="utf-8")
    git(editor, "commit", "--quiet", "-am", "Redaktion: Werbung abgelehnt")
    git(editor, "push", "--quiet", "origin", REVIEW_BRANCH)
    open_pull_request(bare, 1)
    git(editor, "push", "--quiet", "origin", "--delete", REVIEW_BRANCH)  # PR closed, branch deleted

    from generate import main
    second = tmp_path / "run2"
    workflow_clone(bare, second)
    assert main([*review_args(second, tmp_path), "--previous-pull-request", "1 CLOSED"]) == 0  # as gh says
    text = git(bare, "show", f"{REVIEW_BRANCH}:{spam.relative_to(editor).as_posix()}")
    assert "status: rejected" in text, "a post an editor rejected is not proposed as approved again"


def review_args(work: Path, tmp_path: Path) -> list[str]:
    return ["review", "--config", str(work / "config.yaml"), "--content", str(work / "content"),
            "--body-file", str(tmp_path / "pr.md")]


def test_a_closed_pull_request_is_opened_again_by_the_next_run(tmp_path, feed_origin):
    # docs/redaktion.md: closing the pull request without merging "lehnt nichts ab: Der nächste
    # Abruf ... öffnet einen neuen Pull Request mit denselben Beiträgen", also when the sources
    # bring nothing new.
    from .test_cli_workflow import run as cli
    bare, feeds = feed_origin
    work = tmp_path / "work"
    workflow_clone(bare, work)
    outputs = tmp_path / "first_output"
    assert cli(*review_args(work, tmp_path), env={**os.environ, "GITHUB_OUTPUT": str(outputs)}).returncode == 0
    assert outputs.read_text(encoding="utf-8") == "changed=true\nwaiting=true\ncount=1\n"
    # An editor closes the pull request "Neue Beiträge zur Freigabe" without merging (GitHub only).
    again = tmp_path / "run2"
    workflow_clone(bare, again)
    outputs = tmp_path / "second_output"
    result = cli(*review_args(again, tmp_path), env={**os.environ, "GITHUB_OUTPUT": str(outputs)})
    assert result.returncode == 0, result.stderr
    assert outputs.read_text(encoding="utf-8") == "changed=false\nwaiting=true\ncount=1\n", \
        "nothing new, but the post still waits on the branch: fetch.yml opens the pull request again"


def test_an_editor_committing_to_the_pull_request_during_a_run_does_not_fail_the_run(tmp_path, feed_origin,
                                                                                     monkeypatch):
    # The hourly run takes minutes; an editor who saves a change in the pull request meanwhile
    # makes the run's push non-fast-forward.  The run dies with a traceback (ReviewError is not
    # caught), the fetched posts are thrown away, and an issue "Ablauf ‚Beiträge abrufen‘ ist
    # fehlgeschlagen" tells the editors that no new posts arrive.
    from generate import main
    import wall.fetch
    bare, feeds = feed_origin
    first = run(tmp_path, bare, "run1", 1)
    [post] = rss_files(first)
    feeds.publish("news.rss", feed_xml(1, 2))
    real_fetch = wall.fetch.fetch

    def fetch_while_an_editor_saves(*args, **kwargs):
        editor = editor_clone(tmp_path, bare)
        path = editor / post
        path.write_text(path.read_text(encoding="utf-8").replace("category: angebot", "category: gesuch"),
                        encoding="utf-8")
        git(editor, "commit", "--quiet", "-am", "Redaktion: Kategorie")
        git(editor, "push", "--quiet", "origin", REVIEW_BRANCH)
        return real_fetch(*args, **kwargs)

    monkeypatch.setattr(wall.fetch, "fetch", fetch_while_an_editor_saves)
    work = tmp_path / "run2"
    workflow_clone(bare, work)
    assert main(review_args(work, tmp_path)) == 0
    on_branch = git(bare, "ls-tree", "-r", "--name-only", REVIEW_BRANCH, "content/posts/rss").split()
    assert len(on_branch) == 2, "the post fetched during the editor's commit is on the branch"
    assert "category: gesuch" in git(bare, "show", f"{REVIEW_BRANCH}:{post}"), "and so is the editor's change"


def test_a_gdpr_deletion_as_the_guide_describes_it_keeps_main_publishable(tmp_path, feed_origin):
    # docs/redaktion.md, "Bittet die Person ... um Löschung": delete the post's file and "die
    # Bilddateien, die unter media: und avatar: in ihr genannt sind".  An avatar is stored once
    # per image and shared by every post of that author: deleting it leaves the author's other
    # posts on main and in the review pull request pointing at a missing file, an error for
    # `check` and `build`.  The publish workflow then fails, and the wall keeps showing the very
    # post that had to be deleted; the review pull request's checks turn red as well.
    from wall.pipeline import check
    bare, feeds = feed_origin
    feeds.publish("news.rss", feed_xml(1, 2))
    first = run(tmp_path, bare, "run1", 1)
    merge_into_main(first)
    git(bare, "branch", "-D", REVIEW_BRANCH)
    feeds.publish("news.rss", feed_xml(1, 2, 3))
    run(tmp_path, bare, "run2", 2)  # post 3 (same company) waits in the pull request

    editor = editor_clone(tmp_path, bare)
    git(editor, "switch", "--quiet", "main")
    [personal] = [path for path in rss_files(editor) if "p-1-" in path]
    text = (editor / personal).read_text(encoding="utf-8")
    avatar = [line.split(":", 1)[1].strip() for line in text.splitlines() if line.strip().startswith("avatar:")]
    assert avatar, text
    git(editor, "rm", "--quiet", personal, f"content/{avatar[0]}")
    git(editor, "commit", "--quiet", "-m", "Redaktion: Löschung nach DSGVO")
    git(editor, "push", "--quiet", "origin", "main")

    on_main = tmp_path / "main"
    workflow_clone(bare, on_main)
    errors = [p for p in check(on_main / "config.yaml", on_main / "content", None)[1] if p.severity == "error"]
    assert errors == [], "main must still build, or the deletion never reaches the wall: " + str(errors[0])
    third = run(tmp_path, bare, "run3", 3)
    errors = [p for p in check(third / "config.yaml", third / "content", None)[1] if p.severity == "error"]
    assert errors == [], "the review pull request's checks must stay green"


def test_reverting_an_approval_on_main_does_not_stop_the_fetch(tmp_path, feed_origin):
    # docs/redaktion.md forbids "Revert" on a review pull request (its posts count as rejected
    # for good); that much is documented.  The revert also takes back content/state.yaml.  When
    # a later run has meanwhile started a new review branch with a newer state.yaml (the head
    # branch was deleted on merge), the next run cannot merge main: state.yaml is no post file,
    # so ReviewError stops every run until someone resolves a conflict in a file the guide never
    # mentions (it talks about config.yaml).
    bare, feeds = feed_origin
    first = run(tmp_path, bare, "run1", 1)
    merge_into_main(first)
    git(bare, "branch", "-D", REVIEW_BRANCH)
    feeds.publish("news.rss", feed_xml(1, 2))
    run(tmp_path, bare, "run2", 2)  # a new review branch, with post 2 and a newer state.yaml
    editor = tmp_path / "reverter"
    subprocess.run(["git", "clone", "--quiet", str(bare), str(editor)], check=True, capture_output=True)
    merge = git(editor, "log", "-1", "--merges", "--format=%H", "origin/main").strip()
    git(editor, "revert", "--no-edit", "-m", "1", merge)
    git(editor, "push", "--quiet", "origin", "main")
    feeds.publish("news.rss", feed_xml(1, 2, 3))
    third = run(tmp_path, bare, "run3", 3)
    assert [number_of(path) for path in rss_files(third)] == ["2", "3"]


def changed_in_both(tmp_path: Path, bare: Path, instance, in_pull_request: str, on_main: str) -> tuple[Path, str]:
    """Post 1, merged, then edited on its platform: it waits as "geändert" while an editor puts
    in_pull_request for its status line in the pull request and on_main on main.
    The editor's clone (on main) and the post file's name."""
    from .fake_mastodon import make_status
    from .test_review import post_files
    instance.add(1, "Ich biete Masken #EssenArbeitetZusammen")
    merge_into_main(run(tmp_path, bare, "run1", 1))
    git(bare, "branch", "-D", REVIEW_BRANCH)
    instance.statuses[-1] = make_status(instance.base, 1, "Ich biete Masken, jetzt mit Link #EssenArbeitetZusammen",
                                        edited_at="2020-04-02T05:00:00.000Z")
    run(tmp_path, bare, "run2", 2)
    editor = editor_clone(tmp_path, bare)
    [name] = post_files(editor)
    path = editor / "content/posts/mastodon" / name
    for branch, status in ((REVIEW_BRANCH, in_pull_request), ("main", on_main)):
        git(editor, "switch", "--quiet", branch)
        git(editor, "reset", "--quiet", "--hard", f"origin/{branch}")
        path.write_text(path.read_text(encoding="utf-8").replace("status: approved", status), encoding="utf-8")
        git(editor, "commit", "--quiet", "-am", f"Redaktion: {branch}")
        git(editor, "push", "--quiet", "origin", branch)
    return editor, name


def test_the_description_keeps_naming_files_where_mains_version_replaced_an_edit_in_the_pr(tmp_path, origin):
    # docs/redaktion.md: a file changed both on main and in the pull request keeps main's
    # version, and the description names it under "Gleichzeitig geändert".  Here the lost
    # change is a rejection: post 1, edited on its platform, waits as "geändert"; an editor sets
    # it to rejected in the pull request while another adds a note to it on main.  The next run
    # keeps main's (approved) version and says so, but only in that run's description: the next
    # run with anything new (hourly for Instagram) rewrites it without the notice.  Merging
    # then leaves the post on the wall, and nothing says the rejection was dropped.
    from generate import main
    bare, instance = origin
    editor, name = changed_in_both(tmp_path, bare, instance, "status: rejected", 'status: approved\nnote: "geprüft"')

    work = tmp_path / "run3"
    workflow_clone(bare, work)
    assert main(review_args(work, tmp_path)) == 0
    assert "**Gleichzeitig geändert:** 1 Beitrag" in (tmp_path / "pr.md").read_text(encoding="utf-8")
    assert "status: approved" in git(bare, "show", f"{REVIEW_BRANCH}:content/posts/mastodon/{name}")

    instance.add(2, "Ich suche Kisten #EssenArbeitetZusammen")  # an hour later, something new
    later = tmp_path / "run4"
    workflow_clone(bare, later)
    assert main(review_args(later, tmp_path)) == 0
    body = (tmp_path / "pr.md").read_text(encoding="utf-8")
    assert "Gleichzeitig geändert" in body and name in body, \
        "the editors are still told that their rejection of this post was replaced by main's version"


def test_after_a_squash_merge_the_next_description_does_not_name_the_merged_pull_requests_settled_files(
        tmp_path, origin):
    # settled_files reads the trailers of origin/main..HEAD.  After "Squash and merge" the next
    # run starts the branch from main and merges the old head in with -s ours (so its
    # rejections stay in the history): origin/main..HEAD now holds every commit of the merged
    # pull request, trailers included.  The new pull request names files under
    # "Gleichzeitig geändert" although the pull request they concerned was merged.
    from generate import main
    bare, instance = origin
    editor, name = changed_in_both(tmp_path, bare, instance, 'status: approved\nnote: "PR"',
                                   'status: approved\nnote: "main"')
    work = tmp_path / "run3"
    workflow_clone(bare, work)
    assert main(review_args(work, tmp_path)) == 0
    assert "**Gleichzeitig geändert:** 1 Beitrag" in (tmp_path / "pr.md").read_text(encoding="utf-8")

    open_pull_request(bare, 1)  # the editors squash-merge pull request #1; its branch is deleted
    git(editor, "fetch", "--quiet", "origin")
    git(editor, "reset", "--quiet", "--hard", "origin/main")
    git(editor, "merge", "--quiet", "--squash", f"origin/{REVIEW_BRANCH}")
    git(editor, "commit", "--quiet", "-m", "Neue Beiträge zur Freigabe (#1)")
    git(editor, "push", "--quiet", "origin", "main", f":{REVIEW_BRANCH}")

    instance.add(2, "Ich suche Kisten #EssenArbeitetZusammen")
    later = tmp_path / "run4"
    workflow_clone(bare, later)
    assert main([*review_args(later, tmp_path), "--previous-pull-request", "1 MERGED"]) == 0
    body = (tmp_path / "pr.md").read_text(encoding="utf-8")
    assert "Gleichzeitig geändert" not in body, "pull request #1 with its settled file was merged"
