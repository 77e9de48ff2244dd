"""Publishing to a real sshd on 127.0.0.1: rsync with atomic releases, SFTP, rollback, refusals."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

import pytest
import requests

from wall import publish as publish_module
from wall import sftp
from wall.config import PublishSettings
from wall.pipeline import build
from wall.host import RELEASE_MARKER, PublishError
from wall.publish import LiveCheckFailed, publish
from wall.sftp import MANIFEST, UploadStopped, upload_order

from .apache import apache_serving, readable_folder
from .conftest import ROOT, tree, write
from .sshd import ssh_server
from .test_incremental import add, make_wall

STATIC = ROOT / "static"
SUB_PATH = "/essenarbeitetzusammen/"  # the fixture wall's base_url


def settings(server, base: Path, method: str = "rsync", **extra) -> PublishSettings:
    return PublishSettings(method=method, host="127.0.0.1", user=server.user, path=str(base),
                           port=server.port, **extra)


def build_site(src: Path, out: Path) -> Path:
    build(src / "config.yaml", src / "content", out, demo_dir=None, static=STATIC)
    return out


def add_post(src: Path, number: int) -> None:
    write(src / f"content/posts/manual/neu-{number}.yaml",
          f"id: manual:neu-{number}\nplatform: manual\nurl: https://firma.example/{number}\n"
          f"author:\n  name: Firma {number}\npublished: '2020-04-0{number}T10:00:00+02:00'\n"
          f"status: approved\ntext: Neuer Beitrag {number}\n")


def at(hour: int) -> datetime:
    return datetime(2020, 4, 1, hour, tzinfo=timezone.utc)


@pytest.fixture
def src(site_src: Path) -> Path:
    return site_src


def test_rsync_first_then_incremental_deploy_switches_atomically(tmp_path, src):
    base = tmp_path / "host" / "wall"
    with ssh_server(tmp_path / "sshd") as server:
        site = build_site(src, tmp_path / "site")
        first = publish(site, settings(server, base), server.environ, now=at(1))
        assert first.sent == len(tree(site)) and first.live.startswith("20200401T010000Z-")
        assert tree(base / "current") == {**tree(site), RELEASE_MARKER: f"{first.live}\n".encode()}
        front_changed = (base / "current/index.html").stat().st_mtime_ns
        time.sleep(0.05)
        impressum = src / "content/pages/impressum.md"
        impressum.write_text(impressum.read_text(encoding="utf-8") + "\nNeu: Telefon 0201 / 82024-0\n",
                             encoding="utf-8")
        site = build_site(src, tmp_path / "fresh")  # as the workflow builds: every file written anew
        second = publish(site, settings(server, base), server.environ, now=at(2))
    assert second.sent == 1, "only the changed file travels"
    assert tree(base / "current") == {**tree(site), RELEASE_MARKER: f"{second.live}\n".encode()}
    assert (base / "current/index.html").stat().st_mtime_ns == front_changed, \
        "an unchanged file keeps its date on the host (the Last-Modified browsers revalidate with)"
    assert (base / "current/impressum/index.html").stat().st_mtime_ns > front_changed
    assert (base / "current").is_symlink()
    assert sorted(p.name for p in (base / "releases").iterdir()) == [first.live, second.live]


@pytest.mark.parametrize("method", ["rsync", "sftp"])
def test_a_new_post_built_from_scratch_sends_only_the_files_it_changed(tmp_path, method):
    # The publish workflow builds on a fresh clone, without the last build's cache or output.
    wall = make_wall(tmp_path / "wall", 200)
    base = tmp_path / "host" / "wall"
    with ssh_server(tmp_path / "sshd", sftp_only=method == "sftp") as server:
        before = tree(build_site(wall, tmp_path / "first"))
        publish(tmp_path / "first", settings(server, base, method), server.environ, now=at(1))
        add(wall, 200)
        after = tree(build_site(wall, tmp_path / "second"))
        report = publish(tmp_path / "second", settings(server, base, method), server.environ, now=at(2))
    changed = [path for path in after if before.get(path) != after[path]]
    assert "beitrag/mastodon-ruhr.example-200-4224b2ef/index.html" in changed
    assert (report.sent, report.deleted) == (len(changed), 0)
    assert len(changed) <= 15, changed


def test_two_publishes_at_once_each_make_a_release_of_their_own_site(tmp_path, src):
    base = tmp_path / "host" / "wall"
    with ssh_server(tmp_path / "sshd") as server:
        publish(build_site(src, tmp_path / "site0"), settings(server, base), server.environ, now=at(1))
        sites = []
        for number in (2, 3):
            add_post(src, number)
            site = build_site(src, tmp_path / f"site{number}")
            write(site / "media/big/eigen.webp", os.urandom(300_000))  # each run brings files of its own
            sites.append(site)
        with ThreadPoolExecutor(2) as pool:
            reports = list(pool.map(lambda pair: publish(pair[0], settings(server, base, bandwidth_limit=2000),
                                                         server.environ, now=at(pair[1])), zip(sites, (2, 3))))
    for site, report in zip(sites, reports):
        assert host_files(base / "releases" / report.live) == tree(site), "nothing of the other run in it"


def test_old_releases_are_pruned_but_never_the_live_one(tmp_path, src):
    base = tmp_path / "host" / "wall"
    site = build_site(src, tmp_path / "site")
    with ssh_server(tmp_path / "sshd") as server:
        for hour in range(1, 5):
            report = publish(site, settings(server, base, keep=2), server.environ, now=at(hour))
    assert len(list((base / "releases").iterdir())) == 2
    assert (base / "current").resolve().name == report.live


def test_rollback_goes_back_to_the_previous_release(tmp_path, src):
    base = tmp_path / "host" / "wall"
    with ssh_server(tmp_path / "sshd") as server:
        old_site = tree(build_site(src, tmp_path / "site"))
        publish(tmp_path / "site", settings(server, base), server.environ, now=at(1))
        add_post(src, 2)
        publish(build_site(src, tmp_path / "site"), settings(server, base), server.environ, now=at(2))
        report = publish(tmp_path / "site", settings(server, base), server.environ, rollback=True)
        assert report.live.startswith("20200401T010000Z-")
        assert host_files(base / "current") == old_site
        with pytest.raises(PublishError, match="no release older than"):
            publish(tmp_path / "site", settings(server, base), server.environ, rollback=True)


def test_a_rollback_asks_the_live_wall_and_says_when_it_still_fails(tmp_path, src, monkeypatch):
    monkeypatch.setattr(publish_module, "LIVE_PAUSE", 0.1)
    with readable_folder("wall-host-") as host, ssh_server(tmp_path / "sshd") as server:
        base = Path(host) / "wall"
        site = build_site(src, tmp_path / "site")
        broken = build_site(src, tmp_path / "broken")
        write(broken / ".htaccess", (broken / ".htaccess").read_text(encoding="utf-8") + "NoSuchSetting on\n")
        for hour, built in ((1, broken), (2, site), (3, broken)):  # published without a live check
            publish(built, settings(server, base), server.environ, now=at(hour))
        with apache_serving(base / "current", SUB_PATH, in_place=True) as live:
            assert requests.get(live, timeout=10).status_code == 500
            report = publish(site, settings(server, base), server.environ, rollback=True, live_url=live)
            assert report.live.startswith("20200401T020000Z-")
            assert requests.get(live, timeout=10).status_code == 200
            with pytest.raises(LiveCheckFailed, match=r"answers 500 after the rollback to release "
                                                      r"20200401T010000Z-\w+: check the web host"):
                publish(site, settings(server, base), server.environ, rollback=True, live_url=live)


def host_script(name: str, *args: str, umask: str = "022") -> subprocess.CompletedProcess:
    """One of deploy/*.sh as the host runs it, under the given umask."""
    return subprocess.run(["sh", "-c", f'umask {umask}; script="$1"; shift; sh "$script" "$@"', "sh",
                           str(ROOT / "deploy" / name), *args], capture_output=True, text=True)


def activate(base: Path, release: str, umask: str = "022") -> subprocess.CompletedProcess:
    """prepare.sh, an upload of one page, activate.sh: a publish as the host sees it."""
    work = f".{release}.abc.tmp"
    prepared = host_script("prepare.sh", str(base), work, "5", umask=umask)
    assert prepared.returncode == 0, prepared.stderr
    write(base / "releases" / work / "index.html", base.joinpath("upload.html").read_text(encoding="utf-8"))
    return host_script("activate.sh", str(base), work, release, "5", umask=umask)


def staged(base: Path, text: str) -> None:
    write(base / "upload.html", text)


def test_a_plain_web_folder_and_a_leftover_link_of_a_dead_run_do_not_stop_the_switch(tmp_path):
    base = tmp_path / "wall"
    write(base / "current/index.html", "alte Seite")  # the web folder before the first publish
    staged(base, "neu")
    (base / ".current.new").symlink_to("current")  # left by a run that died between its two steps
    result = activate(base, "20200401T010000Z-aaaaaaa")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "live: 20200401T010000Z-aaaaaaa\n"
    assert (base / "current/index.html").read_text(encoding="utf-8") == "neu"
    assert (base / "releases/00000000T000000Z-before/index.html").read_text(encoding="utf-8") == "alte Seite"
    assert sorted(os.listdir(base / "releases/20200401T010000Z-aaaaaaa")) == ["index.html"]


def test_the_same_release_name_twice_gets_a_name_of_its_own(tmp_path):
    base = tmp_path / "wall"
    staged(base, "eins")
    assert activate(base, "20200401T010000Z-aaaaaaa").returncode == 0
    result = activate(base, "20200401T010000Z-aaaaaaa")  # published again within the same second
    assert result.returncode == 0, result.stderr
    live = result.stdout.split("live: ", 1)[1].strip()
    assert live.startswith("20200401T010000Z-aaaaaaa-")
    assert sorted(os.listdir(base / "releases/20200401T010000Z-aaaaaaa")) == ["index.html"], "nothing nested"


def test_releases_are_readable_by_the_web_server_whatever_the_accounts_umask(tmp_path):
    base = tmp_path / "wall"
    staged(base, "eins")
    assert activate(base, "20200401T010000Z-aaaaaaa", umask="077").returncode == 0
    assert (base / "releases").stat().st_mode & 0o777 == 0o755


def test_an_unknown_host_key_stops_before_anything_is_sent(tmp_path, src):
    base = tmp_path / "host" / "wall"
    site = build_site(src, tmp_path / "site")
    with ssh_server(tmp_path / "sshd") as server, ssh_server(tmp_path / "other") as impostor:
        environ = {**server.environ, "DEPLOY_KNOWN_HOSTS": impostor.known_hosts.replace(
            str(impostor.port), str(server.port))}
        with pytest.raises(PublishError, match="failed"):
            publish(site, settings(server, base), environ, now=at(1))
    assert not base.exists()


def test_an_empty_site_is_never_published(tmp_path):
    (tmp_path / "site").mkdir()
    with ssh_server(tmp_path / "sshd") as server:
        with pytest.raises(PublishError, match="holds no complete site"):
            publish(tmp_path / "site", settings(server, tmp_path / "host"), server.environ, now=at(1))


def test_the_demo_wall_is_never_published(tmp_path):
    site = tmp_path / "site"
    (tmp_path / "empty-content/posts").mkdir(parents=True)
    build(ROOT / "config.yaml", tmp_path / "empty-content", site, demo_dir=ROOT / "demo", static=STATIC)
    with ssh_server(tmp_path / "sshd") as server:
        with pytest.raises(PublishError, match="ist die Demo-Wall"):
            publish(site, settings(server, tmp_path / "host"), server.environ, now=at(1))
    assert not (tmp_path / "host").exists(), "nothing was sent"


def test_legal_pages_with_gaps_to_fill_in_are_never_published(tmp_path, src):
    impressum = src / "content/pages/impressum.md"
    impressum.write_text(impressum.read_text(encoding="utf-8") + "\nRegistergericht: **[Bitte ergänzen: Registergericht]**\n",
                         encoding="utf-8")
    site = build_site(src, tmp_path / "site")
    with ssh_server(tmp_path / "sshd") as server:
        with pytest.raises(PublishError, match=r"impressum/: \[Bitte ergänzen: Registergericht\]"):
            publish(site, settings(server, tmp_path / "host"), server.environ, now=at(1))
    assert not (tmp_path / "host").exists(), "nothing was sent"


def test_missing_key_names_the_variable(tmp_path, src):
    site = build_site(src, tmp_path / "site")
    config = PublishSettings(method="rsync", host="127.0.0.1", user="x", path="/srv/wall")
    with pytest.raises(PublishError, match="DEPLOY_SSH_KEY is not set"):
        publish(site, config, {})


def test_sftp_only_host_gets_changed_files_and_loses_removed_ones(tmp_path, src):
    base = tmp_path / "host" / "wall"
    with ssh_server(tmp_path / "sshd", sftp_only=True) as server:
        site = build_site(src, tmp_path / "site")
        first = publish(site, settings(server, base, method="sftp"), server.environ)
        assert first.sent == len(tree(site))
        assert host_files(base) == tree(site)
        again = publish(site, settings(server, base, method="sftp"), server.environ)
        assert (again.sent, again.deleted) == (0, 0)
        shutil.rmtree(src / "content/posts/bluesky")
        site = build_site(src, tmp_path / "site")
        third = publish(site, settings(server, base, method="sftp"), server.environ)
    assert third.deleted >= 1 and 0 < third.sent < first.sent
    assert host_files(base) == tree(site)


def host_files(base: Path) -> dict:
    """The site's files on the host: without the sftp manifest and the release marker."""
    return {k: v for k, v in tree(base).items() if k not in (MANIFEST, RELEASE_MARKER)}


def test_sftp_turns_files_into_folders_and_back_and_leaves_no_empty_folder(tmp_path, src):
    base = tmp_path / "host" / "wall"
    with ssh_server(tmp_path / "sshd", sftp_only=True) as server:
        site = build_site(src, tmp_path / "site")
        write(site / "zz", "eine Datei")
        write(site / "yy/index.html", "eine Seite")
        publish(site, settings(server, base, method="sftp"), server.environ)
        (site / "zz").unlink()
        write(site / "zz/index.html", "jetzt ein Ordner")
        shutil.rmtree(site / "yy")
        write(site / "yy", "jetzt eine Datei")
        shutil.rmtree(site / "beitrag" / sorted(os.listdir(site / "beitrag"))[0])  # a post removed
        publish(site, settings(server, base, method="sftp"), server.environ)
        assert host_files(base) == tree(site)
        folders = {str(path.relative_to(base)) for path in base.rglob("*") if path.is_dir()}
        assert folders == {str(path.relative_to(site)) for path in site.rglob("*") if path.is_dir()}, \
            "no empty folder of a removed post answers with a listing"


def test_an_sftp_upload_that_stops_partway_says_so_and_the_next_publish_sends_what_it_touched(
        tmp_path, src, monkeypatch):
    base = tmp_path / "host" / "wall"
    with ssh_server(tmp_path / "sshd", sftp_only=True) as server:
        site = build_site(src, tmp_path / "site")
        publish(site, settings(server, base, method="sftp"), server.environ)
        write(site / "index.html", "<p>neu</p>")
        write(site / "feed.xml", "<feed>neu</feed>")
        monkeypatch.setattr(sftp, "upload_order",  # the connection drops after the feed
                            lambda changed: ["feed.xml", "gibt-es-nicht.html", "index.html"])
        with pytest.raises(UploadStopped, match="stopped partway"):
            publish(site, settings(server, base, method="sftp"), server.environ)
        assert (base / "feed.xml").read_text(encoding="utf-8") == "<feed>neu</feed>"
        monkeypatch.undo()
        again = publish(site, settings(server, base, method="sftp"), server.environ)
        assert again.sent == 2, "both files the stopped upload was to change go up again"
        assert host_files(base) == tree(site)
        # Stopped between sending a post page under its temporary name and the rename; the post then left the site.
        post_page = sorted((base / "beitrag").glob("*/index.html"))[0]
        write(post_page.with_name(".index.html.upload"), "<p>halb</p>")
        shutil.rmtree(site / "beitrag" / post_page.parent.name)
        publish(site, settings(server, base, method="sftp"), server.environ)
        assert host_files(base) == tree(site), "nothing left of the stopped upload, no folder of the removed post"


