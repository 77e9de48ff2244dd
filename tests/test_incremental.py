"""Incremental builds: only what changed is rendered and written, and the result is byte-identical
to a full build of the same input."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import re
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from wall import buildcache, output, sitedata
from wall.output import claimed, landing_order
from wall.pipeline import BuildError, build
from wall.post import Author, Post
from wall.pagination import sort_newest_first
from wall.store import load_content
from wall.writing import write_post

from .conftest import ROOT, sitemap_parts, tree, write

STATIC = ROOT / "static"
START = datetime(2020, 3, 20, 8, tzinfo=timezone.utc)


def make_wall(folder: Path, count: int) -> Path:
    """A config with 5 posts per page and count posts over all platforms and two categories."""
    write(folder / "config.yaml", (ROOT / "tests/fixtures/site/config.yaml").read_text(encoding="utf-8")
          .replace("posts_per_page: 1", "posts_per_page: 5"))
    shutil.copytree(ROOT / "tests/fixtures/site/content/pages", folder / "content/pages")
    for number in range(count):
        add(folder, number)
    return folder


def add(folder: Path, number: int, **changes) -> None:
    platform = ("mastodon", "bluesky", "x", "rss", "manual")[number % 5]
    native = f"ruhr.example:{number}" if platform == "mastodon" else str(number)
    values = dict(id=f"{platform}:{native}", platform=platform, url=f"https://firma.example/{number}",
                  author=Author(name=f"Firma {number % 7}", handle=f"firma{number % 7}"),
                  published=START + timedelta(hours=number), status="approved",
                  category=("angebot", "gesuch")[number % 2],
                  text=f"Wir {'bieten' if number % 2 else 'suchen'} Werkzeug Nummer {number} #Werkzeug",
                  hashtags=("Werkzeug",))
    values.update(changes)
    write_post(folder / "content", Post(**values))


def build_both(folder: Path, out: Path) -> tuple[dict, dict, int]:
    """An incremental build into out and a full build elsewhere; their trees and what changed."""
    report = build(folder / "config.yaml", folder / "content", out, demo_dir=None, static=STATIC)
    full = folder / "full"
    shutil.rmtree(full, ignore_errors=True)
    build(folder / "config.yaml", folder / "content", full, demo_dir=None, static=STATIC, full=True)
    return tree(out), tree(full), report.files_written


def config_edit(folder: Path, old: str, new: str) -> None:
    path = folder / "config.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


CHANGES = {
    "add a post": lambda folder: add(folder, 60),
    "edit a post": lambda folder: add(folder, 30, text="Neu: Wir bieten Leitern #Werkzeug"),
    "reject a post": lambda folder: add(folder, 30, status="rejected"),
    "delete a post": lambda folder: next((folder / "content/posts/x").glob("*.yaml")).unlink(),
    "deny an author": lambda folder: config_edit(folder, "    authors: []\n    keywords", "    authors: [firma3]\n    keywords"),
    "rename the wall": lambda folder: config_edit(folder, 'title: "#EssenArbeitetZusammen"', "title: Essen hilft"),
    "edit a page": lambda folder: write(folder / "content/pages/impressum.md", "---\ntitle: Impressum\n---\nNeu\n"),
    "record a fetch": lambda folder: write(folder / "content/state.yaml", "last_fetch: '2020-05-01T06:00:00+02:00'\n"),
    "pin a post": lambda folder: add(folder, 10, pinned=True),
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_incremental_build_equals_a_full_build(tmp_path, change):
    folder = make_wall(tmp_path, 60)
    build(folder / "config.yaml", folder / "content", folder / "site", demo_dir=None, static=STATIC)
    change(folder)
    incremental, full, changed = build_both(folder, folder / "site")
    assert incremental == full
    assert changed > 0


def test_a_rebuild_with_nothing_changed_writes_nothing(tmp_path):
    folder = make_wall(tmp_path, 30)
    out = folder / "site"
    build(folder / "config.yaml", folder / "content", out, demo_dir=None, static=STATIC)
    inode = (out / "index.html").stat().st_ino
    report = build(folder / "config.yaml", folder / "content", out, demo_dir=None, static=STATIC)
    assert report.files_written == 0
    assert (out / "index.html").stat().st_ino == inode, "the site folder was left alone"


def test_adding_one_post_changes_few_files_and_no_older_post_page(tmp_path):
    folder = make_wall(tmp_path, 200)
    out = folder / "site"
    build(folder / "config.yaml", folder / "content", out, demo_dir=None, static=STATIC)
    before = tree(out)
    add(folder, 200)
    report = build(folder / "config.yaml", folder / "content", out, demo_dir=None, static=STATIC)
    after = tree(out)
    changed = sorted(path for path in set(before) | set(after) if before.get(path) != after.get(path))
    assert report.files_written == len(changed)
    assert len(changed) <= 15, changed
    assert [p for p in changed if p.startswith("beitrag/")] == ["beitrag/mastodon-ruhr.example-200-4224b2ef/index.html"]
    assert "archiv/index.html" in changed, "the month of the new post counts one more"


def test_a_new_deny_rule_renders_only_the_pages_it_changes(tmp_path):
    folder = make_wall(tmp_path, 100)
    out = folder / "site"
    build(folder / "config.yaml", folder / "content", out, demo_dir=None, static=STATIC)
    before = tree(out)
    config_edit(folder, "    keywords: []", "    keywords: [Nummer 99]")
    report = build(folder / "config.yaml", folder / "content", out, demo_dir=None, static=STATIC)
    after = tree(out)
    changed = [path for path in set(before) | set(after) if before.get(path) != after.get(path)]
    assert "beitrag/manual-99/index.html" in changed and "beitrag/manual-99/index.html" not in after, changed
    assert report.files_written == len(changed) < 20


@pytest.mark.parametrize("hide", [
    lambda folder: config_edit(folder, "    ids: []", '    ids: ["bluesky:6"]'),  # a deny rule
    lambda folder: add(folder, 6, status="rejected"),  # an editor takes it down ("Entfernung beantragen")
], ids=["denied", "rejected"])
def test_hiding_an_old_post_changes_its_own_archive_pages_and_moves_no_other(tmp_path, hide):
    folder = make_wall(tmp_path, 60)
    out = folder / "site"
    build(folder / "config.yaml", folder / "content", out, demo_dir=None, static=STATIC)
    before = tree(out)
    hide(folder)  # bluesky:6, the 7th oldest post
    after, full, written = build_both(folder, out)
    assert after == full
    changed = sorted(path for path in set(before) | set(after) if before.get(path) != after.get(path))
    assert written == len(changed)
    archive_pages = [path for path in changed if "/seite/" in f"/{path}"]
    assert archive_pages == archive_pages_showing(before, "bluesky-6")  # one in each of its three listings
    assert len(archive_pages) == 3 and archive_pages_showing(after, "bluesky-6") == []
    assert "beitrag/bluesky-6/index.html" in changed and "beitrag/bluesky-6/index.html" not in after


def archive_pages_showing(site: dict[str, bytes], slug: str) -> list[str]:
    return sorted(path for path, data in site.items()
                  if "/seite/" in f"/{path}" and f'id="titel-{slug}"'.encode() in data)


def test_a_post_dated_back_changes_the_archive_pages_it_lands_on_and_moves_no_other_post(tmp_path):
    folder = make_wall(tmp_path, 100)
    out = folder / "site"
    build(folder / "config.yaml", folder / "content", out, demo_dir=None, static=STATIC)
    before = tree(out)
    # Added by hand weeks later: dated between the 10th and the 11th oldest post.
    add(folder, 1000, published=START + timedelta(hours=9, minutes=30))
    after, full, written = build_both(folder, out)
    assert after == full
    changed = sorted(path for path in set(before) | set(after) if before.get(path) != after.get(path))
    assert written == len(changed)
    archive_pages = [path for path in changed if "/seite/" in f"/{path}"]
    assert set(archive_pages_showing(after, "mastodon-ruhr.example-1000-8085b9a6")) <= set(archive_pages)
    # Cutting by count, every archive page newer than it (45 here) would change. Cut by the posts,
    # its own pages change, and where a neighbour had been cut by count (at 2 * 5 posts) a few more.
    newer = [path for path in before if "/seite/" in f"/{path}" and path.split("/seite/")[-1] > "2020-03-20-1830"]
    kept = [path for path in newer if after.get(path) == before[path]]
    assert len(archive_pages) <= 15 and len(kept) >= 2 * len(newer) / 3, (archive_pages, len(newer))


def test_a_small_change_is_moved_into_the_site_and_a_large_one_replaces_it(tmp_path, monkeypatch):
    monkeypatch.setattr(output, "IN_PLACE_LIMIT", 30)  # the wall below has about 150 files
    folder = make_wall(tmp_path, 60)
    out = folder / "site"
    build(folder / "config.yaml", folder / "content", out, demo_dir=None, static=STATIC)
    site_folder = out.stat().st_ino
    deleted = next((folder / "content/posts/x").glob("*.yaml"))
    page = out / "beitrag" / f"x-{deleted.stem}"
    assert page.is_dir()
    deleted.unlink()
    add(folder, 60)
    report = build(folder / "config.yaml", folder / "content", out, demo_dir=None, static=STATIC)
    assert 0 < report.files_written <= 30
    assert out.stat().st_ino == site_folder, "files were moved into the existing folder"
    assert not page.exists(), "the deleted post's folder went with its page"
    assert not [path for path in out.rglob("*") if path.is_dir() and not any(path.iterdir())]
    assert sorted(p.name for p in folder.glob(".site.*")) == [".site.cache", ".site.lock", ".site.parsed"], \
        "no staging left"

    config_edit(folder, 'title: "#EssenArbeitetZusammen"', "title: Essen hilft")
    build(folder / "config.yaml", folder / "content", out, demo_dir=None, static=STATIC)
    assert out.stat().st_ino != site_folder, "a change to every page replaces the folder at once"


def test_a_build_that_dies_while_moving_files_is_repaired_by_the_next_one(tmp_path, monkeypatch):
    folder = make_wall(tmp_path, 30)
    out = folder / "site"
    build(folder / "config.yaml", folder / "content", out, demo_dir=None, static=STATIC)
    moves = []

    def dies_after_the_post_page(source, target):  # its own page: moved in path order
        if any(moved.endswith("beitrag/rss-3/index.html") for moved in moves):
            raise KeyboardInterrupt("the machine went down")
        moves.append(str(target))
        return real_replace(source, target)
    real_replace = output.os.replace
    add(folder, 3, text="Wir bieten etwas ganz anderes an #Werkzeug")
    monkeypatch.setattr(output.os, "replace", dies_after_the_post_page)
    with pytest.raises(KeyboardInterrupt):
        build(folder / "config.yaml", folder / "content", out, demo_dir=None, static=STATIC)
    monkeypatch.setattr(output.os, "replace", real_replace)  # not undo(): that would undo the chdir too
    assert "ganz anderes" in (out / "beitrag/rss-3/index.html").read_text(encoding="utf-8"), \
        "the site holds the changed post page and not the rest of the change"
    add(folder, 3)  # the change is taken back before the next build
    site, full, _ = build_both(folder, out)
    assert site == full, "the moved files do not stay as if they were current"


def test_what_dead_builds_left_beside_the_site_is_removed(tmp_path):
    # Whatever the process ids in the names: holding the lock, no other build is running.
    folder = make_wall(tmp_path, 5)
    out = folder / "site"
    for leftover in (".site.new-999999999", ".site.old-999999998", f".site.new-{1}", f".site.old-{os.getpid()}"):
        write(folder / leftover / "index.html", "Kopie")
    write(folder / "..site.parsed.partial-x1y2z3", "halb")
    build(folder / "config.yaml", folder / "content", out, demo_dir=None, static=STATIC)
    assert sorted(p.name for p in folder.glob(".*site.*")) == [".site.cache", ".site.lock", ".site.parsed"]


def test_a_second_build_into_the_same_folder_is_refused_while_one_runs(tmp_path):
    folder = make_wall(tmp_path, 5)
    out = folder / "site"
    build(folder / "config.yaml", folder / "content", out, demo_dir=None, static=STATIC)
    before = tree(out)
    add(folder, 3, text="Wir bieten etwas ganz anderes an #Werkzeug")
    with claimed(out):  # as a build running beside this one holds it
        with pytest.raises(BuildError, match="another build is writing into .*site; nothing was written"):
            build(folder / "config.yaml", folder / "content", out, demo_dir=None, static=STATIC)
    assert tree(out) == before
    build(folder / "config.yaml", folder / "content", out, demo_dir=None, static=STATIC)
    assert "ganz anderes" in (out / "beitrag/rss-3/index.html").read_text(encoding="utf-8")


def test_files_new_to_the_site_land_before_the_pages_that_link_to_them(tmp_path):
    write(tmp_path / "index.html", "old")
    order = landing_order({"index.html", "beitrag/neu/index.html", "feed.xml"}, tmp_path)
    assert order == ["beitrag/neu/index.html", "feed.xml", "index.html"]


def test_the_parsed_files_are_saved_again_only_once_many_have_changed(tmp_path, monkeypatch):
    monkeypatch.setattr(buildcache, "REPARSE_LIMIT", 3)
    saved: list[str] = []  # the cache files written, by name (an inode number can be reused)
    real_write = buildcache.write_atomic
    monkeypatch.setattr(buildcache, "write_atomic", lambda path, data: (saved.append(path.name), real_write(path, data)))
    folder = make_wall(tmp_path, 30)
    out = folder / "site"
    build(folder / "config.yaml", folder / "content", out, demo_dir=None, static=STATIC)
    assert sorted(saved) == [".site.cache", ".site.parsed"]

    saved.clear()
    add(folder, 30)
    build(folder / "config.yaml", folder / "content", out, demo_dir=None, static=STATIC)
    assert saved == [".site.cache"], "one new file: parsed again next time rather than saved now; the keys always"

    saved.clear()
    for number in range(31, 34):
        add(folder, number)
    build(folder / "config.yaml", folder / "content", out, demo_dir=None, static=STATIC)
    assert sorted(saved) == [".site.cache", ".site.parsed"], "four files behind the saved state: saved again"
    incremental, full, _ = build_both(folder, out)
    assert incremental == full


def test_a_build_cache_written_by_other_code_is_ignored(tmp_path):
    folder = make_wall(tmp_path, 10)
    out = folder / "site"
    build(folder / "config.yaml", folder / "content", out, demo_dir=None, static=STATIC)
    assert buildcache.BuildCache.load(out).keys and buildcache.BuildCache.load(out).memo.entries
    for name in (".site.cache", ".site.parsed"):  # as an older version of the wall left them
        path = folder / name
        version, cwd, *data = pickle.loads(buildcache.opened(path.read_bytes()))
        path.write_bytes(buildcache.seal(pickle.dumps((version + "-older", cwd, *data))))
    stale = buildcache.BuildCache.load(out)
    assert (stale.keys, stale.memo.entries, stale.related) == ({}, {}, {})
    incremental, full, changed = build_both(folder, out)
    assert incremental == full and changed == 0


class _RunsCode:
    def __init__(self, proof: Path):
        self.proof = proof

    def __reduce__(self):  # what unpickling calls: here it would write the proof file
        return (Path.write_text, (self.proof, "ran"))


@pytest.mark.parametrize("sealed", [False, True], ids=["unsealed", "sealed with another key"])
def test_a_build_cache_from_elsewhere_is_never_unpickled(tmp_path, sealed):
    # A pull request could force-add .site.cache: unpickled, it would run its code in the publish job.
    folder = make_wall(tmp_path, 10)
    out = folder / "site"
    build(folder / "config.yaml", folder / "content", out, demo_dir=None, static=STATIC)
    proof = tmp_path / "proof"
    for name in (".site.cache", ".site.parsed"):
        body = pickle.dumps(_RunsCode(proof))
        other_key = hashlib.blake2b(body, key=b"k" * 32, digest_size=buildcache.SEAL_SIZE).digest()
        (folder / name).write_bytes(other_key + body if sealed else body)
    assert buildcache.BuildCache.load(out).keys == {}
    incremental, full, changed = build_both(folder, out)
    assert not proof.exists(), "the cache's code never ran"
    assert incremental == full and changed == 0


def test_parsed_files_changed_under_their_seal_are_never_unpickled(tmp_path):
    folder = make_wall(tmp_path, 10)
    out = folder / "site"
    build(folder / "config.yaml", folder / "content", out, demo_dir=None, static=STATIC)
    path, proof = folder / ".site.parsed", tmp_path / "proof"
    sealed = path.read_bytes()
    version, cwd, parts = pickle.loads(buildcache.opened(sealed))
    forged = pickle.dumps((version, cwd, [pickle.dumps(_RunsCode(proof))] + parts[1:]))
    path.write_bytes(sealed[:buildcache.SEAL_SIZE] + forged)  # the seal of the file as it was
    assert buildcache.BuildCache.load(out).memo.entries == {}
    incremental, full, changed = build_both(folder, out)
    assert not proof.exists(), "the forged part's code never ran"
    assert incremental == full and changed == 0


def search_parts(site: Path) -> list[list[str]]:
    """The search index's parts in the order the browser searches them: the slugs in each."""
    newest = json.loads((site / "suche/index.json").read_text(encoding="utf-8"))
    parts = [newest] + [json.loads((site / "suche" / name).read_text(encoding="utf-8")) for name in newest["older"]]
    return [[entry["s"] for entry in part["posts"]] for part in parts]


