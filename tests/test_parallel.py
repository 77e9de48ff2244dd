"""Builds spread over forked workers: the same bytes as one process, and failures still lose nothing."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import time

import pytest

from wall import buildcache, output, store, workers
from wall.buildcache import BuildCache
from wall.post import Post
from wall.yamlfile import display_path
from wall.pipeline import BuildError, ContentError, build

from .conftest import ROOT, tree, write
from .test_incremental import STATIC, add, make_wall


@pytest.fixture
def small_parallel_threshold(monkeypatch):
    """Workers even for a small wall (normally only hundreds of files are worth a fork)."""
    monkeypatch.setattr(output, "PARALLEL_FROM", 1)
    monkeypatch.setattr(store, "PARALLEL_FROM", 1)


def _build(folder, out, jobs, **options):
    return build(folder / "config.yaml", folder / "content", out, demo_dir=None, static=STATIC, jobs=jobs,
                 **options)


def test_workers_build_the_same_site_as_one_process(tmp_path, small_parallel_threshold):
    folder = make_wall(tmp_path, 40)
    alone = _build(folder, tmp_path / "alone", jobs=1)
    shared = _build(folder, tmp_path / "shared", jobs=3)
    assert tree(tmp_path / "shared") == tree(tmp_path / "alone")
    assert shared.files_written == alone.files_written > 40
    assert multiprocessing.active_children() == []


def test_a_page_failing_its_safety_check_in_a_worker_leaves_the_site_as_it_was(tmp_path, small_parallel_threshold):
    folder = make_wall(tmp_path, 30)
    out = tmp_path / "site"
    _build(folder, out, jobs=2)
    before = tree(out)
    templates = shutil.copytree(ROOT / "templates", tmp_path / "templates")
    post = templates / "post.html"
    post.write_text(post.read_text(encoding="utf-8").replace("{% block main %}", "{% block main %}<script>x()</script>"),
                    encoding="utf-8")
    with pytest.raises(BuildError, match=r"beitrag/.*<script> is allowed only"):
        _build(folder, out, jobs=2, templates=templates)
    assert tree(out) == before
    assert sorted(path.name for path in tmp_path.iterdir()) == [".site.cache", ".site.lock", ".site.parsed", "config.yaml",
                                                                "content", "site", "templates"]
    assert multiprocessing.active_children() == []


def test_a_broken_post_file_read_by_a_worker_is_named_with_its_line(tmp_path, small_parallel_threshold):
    folder = make_wall(tmp_path, 30)
    broken = write(folder / "content/posts/rss/kaputt.yaml", "id: rss:kaputt\nplatform: rss\ntext: [nicht zu\n")
    with pytest.raises(ContentError) as caught:
        _build(folder, tmp_path / "site", jobs=2)
    assert [(p.path, p.line) for p in caught.value.problems] == [(display_path(broken), 4)]
    assert not (tmp_path / "site").exists()


@pytest.mark.parametrize("count, jobs", [(0, 2), (1, 2), (5, 2), (300, 1), (10_199, 2), (50_843, 4)])
def test_runs_cover_every_item_once_and_shrink_towards_the_end(count, jobs):
    bounds = workers.part_bounds(count, jobs)
    sizes = [stop - start for start, stop in zip(bounds, bounds[1:])]
    assert bounds[0] == 0 and bounds[-1] == count and all(size > 0 for size in sizes)
    assert sizes == sorted(sizes, reverse=True)  # never a long run after a short one
    if count >= 100:
        # The last runs are short: a worker left alone at the end waits for little.
        assert sizes[-1] <= count // (workers.SMALLEST_PART * jobs)
        assert sizes[0] <= -(-count // (workers.SHARE_OF_REST * jobs))


def test_pages_are_written_readable_by_the_web_server(tmp_path, small_parallel_threshold):
    folder = make_wall(tmp_path, 30)
    old = os.umask(0o022)
    try:
        _build(folder, tmp_path / "site", jobs=2)
    finally:
        os.umask(old)
    modes = {path.stat().st_mode & 0o777 for path in (tmp_path / "site").rglob("*") if path.is_file()}
    assert modes == {0o644}


def test_work_done_meanwhile_is_there_after_the_block(tmp_path):
    done = tmp_path / "done"
    with workers.meanwhile(lambda: done.write_text("ja"), jobs=2):
        pass
    assert done.read_text() == "ja"
    assert multiprocessing.active_children() == []


def test_work_failing_meanwhile_leaves_the_error_to_the_callers_own_run(tmp_path, capfd):
    def fail():
        raise OSError("kaputt")
    with workers.meanwhile(fail, jobs=2):
        pass
    assert "kaputt" not in capfd.readouterr().err  # no traceback from the worker
    assert multiprocessing.active_children() == []


def test_work_meanwhile_is_stopped_when_the_block_fails(tmp_path):
    started = tmp_path / "started"

    def slow():
        started.write_text("")
        time.sleep(60)
    with pytest.raises(ValueError):
        with workers.meanwhile(slow, jobs=2):
            while not started.exists():
                time.sleep(0.01)
            raise ValueError("planning failed")
    assert multiprocessing.active_children() == []


def test_one_job_does_nothing_meanwhile(tmp_path):
    with workers.meanwhile(lambda: (tmp_path / "done").write_text(""), jobs=1):
        pass
    assert not (tmp_path / "done").exists()  # the caller's own run does the work


def test_posts_parsed_by_workers_are_saved_as_they_came_back_and_the_next_build_parses_none(tmp_path, monkeypatch,
                                                                                        small_parallel_threshold):
    folder = make_wall(tmp_path, 30)
    _build(folder, tmp_path / "alone", jobs=1)
    pickled_here: list[int] = []  # a worker appends to its own copy of the list
    real_reduce = Post.__reduce_ex__
    monkeypatch.setattr(Post, "__reduce_ex__",
                        lambda post, protocol: (pickled_here.append(os.getpid()), real_reduce(post, protocol))[1])
    out = tmp_path / "site"
    _build(folder, out, jobs=2)
    assert pickled_here == [], "the build cache holds the posts as the workers pickled them"
    assert BuildCache.load(out).memo.entries == BuildCache.load(tmp_path / "alone").memo.entries

    parsed_again: list[str] = []
    monkeypatch.setattr(store, "_parse_post", lambda path, *_: parsed_again.append(path))
    assert _build(folder, out, jobs=1).files_written == 0  # one process: a file parsed would be seen here
    assert parsed_again == []


def test_posts_parsed_by_workers_in_a_rebuild_are_saved_with_those_parsed_before(tmp_path, monkeypatch,
                                                                                small_parallel_threshold):
    monkeypatch.setattr(buildcache, "REPARSE_LIMIT", 0)  # the parsed files are saved after any change
    folder = make_wall(tmp_path, 30)
    out = tmp_path / "site"
    _build(folder, out, jobs=2)
    for number in range(30, 33):
        add(folder, number)
    _build(folder, out, jobs=2)
    assert len(BuildCache.load(out).memo.entries) == 33