@pytest.mark.parametrize("refuses", ["", "posix-rename"])
def test_sftp_replaces_each_file_in_one_step_where_the_server_can_rename_over_it(tmp_path, src, refuses):
    base = tmp_path / "host" / "wall"
    with ssh_server(tmp_path / "sshd", sftp_only=True, sftp_refuses=refuses) as server:
        site = build_site(src, tmp_path / "site")
        publish(site, settings(server, base, method="sftp"), server.environ)
        old_front = (base / "index.html").read_bytes()
        write(site / "index.html", "<p>neu</p>")
        with open(base / "index.html", "rb") as visitor:  # a web server sending the front page right now
            publish(site, settings(server, base, method="sftp"), server.environ)
            sent_to_visitor = visitor.read()
        assert host_files(base) == tree(site), "no temporary file or probe left behind"
    if refuses:  # no posix-rename: written in place, as before
        assert sent_to_visitor == b"<p>neu</p>"
    else:
        assert sent_to_visitor == old_front, "the visitor gets the whole old page, not a half-written new one"


def test_sftp_uploads_linked_files_first_and_the_front_page_last():
    order = upload_order(["index.html", "beitrag/a/index.html", "media/ab/c.webp", "404.html",
                          "static/wall.css", "feed.xml"])
    assert order == ["feed.xml", "media/ab/c.webp", "static/wall.css", "beitrag/a/index.html",
                     "404.html", "index.html"]


