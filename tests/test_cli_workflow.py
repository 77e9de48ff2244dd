"""The commands the workflows and editors run, as subprocesses, the way Actions calls them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests
import yaml

from generate import main
from wall import publish as publish_module

from .apache import apache_serving, readable_folder
from .conftest import FETCH_CONFIG, ROOT, free_port, tree, write
from .fake_mastodon import MastodonFake, image_attachment
from .sshd import ssh_server
from .test_intake import event, issue_body


def run(*args: str, env: dict | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "generate.py"), *args], capture_output=True, text=True,
                          timeout=300, env=env, cwd=cwd)


def src_args(src: Path) -> list[str]:
    return ["--config", str(src / "config.yaml"), "--content", str(src / "content")]


def test_check_annotates_pull_request_files_in_github_format(site_src):
    write(site_src / "content/posts/bluesky/3kabc.yaml", (site_src / "content/posts/bluesky/3kabc.yaml")
          .read_text(encoding="utf-8").replace("status: approved", "status: freigegeben"))
    result = run("check", *src_args(site_src), "--format", "github")
    assert result.returncode == 1
    assert result.stdout.startswith("::error file=")
    assert ",line=9::status: unbekannter Wert 'freigegeben'" in result.stdout


def test_editors_commands_pending_approve_reject_deny(site_src):
    pending = run("pending", *src_args(site_src))
    assert pending.returncode == 0 and pending.stdout.startswith("rss:news-42\t2020-03-26\tHotel Ruhrblick")
    assert "1 Beitrag wartet auf Prüfung" in pending.stderr
    approved = run("approve", *src_args(site_src), "rss:news-42")
    assert approved.returncode == 0 and "news-42.yaml: freigegeben (status: approved)" in approved.stderr
    assert "status: approved" in (site_src / "content/posts/rss/news-42.yaml").read_text(encoding="utf-8")
    rejected = run("reject", *src_args(site_src), "rss:news-42", "--note", "doppelt")
    assert rejected.returncode == 0
    text = (site_src / "content/posts/rss/news-42.yaml").read_text(encoding="utf-8")
    assert "status: rejected" in text and 'note: "doppelt"' in text
    unknown = run("approve", *src_args(site_src), "x:gibt-es-nicht")
    assert unknown.returncode == 1 and "Fehler: kein Beitrag mit der id x:gibt-es-nicht" in unknown.stderr
    deny = run("deny", *src_args(site_src), "author", "druck.example")
    assert deny.returncode == 0 and "druck.example steht jetzt in moderation.deny.authors in " in deny.stderr
    again = run("deny", *src_args(site_src), "author", "druck.example")
    assert again.returncode == 0 and "druck.example stand schon in moderation.deny.authors" in again.stderr
    assert "authors: [\"druck.example\"]" in (site_src / "config.yaml").read_text(encoding="utf-8")
    built = run("build", *src_args(site_src), "--out", str(site_src / "site"))
    assert built.returncode == 0 and "1 hidden by rule" in built.stderr


def git(folder: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(folder), "-c", "user.name=T", "-c", "user.email=t@example.org", *args],
                          capture_output=True, text=True, check=True).stdout


def repository(tmp_path: Path, sources: str, allow: str = "[]") -> tuple[Path, Path]:
    """A bare origin with config and content on main, and a working clone."""
    bare, work = tmp_path / "origin.git", tmp_path / "work"
    subprocess.run(["git", "init", "--quiet", "--bare", "--initial-branch=main", str(bare)], check=True)
    subprocess.run(["git", "clone", "--quiet", str(bare), str(work)], check=True, capture_output=True)
    write(work / "config.yaml", FETCH_CONFIG.format(sources=sources, allow=allow, deny_authors="[]",
                                                   deny_keywords="[]"))
    write(work / "content/posts/.gitkeep", "")
    git(work, "add", "-A")
    git(work, "commit", "--quiet", "-m", "start")
    git(work, "push", "--quiet", "origin", "main")
    return bare, work


def test_review_command_commits_pushes_and_writes_the_pull_request_text(tmp_path, fake_server):
    instance = MastodonFake(fake_server)
    instance.add(1, "Ich biete Hilfe #EssenArbeitetZusammen")
    sources = f"  - name: mastodon\n    type: mastodon\n    instances: [{instance.base}]\n    timeout: 2\n"
    bare, work = repository(tmp_path, sources)
    outputs = tmp_path / "github_output"
    env = {**os.environ, "GITHUB_OUTPUT": str(outputs), "GITHUB_SERVER_URL": "https://github.com",
           "GITHUB_REPOSITORY": "ewg/wall"}
    result = run("review", *src_args(work), "--body-file", str(tmp_path / "pr.md"),
                 "--report-json", str(tmp_path / "fetch.json"), env=env)
    assert result.returncode == 0, result.stderr
    assert "changed=true\nwaiting=true\ncount=1\n" == outputs.read_text(encoding="utf-8")
    body = (tmp_path / "pr.md").read_text(encoding="utf-8")
    assert "| neu | Mastodon | Backstube Krümel (@" in body
    (name,) = [path.name for path in (work / "content/posts/mastodon").glob("*.yaml")]
    assert f"[Datei](https://github.com/ewg/wall/blob/redaktion/neue-beitraege/content/posts/mastodon/{name})" in body
    assert "Neue Beiträge vom" in git(bare, "log", "--format=%s", "redaktion/neue-beitraege")
    report = json.loads((tmp_path / "fetch.json").read_text(encoding="utf-8"))
    assert [(r["name"], r["new"]) for r in report] == [("mastodon", 1)]
    health = run("health", *src_args(work), "--report", str(tmp_path / "fetch.json"),
                 "--history", str(tmp_path / "health/history.json"))
    assert health.returncode == 0 and json.loads((tmp_path / "health/history.json").read_text())["mastodon"]["failures"] == 0


def test_a_post_deleted_on_its_platform_leaves_main_at_once_while_new_posts_wait(tmp_path, fake_server):
    instance = MastodonFake(fake_server)
    gone = instance.add(1, "Ich biete Nr. 1 #EssenArbeitetZusammen")
    instance.add(2, "Ich biete Nr. 2 #EssenArbeitetZusammen")
    sources = f"  - name: mastodon\n    type: mastodon\n    instances: [{instance.base}]\n    timeout: 2\n"
    bare, work = repository(tmp_path, sources)
    assert run("review", *src_args(work)).returncode == 0
    git(work, "switch", "--quiet", "main")  # an editor approves both: merges the review pull request
    git(work, "merge", "--quiet", "--no-edit", "redaktion/neue-beitraege")
    git(work, "push", "--quiet", "origin", "main")
    on_main = git(bare, "ls-tree", "-r", "--name-only", "main", "content/posts").split()
    assert len(on_main) == 3  # .gitkeep and the two posts

    instance.statuses.remove(gone)
    instance.deleted.add(gone["id"])
    instance.add(3, "Ich suche Nr. 3 #EssenArbeitetZusammen")
    result = run("review", *src_args(work), "--body-file", str(tmp_path / "pr.md"))
    assert result.returncode == 0, result.stderr
    left = git(bare, "ls-tree", "-r", "--name-only", "main", "content/posts").split()
    removed = [name for name in on_main if name not in left]
    assert len(removed) == 1 and "Ich biete Nr. 1" in git(bare, "show", f"main~1:{removed[0]}")
    assert left == [name for name in on_main if name not in removed], "new posts still wait for the review"
    assert git(bare, "log", "-1", "--format=%an: %s", "main") == (
        "Wall-Bot: Auf der Plattform gelöscht: 1 Beitrag von der Wall genommen\n")
    git(bare, "merge-base", "--is-ancestor", "main", "redaktion/neue-beitraege")  # main merged back in
    body = (tmp_path / "pr.md").read_text(encoding="utf-8")
    assert "1 Beitrag – dort gelöscht oder verborgen und deshalb ohne Freigabe sofort von der Wall genommen" in body
    assert body.count("| Mastodon |") == 1, "the pull request lists the new post only"
    main = tmp_path / "main"
    subprocess.run(["git", "clone", "--quiet", str(bare), str(main)], check=True, capture_output=True)
    assert run("check", *src_args(main)).returncode == 0, "main keeps every media file its posts use"


def test_a_run_that_only_removes_posts_deleted_upstream_opens_no_pull_request(tmp_path, fake_server):
    instance = MastodonFake(fake_server)
    gone = instance.add(1, "Ich biete Nr. 1 #EssenArbeitetZusammen")
    sources = f"  - name: mastodon\n    type: mastodon\n    instances: [{instance.base}]\n    timeout: 2\n"
    bare, work = repository(tmp_path, sources)
    assert run("review", *src_args(work)).returncode == 0
    git(work, "switch", "--quiet", "main")
    git(work, "merge", "--quiet", "--no-edit", "redaktion/neue-beitraege")
    git(work, "push", "--quiet", "origin", "main")
    instance.statuses.remove(gone)
    instance.deleted.add(gone["id"])
    outputs = tmp_path / "github_output"
    result = run("review", *src_args(work), env={**os.environ, "GITHUB_OUTPUT": str(outputs)})
    assert result.returncode == 0, result.stderr
    assert git(bare, "ls-tree", "-r", "--name-only", "main", "content/posts/mastodon") == ""
    assert outputs.read_text(encoding="utf-8") == "changed=false\nwaiting=false\ncount=0\n", \
        "nothing for the editors to review"


def test_intake_command_puts_the_submission_on_its_own_branch(tmp_path):
    bare, work = repository(tmp_path, "")
    write(tmp_path / "event.json", json.dumps(event(issue_body(), number=12)))
    env = {**os.environ, "GITHUB_OUTPUT": str(tmp_path / "out")}
    result = run("intake", *src_args(work), "--event", str(tmp_path / "event.json"),
                 "--comment-file", str(tmp_path / "comment.md"), env=env)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out").read_text(encoding="utf-8") == "branch=einreichung/issue-12\n"
    files = git(bare, "ls-tree", "-r", "--name-only", "einreichung/issue-12")
    assert "content/posts/manual/einreichung-12.yaml" in files
    assert "Die Redaktion prüft ihn" in (tmp_path / "comment.md").read_text(encoding="utf-8")
    assert "Bild" not in (tmp_path / "comment.md").read_text(encoding="utf-8")
    elsewhere = tmp_path / "elsewhere.json"  # an image linked from another site is not taken, and the comment says so
    write(elsewhere, json.dumps(event(issue_body(image="![foto](https://cdn.example/foto.jpg)"), number=14)))
    result = run("intake", *src_args(work), "--event", str(elsewhere), "--comment-file", str(tmp_path / "c3.md"),
                 env={**os.environ, "GITHUB_OUTPUT": str(tmp_path / "out3")})
    assert result.returncode == 0, result.stderr
    assert "Das Bild konnten wir leider nicht übernehmen" in (tmp_path / "c3.md").read_text(encoding="utf-8")
    refused = tmp_path / "refused.json"
    write(refused, json.dumps(event(issue_body(consent="- [ ] nein"), number=13)))
    result = run("intake", *src_args(work), "--event", str(refused), "--comment-file", str(tmp_path / "c2.md"),
                 env={**os.environ, "GITHUB_OUTPUT": str(tmp_path / "out2")})
    assert result.returncode == 0 and (tmp_path / "out2").read_text(encoding="utf-8") == "branch=\n"
    assert "Einverständnis" in (tmp_path / "c2.md").read_text(encoding="utf-8")


def test_trusted_authors_posts_go_on_main_at_once_with_their_images_while_others_wait(tmp_path, fake_server):
    instance = MastodonFake(fake_server)
    instance.add(1, "Ich biete Hilfe #EssenArbeitetZusammen", media=[image_attachment(instance.base, 1)])
    instance.add(2, "Die EWG informiert #EssenArbeitetZusammen", user="ewg", name="EWG",
                 media=[image_attachment(instance.base, 2, name="ewg.webp")])
    sources = f"  - name: mastodon\n    type: mastodon\n    instances: [{instance.base}]\n    timeout: 2\n"
    bare, work = repository(tmp_path, sources, allow=f"['@ewg@{instance.server.host}']")
    result = run("review", *src_args(work), "--body-file", str(tmp_path / "pr.md"))
    assert result.returncode == 0, result.stderr
    on_main = git(bare, "ls-tree", "-r", "--name-only", "main", "content").split()
    main_posts = [path for path in on_main if path.startswith("content/posts/mastodon/")]
    assert len(main_posts) == 1 and "EWG informiert" in git(bare, "show", f"main:{main_posts[0]}")
    trusted = load_content_from(bare, "main")
    assert len(trusted) == 2 and all(f"content/{path}" in on_main for path in trusted), "its image and avatar are on main too"
    body = (tmp_path / "pr.md").read_text(encoding="utf-8")
    assert "**Vertrauenswürdige Absender:** 1 Beitrag ohne Freigabe auf die Wall gestellt" in body
    assert "**1 Beitrag** wartet auf Ihre Prüfung" in body and "Ich biete Hilfe" in body
    assert "EWG informiert" not in body.split("| Links |")[1], "not listed for review"
    assert run("build", *src_args(work), "--out", str(tmp_path / "site")).returncode == 0

    git(work, "switch", "--quiet", "main")  # the editors approve post 1
    git(work, "pull", "--quiet", "origin", "main")
    git(work, "merge", "--quiet", "--no-edit", "redaktion/neue-beitraege")
    git(work, "push", "--quiet", "origin", "main")
    gone = next(status for status in instance.statuses if status["id"] == "1")
    instance.statuses.remove(gone)
    instance.deleted.add("1")
    instance.add(3, "Die EWG lädt ein #EssenArbeitetZusammen", user="ewg", name="EWG")
    assert run("review", *src_args(work)).returncode == 0  # a removal and a trusted post in one run
    texts = [git(bare, "show", f"main:{name}")
             for name in git(bare, "ls-tree", "-r", "--name-only", "main", "content/posts/mastodon").split()]
    assert sorted(yaml.safe_load(text)["text"].split(" #")[0] for text in texts) == ["Die EWG informiert",
                                                                                   "Die EWG lädt ein"]


def load_content_from(bare: Path, ref: str) -> list[str]:
    """The media paths the posts on ref refer to."""
    paths = []
    for name in git(bare, "ls-tree", "-r", "--name-only", ref, "content/posts").split():
        post = yaml.safe_load(git(bare, "show", f"{ref}:{name}")) if name.endswith(".yaml") else None
        if post:
            paths += [post["author"]["avatar"], *(item["path"] for item in post.get("media", []))]
    return paths


def intake_run(tmp_path: Path, work: Path, text: str, name: str) -> tuple[str, str]:
    """The intake workflow for issue 12 with this text: (the branch output, the answer in the issue)."""
    write(tmp_path / f"{name}.json", json.dumps(event(issue_body(text=text), number=12)))
    git(work, "switch", "--quiet", "main")
    git(work, "pull", "--quiet", "origin", "main")
    result = run("intake", *src_args(work), "--event", str(tmp_path / f"{name}.json"),
                 "--comment-file", str(tmp_path / f"{name}.md"), env={**os.environ, "GITHUB_OUTPUT": str(tmp_path / name)})
    assert result.returncode == 0, result.stderr
    return (tmp_path / name).read_text(encoding="utf-8"), (tmp_path / f"{name}.md").read_text(encoding="utf-8")


def test_editing_the_issue_never_overwrites_an_editor_nor_brings_a_rejection_back(tmp_path):
    bare, work = repository(tmp_path, "")
    submission = "content/posts/manual/einreichung-12.yaml"
    intake_run(tmp_path, work, "Wir bieten Masken an.", "first")
    intake_run(tmp_path, work, "Wir bieten FFP2-Masken an.", "typo")  # before anyone looked: updated
    assert "FFP2-Masken" in git(bare, "show", f"einreichung/issue-12:{submission}")

    editor = tmp_path / "editor"
    subprocess.run(["git", "clone", "--quiet", "--branch", "einreichung/issue-12", str(bare), str(editor)], check=True)
    path = editor / submission
    path.write_text(path.read_text(encoding="utf-8").replace("category: angebot", "category: idee"), encoding="utf-8")
    git(editor, "commit", "--quiet", "-am", "Redaktion: Kategorie")
    git(editor, "push", "--quiet", "origin", "einreichung/issue-12")
    output, answer = intake_run(tmp_path, work, "Wir bieten nur Masken an.", "later")
    assert output == "branch=\n" and "bearbeitet Ihren Vorschlag bereits" in answer
    assert "category: idee" in git(bare, "show", f"einreichung/issue-12:{submission}")

    git(editor, "switch", "--quiet", "main")  # rejected: merged, then the file deleted on main
    git(editor, "merge", "--quiet", "--no-edit", "einreichung/issue-12")
    git(editor, "rm", "--quiet", submission)
    git(editor, "commit", "--quiet", "-m", "Redaktion: Einreichung abgelehnt")
    git(editor, "push", "--quiet", "origin", "main")
    git(editor, "push", "--quiet", "origin", "--delete", "einreichung/issue-12")
    output, answer = intake_run(tmp_path, work, "Bitte doch zeigen!", "again")
    assert output == "branch=\n" and "schon bearbeitet" in answer and "info@ewg.de" in answer
    assert "einreichung/issue-12" not in git(bare, "branch", "--list")


def publish_config(src: Path, server, base: Path, extra: str = "") -> None:
    config = src / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8") + (
        f"publish:\n  method: rsync\n  host: 127.0.0.1\n  port: {server.port}\n  user: {server.user}\n"
        f"  path: {base}\n{extra}"), encoding="utf-8")


def test_an_upload_killed_half_way_leaves_the_old_site_serving(tmp_path, site_src):
    # The live wall, served by Apache from the host's current release, is checked after each publish.
    with readable_folder("wall-host-") as host, ssh_server(tmp_path / "sshd") as server, \
            apache_serving(Path(host) / "wall/current", "/essenarbeitetzusammen/", in_place=True) as live:
        base = Path(host) / "wall"
        publish_config(site_src, server, base, extra=f"  bandwidth_limit: 100\n  check_url: {live}\n")
        out = site_src / "site"
        assert run("build", *src_args(site_src), "--out", str(out)).returncode == 0
        first = run("publish", *src_args(site_src), "--out", str(out), env=server.environ)
        assert first.returncode == 0, first.stderr
        live_before = tree(base / "current")
        write(out / "media/big/film.webp", os.urandom(3 * 1024 * 1024))  # a new, slow file
        write(out / "index.html", "<p>neu</p>" * 100)
        upload = subprocess.Popen([sys.executable, str(ROOT / "generate.py"), "publish", *src_args(site_src),
                                   "--out", str(out)], env=server.environ,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 20
        while not (partial := list((base / "releases").rglob(".film.webp.*"))) and time.monotonic() < deadline:
            time.sleep(0.05)
        os.killpg(upload.pid, signal.SIGKILL)  # the runner dies mid-upload
        upload.wait()
        assert partial, "killed before the upload reached the new file: nothing was interrupted"
        assert tree(base / "current") == live_before, "visitors still get the old, complete site"
        config = site_src / "config.yaml"
        config.write_text(config.read_text(encoding="utf-8").replace("  bandwidth_limit: 100\n", ""),
                          encoding="utf-8")
        again = run("publish", *src_args(site_src), "--out", str(out), env=server.environ)
        assert again.returncode == 0, again.stderr
        assert (base / "current/media/big/film.webp").stat().st_size == 3 * 1024 * 1024
        assert requests.get(live, timeout=10).text == "<p>neu</p>" * 100


def test_a_publish_the_live_wall_does_not_show_fails_and_says_what_is_live(tmp_path, site_src, monkeypatch,
                                                                          capsys):
    monkeypatch.setattr(publish_module, "LIVE_PAUSE", 0.1)
    base = tmp_path / "host/wall"
    with ssh_server(tmp_path / "sshd") as server:
        for name in ("DEPLOY_SSH_KEY", "DEPLOY_KNOWN_HOSTS"):
            monkeypatch.setenv(name, server.environ[name])
        nowhere = f"http://127.0.0.1:{free_port()}/essenarbeitetzusammen/"  # nothing answers there
        publish_config(site_src, server, base, extra=f"  check_url: {nowhere}\n")
        out = site_src / "site"
        assert main(["build", *src_args(site_src), "--out", str(out)]) == 0
        assert main(["publish", *src_args(site_src), "--out", str(out)]) == 1
    error = capsys.readouterr().err
    assert f"error: {nowhere} did not answer (ConnectionError) after the switch to release" in error
    assert "no release before it to switch back to (a first publish)" in error
    assert "the live site is unchanged" not in error


def test_publish_without_a_publish_section_says_so(site_src, tmp_path):
    result = run("publish", *src_args(site_src), "--out", str(tmp_path))
    assert result.returncode == 1 and "has no publish section" in result.stderr