def changed_in(before: dict, after: dict, folder: str) -> list[str]:
    return sorted(path for path in set(before) | set(after)
                  if path.startswith(folder) and before.get(path) != after.get(path))


def test_the_search_index_comes_in_parts_and_new_posts_change_the_newest_only(tmp_path, monkeypatch):
    monkeypatch.setattr(sitedata, "INDEX_PART", 10)
    folder = make_wall(tmp_path, 60)
    out = folder / "site"
    build(folder / "config.yaml", folder / "content", out, demo_dir=None, static=STATIC)
    posts = sort_newest_first(load_content(folder / "content", ["angebot", "gesuch"]).posts)
    parts = search_parts(out)
    assert [slug for part in parts for slug in part] == [post.slug for post in posts]  # newest first, each once
    assert len(parts[0]) >= 10 and all(5 <= len(part) <= 20 for part in parts[1:]) and len(parts) >= 3
    older = json.loads((out / "suche/index.json").read_text(encoding="utf-8"))["older"]
    assert all(re.fullmatch(r"teil-2020-\d\d-\d\d(-\d+)?\.json", name) for name in older), older

    before = tree(out)
    add(folder, 60)
    after, full, _ = build_both(folder, out)
    assert after == full
    assert changed_in(before, after, "suche/") == ["suche/index.json"]

    for number in range(61, 90):  # the newest part fills up: parts of older posts are cut from it
        add(folder, number)
    build(folder / "config.yaml", folder / "content", out, demo_dir=None, static=STATIC)
    changed = changed_in(after, tree(out), "suche/")
    assert "suche/index.json" in changed and len(changed) >= 2
    assert [path for path in changed if path in after and path != "suche/index.json"] == [], "older parts stay"