def test_the_live_wall_is_asked_for_and_a_host_answering_500_gets_the_release_before(tmp_path, src, monkeypatch):
    monkeypatch.setattr(publish_module, "LIVE_PAUSE", 0.1)
    with readable_folder("wall-host-") as host, ssh_server(tmp_path / "sshd") as server:
        base = Path(host) / "wall"
        site = build_site(src, tmp_path / "site")
        publish(site, settings(server, base), server.environ, now=at(1))  # a release to go back to
        with apache_serving(base / "current", SUB_PATH, in_place=True) as live:
            good = publish(site, settings(server, base), server.environ, now=at(2), live_url=live)
            assert (base / "current").resolve().name == good.live
            add_post(src, 3)
            broken = build_site(src, tmp_path / "broken")
            write(broken / ".htaccess", (broken / ".htaccess").read_text(encoding="utf-8") + "NoSuchSetting on\n")
            with pytest.raises(LiveCheckFailed, match=f"answered with status 500 after the switch to release 20200401T030000Z-.*"
                                                      f"switched back to release {good.live}, which is live again"):
                publish(broken, settings(server, base), server.environ, now=at(3), live_url=live)
            assert (base / "current").resolve().name == good.live
            assert requests.get(live, timeout=10).content == (site / "index.html").read_bytes()
            # The same broken main published again (the daily run): back to the good release, not the broken one.
            with pytest.raises(LiveCheckFailed, match=f"switched back to release {good.live}, which is live again"):
                publish(broken, settings(server, base), server.environ, now=at(4), live_url=live)
            assert (base / "current").resolve().name == good.live
            assert not [name for name in os.listdir(base / "releases") if name > good.live], "failed releases are gone"
            assert requests.get(live, timeout=10).status_code == 200


def test_a_web_folder_serving_something_else_fails_the_publish(tmp_path, src, monkeypatch):
    monkeypatch.setattr(publish_module, "LIVE_PAUSE", 0.1)
    with readable_folder("wall-host-") as host, ssh_server(tmp_path / "sshd", sftp_only=True) as server:
        stale = build_site(src, tmp_path / "stale")  # what the web server shows instead of the upload
        add_post(src, 4)
        site = build_site(src, tmp_path / "site")
        with apache_serving(stale, SUB_PATH) as live:
            with pytest.raises(LiveCheckFailed, match=r"serves another release than the one just uploaded "
                                                      r"\(wall-release.txt: none \(status 404\)\) after the upload; "
                                                      "sftp keeps no release to go back to"):
                publish(site, settings(server, Path(host) / "wall", "sftp"), server.environ, live_url=live)
        with apache_serving(Path(host) / "wall", SUB_PATH, in_place=True) as live:
            assert publish(site, settings(server, Path(host) / "wall", "sftp"), server.environ,
                           live_url=live).method == "sftp"


def test_a_host_serving_an_old_copy_fails_the_publish_even_when_only_a_page_changed(tmp_path, src, monkeypatch):
    # The search index, compared before, stays the same when only a page or the stylesheet changes.
    monkeypatch.setattr(publish_module, "LIVE_PAUSE", 0.1)
    with readable_folder("wall-host-") as host, ssh_server(tmp_path / "sshd", sftp_only=True) as server:
        base = Path(host) / "wall"
        first = build_site(src, tmp_path / "first")
        publish(first, settings(server, base, "sftp"), server.environ, now=at(1))
        with apache_serving(base, SUB_PATH) as live:  # a copy: the host goes on serving what was live at 1:00
            impressum = src / "content/pages/impressum.md"
            write(impressum, impressum.read_text(encoding="utf-8") + "\nTelefon 0201 / 82024-0\n")
            second = build_site(src, tmp_path / "second")
            changed = {path for path, data in tree(second).items() if tree(first).get(path) != data}
            assert changed == {"impressum/index.html"}
            with pytest.raises(LiveCheckFailed, match=r"serves another release than the one just uploaded "
                                                      r"\(wall-release.txt: '20200401T010000Z-[0-9a-f]{7}'\)"):
                publish(second, settings(server, base, "sftp"), server.environ, now=at(2), live_url=live)