BASE = "https://www.ewg.de/essenarbeitetzusammen/"


def test_the_sitemap_comes_in_parts_and_a_new_post_changes_the_newest_and_the_index(tmp_path, monkeypatch):
    monkeypatch.setattr(sitedata, "INDEX_PART", 10)
    folder = make_wall(tmp_path, 60)
    out = folder / "site"
    build(folder / "config.yaml", folder / "content", out, demo_dir=None, static=STATIC)
    parts = sitemap_parts(out, BASE)
    names = list(parts)
    assert names[0] == "sitemap-neueste.xml" and len(names) >= 3
    assert all(re.fullmatch(r"sitemap-2020-\d\d-\d\d-\d{4}(-\d+)?\.xml", name) for name in names[1:]), names
    listed = [path for paths in parts.values() for path in paths]
    assert sorted(listed) == sorted(path.removesuffix("index.html") for path in tree(out)
                                    if path.endswith("index.html") and path != "wall/index.html")
    assert {"", "impressum/", "suche/", "kategorie/angebot/"} <= set(parts["sitemap-neueste.xml"])
    for name in names[1:]:  # an older part: posts' pages and archive pages only, of about ten posts
        posts = [path for path in parts[name] if path.startswith("beitrag/")]
        assert 5 <= len(posts) <= 20 and all(path.startswith(("beitrag/", "seite/")) or "/seite/" in path
                                             for path in parts[name]), parts[name]

    before = tree(out)
    add(folder, 60)
    after, full, _ = build_both(folder, out)
    assert after == full
    assert changed_in(before, after, "sitemap") == ["sitemap-neueste.xml", "sitemap.xml"]
    assert any(path.startswith("beitrag/mastodon-ruhr.example-60-") for path in sitemap_parts(out, BASE)["sitemap-neueste.xml"])

    add(folder, 61, published=START + timedelta(hours=20, minutes=30),  # dated back among old posts
        fetched_at=START + timedelta(hours=70))
    build(folder / "config.yaml", folder / "content", out, demo_dir=None, static=STATIC)
    changed = changed_in(after, tree(out), "sitemap")
    holding = [name for name, paths in sitemap_parts(out, BASE).items() if "beitrag/bluesky-61/" in paths]
    assert holding != ["sitemap-neueste.xml"] and changed == sorted(holding + ["sitemap.xml"])


def test_hiding_an_old_post_changes_its_own_part_of_the_search_index(tmp_path, monkeypatch):
    monkeypatch.setattr(sitedata, "INDEX_PART", 10)
    folder = make_wall(tmp_path, 60)
    out = folder / "site"
    build(folder / "config.yaml", folder / "content", out, demo_dir=None, static=STATIC)
    before = tree(out)
    holding = [path for path, data in before.items() if path.startswith("suche/teil-") and b'"bluesky-6"' in data]
    config_edit(folder, "    ids: []", '    ids: ["bluesky:6"]')  # the 7th oldest post
    build(folder / "config.yaml", folder / "content", out, demo_dir=None, static=STATIC)
    assert changed_in(before, tree(out), "suche/") == holding and len(holding) == 1
    assert b'"bluesky-6"' not in tree(out)[holding[0]]


BUILD = ("build", "--config", "config.yaml", "--content", "content", "--out", "site")


def test_a_build_killed_while_moving_files_leaves_no_page_the_next_build_takes_for_current(tmp_path):
    # test_a_build_that_dies_while_moving_files_is_repaired_by_the_next_one passes only because its
    # monkeypatch.undo() also undoes conftest's chdir: the working folder differs, the cache is
    # refused and the next build is a full one. Here every build runs as the real command, in one
    # folder, and the first is SIGKILLed (a runner's timeout) right after the changed post page
    # was moved into site/, before the cache is saved.
    from .crash import KILLED, after_rename_of, generate
    folder = make_wall(tmp_path, 30)
    assert generate(folder, *BUILD).returncode == 0
    add(folder, 3, text="Wir bieten etwas ganz anderes an #Werkzeug")
    killed = generate(folder, *BUILD, kill_when=after_rename_of("beitrag/rss-3/index.html"))
    assert killed.returncode == KILLED
    assert "ganz anderes" in (folder / "site/beitrag/rss-3/index.html").read_text(encoding="utf-8")
    add(folder, 3)  # the change is taken back (a revert, a rejected edit) before the next build
    assert generate(folder, *BUILD).returncode == 0
    assert generate(folder, *BUILD[:-1], "full", "--full").returncode == 0
    site, full = tree(folder / "site"), tree(folder / "full")
    stale = sorted(path for path in set(site) | set(full) if site.get(path) != full.get(path))
    assert stale == [], "pages moved in by the killed build are kept as if they were current"