def test_an_sftp_upload_that_stops_partway_does_not_keep_a_removed_post_online_for_ever(tmp_path, src, monkeypatch):
    # Before anything is sent, the host's manifest is rewritten without the files about to
    # change, and also without the files about to be removed. An upload that stops after that
    # (a dropped connection, the runner killed) leaves a manifest that no longer names the
    # removed post's page, so no later publish ever deletes it from the host.
    base = tmp_path / "host" / "wall"
    with ssh_server(tmp_path / "sshd", sftp_only=True) as server:
        site = build_site(src, tmp_path / "site")
        publish(site, settings(server, base, method="sftp"), server.environ)
        removed_post = sorted((site / "beitrag").iterdir())[0].name
        shutil.rmtree(site / "beitrag" / removed_post)  # an author deleted it, an editor took it down
        write(site / "index.html", "<p>neu</p>")
        monkeypatch.setattr(sftp, "upload_order",  # the connection drops before the removals
                            lambda changed: ["gibt-es-nicht.html", *changed])
        with pytest.raises(UploadStopped):
            publish(site, settings(server, base, method="sftp"), server.environ)
        monkeypatch.undo()
        publish(site, settings(server, base, method="sftp"), server.environ)
        again = publish(site, settings(server, base, method="sftp"), server.environ)
        assert not (base / "beitrag" / removed_post).exists(), \
            f"beitrag/{removed_post}/ is still online after two complete publishes (deleted: {again.deleted})"
        assert host_files(base) == tree(site)


def test_a_release_that_failed_its_live_check_is_never_a_rollback_target_even_if_the_run_dies(tmp_path):
    # After a failed live check, rollback.sh drop switches current back and only then deletes
    # the failed release. A run killed between the two (the runner's timeout, a dropped SSH
    # connection: sh -s stops reading its script) leaves the failed release with an ordinary
    # release name; killed during the rm -rf, half of it. After the next good publish, a
    # rollback (the workflow's button) goes to the newest older release: the failed one.
    base = tmp_path / "wall"
    for release, page in (("20200401T010000Z-aaaaaaa", "gut"), ("20200401T020000Z-bbbbbbb", "kaputt")):
        staged(base, page)
        assert activate(base, release).returncode == 0
    fake_bin = tmp_path / "bin"
    write(fake_bin / "rm", '#!/bin/sh\ncase "$*" in *releases/*) kill -9 "$PPID"; exit 1 ;; esac\n'
                           'exec /bin/rm "$@"\n').chmod(0o755)  # the run dies as the deletion starts
    dropped = subprocess.run(["sh", str(ROOT / "deploy/rollback.sh"), str(base), "drop"], capture_output=True,
                             text=True, env={**os.environ, "PATH": f"{fake_bin}:{os.environ['PATH']}"})
    assert dropped.returncode == KILLED_BY_SIGNAL
    assert (base / "current").resolve().name == "20200401T010000Z-aaaaaaa", "switched back before it died"
    staged(base, "neu und gut")
    assert activate(base, "20200401T030000Z-ccccccc").returncode == 0  # the next publish
    rolled_back = host_script("rollback.sh", str(base))
    assert rolled_back.returncode == 0, rolled_back.stderr
    assert (base / "current").resolve().name != "20200401T020000Z-bbbbbbb", \
        "a rollback went to the release that had failed its live check"
    assert host_script("prepare.sh", str(base), ".next.tmp", "5").returncode == 0  # the next publish finishes the job
    assert sorted(path.name for path in (base / "releases").iterdir() if "bbbbbbb" in path.name) == []