def test_a_build_killed_while_swapping_the_site_folder_leaves_the_last_good_site(tmp_path):
    # A large change replaces site/ with two renames: site/ -> .site.old-PID, then
    # .site.new-PID -> site/. Killed between them, there is no site/ at all; the next build
    # that fails (here: a broken post file) does not put the old one back either, and the
    # one after that deletes it as a dead build's leftover.
    from .crash import KILLED, at_rename_from, generate
    folder = make_wall(tmp_path, 120)  # a change to every page is more than IN_PLACE_LIMIT files
    assert generate(folder, *BUILD).returncode == 0
    good = tree(folder / "site")
    config_edit(folder, 'title: "#EssenArbeitetZusammen"', "title: Essen hilft")
    killed = generate(folder, *BUILD, kill_when=at_rename_from(".site.new-"))
    assert killed.returncode == KILLED
    write(folder / "content/posts/x/kaputt.yaml", "id: [\n")
    assert generate(folder, *BUILD).returncode == 1
    assert (folder / "site").is_dir(), "no site/ at all: serve and publish have nothing, the old one sits in .site.old-*"
    assert tree(folder / "site") == good


def test_a_dead_builds_old_folder_does_not_fail_a_later_build_that_gets_its_process_id(tmp_path):
    # Killed while deleting the replaced site (the last step of a large change; at 10,000 posts
    # the longest one), a build leaves .site.old-PID. _remove_leftovers spares it while a process
    # with that id runs, and a build that got the same id (in a container the build runs with
    # the same id every time) counts as running: _swap's rename of site/ onto the non-empty
    # folder then fails with 'Directory not empty', at every large change from then on.
    from .crash import KILLED, generate
    folder = make_wall(tmp_path, 120)
    assert generate(folder, *BUILD).returncode == 0
    config_edit(folder, 'title: "#EssenArbeitetZusammen"', "title: Essen hilft")
    killed = generate(folder, *BUILD, kill_when=(
        "def should_kill(event, args):\n"
        "    return event == 'shutil.rmtree' and os.path.basename(str(args[0])).startswith('.site.old-')\n"))
    assert killed.returncode == KILLED
    (leftover,) = folder.glob(".site.old-*")
    leftover.rename(folder / f".site.old-{os.getpid()}")  # the next build gets the dead one's id
    config_edit(folder, "title: Essen hilft", "title: Essen hilft sich")
    build(folder / "config.yaml", folder / "content", folder / "site", demo_dir=None, static=STATIC)
    assert "Essen hilft sich" in (folder / "site/index.html").read_text(encoding="utf-8")