def test_a_release_whose_deletion_a_killed_run_left_half_done_is_no_rollback_target(tmp_path):
    base = tmp_path / "wall"
    releases = ["20200401T010000Z-aaaaaaa", "20200401T020000Z-bbbbbbb", "20200401T030000Z-ccccccc"]
    for release in releases:
        staged(base, release)
        assert activate(base, release).returncode == 0
    write(base / "releases" / f".dropping-{releases[0]}", "")  # pruning died halfway through it
    (base / "releases" / releases[0] / "index.html").unlink()
    assert host_script("rollback.sh", str(base)).returncode == 0
    assert (base / "current").resolve().name == releases[1]
    again = host_script("rollback.sh", str(base))
    assert again.returncode == 4 and "no release older than" in again.stderr
    assert host_script("prepare.sh", str(base), ".next.tmp", "5").returncode == 0
    assert sorted(path.name for path in (base / "releases").iterdir()) == [".next.tmp", *releases[1:]]


KILLED_BY_SIGNAL = -9


def test_an_sftp_upload_that_stops_after_its_removals_does_not_lose_a_page_that_comes_back(
        tmp_path, src, monkeypatch):
    # The manifest written before the upload keeps naming the files about to be removed, with
    # their old hashes.  When the upload stops after the removals but before the full manifest
    # (a dropped connection while sending the release marker), the host lacks those files while
    # its manifest says it holds them.  A file that then comes back unchanged (a post taken down
    # and put back, the last listing page that returns with the same posts, a shared image)
    # matches the manifest's hash: it is never sent again, and the page stays missing.
    base = tmp_path / "host" / "wall"
    with ssh_server(tmp_path / "sshd", sftp_only=True) as server:
        site = build_site(src, tmp_path / "site")
        publish(site, settings(server, base, method="sftp"), server.environ)
        post = sorted((site / "beitrag").iterdir())[0].name
        kept = tmp_path / "kept-post"
        shutil.copytree(site / "beitrag" / post, kept)
        shutil.rmtree(site / "beitrag" / post)  # taken down
        batch = sftp._sftp_batch

        def stops_after_the_removals(site_dir, host_base, changed, removed, manifests, marker, send):
            return batch(site_dir, host_base, changed, removed, manifests, tmp_path / "gibt-es-nicht", send)
        monkeypatch.setattr(sftp, "_sftp_batch", stops_after_the_removals)
        with pytest.raises(UploadStopped):
            publish(site, settings(server, base, method="sftp"), server.environ)
        monkeypatch.undo()
        assert not (base / "beitrag" / post).exists()
        shutil.copytree(kept, site / "beitrag" / post)  # put back, the same page
        publish(site, settings(server, base, method="sftp"), server.environ)
        assert (base / "beitrag" / post / "index.html").is_file(), "the page that came back is online"
        assert host_files(base) == tree(site)