def test_a_build_killed_while_saving_its_cache_leaves_no_copy_of_it_beside_the_site(tmp_path):
    # The cache files are written with write_atomic: a temporary file beside them, then a rename.
    # Killed before the rename, the temporary file (..site.parsed.XXXXXXXX, 60 MB at 50,000 posts)
    # stays: _remove_leftovers looks for .site.new-PID and .site.old-PID only, and .gitignore
    # does not cover it either.
    from .crash import KILLED, generate
    folder = make_wall(tmp_path, 30)
    killed = generate(folder, *BUILD, kill_when=(
        "def should_kill(event, args):\n"
        "    return event == 'os.rename' and str(args[1]).endswith('.site.parsed')\n"))
    assert killed.returncode == KILLED
    assert generate(folder, *BUILD).returncode == 0
    assert generate(folder, *BUILD).returncode == 0
    beside = sorted(path.name for path in folder.iterdir() if path.name.startswith(".site") or path.name.startswith(".."))
    assert beside == [".site.cache", ".site.lock", ".site.parsed"]


@pytest.mark.parametrize("edit", ["template", "stylesheet"])
def test_a_rebuild_after_a_template_or_the_stylesheet_changed_renders_the_change(tmp_path, edit):
    # A rebuild whose posts, config and pages are unchanged reuses the last plan: the templates and
    # the stylesheet must count among what the plan was made from.
    folder = make_wall(tmp_path, 12)
    templates, static = shutil.copytree(ROOT / "templates", tmp_path / "templates"), shutil.copytree(STATIC, tmp_path / "static")
    out = folder / "site"
    build(folder / "config.yaml", folder / "content", out, demo_dir=None, templates=templates, static=static)
    if edit == "template":
        page = templates / "404.html"
        page.write_text(page.read_text(encoding="utf-8").replace("</h1>", " (neu)</h1>", 1), encoding="utf-8")
    else:
        (static / "wall.css").write_text((static / "wall.css").read_text(encoding="utf-8") + "\n/* neu */\n",
                                         encoding="utf-8")
    before = tree(out)
    build(folder / "config.yaml", folder / "content", out, demo_dir=None, templates=templates, static=static)
    after = tree(out)
    if edit == "template":
        assert b"(neu)</h1>" in after["404.html"] and b"(neu)" not in before["404.html"]
    else:
        assert after["index.html"] != before["index.html"], "the pages name the stylesheet's new version"


def test_a_rebuild_with_nothing_changed_puts_back_a_page_removed_from_the_site(tmp_path):
    folder = make_wall(tmp_path, 12)
    out = folder / "site"
    build(folder / "config.yaml", folder / "content", out, demo_dir=None, static=STATIC)
    page = (out / "index.html").read_text(encoding="utf-8")
    (out / "index.html").unlink()
    report = build(folder / "config.yaml", folder / "content", out, demo_dir=None, static=STATIC)
    assert report.files_written == 1 and (out / "index.html").read_text(encoding="utf-8") == page
