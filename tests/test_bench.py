"""The benchmark (bench/, issue 6) on a small synthetic wall: every step runs and reports.

Speed is not asserted here (bench/RESULTS.md reports it); what is checked is that the
benchmark measures what it says: each rebuild changes the files it should, the report
has every section, and it names where the builds wrote.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))

import measure  # noqa: E402
import report  # noqa: E402
import scenarios  # noqa: E402
from synth import cached_wall  # noqa: E402

POSTS = 120


def quiet(*_: object) -> None:
    pass


@pytest.fixture(scope="module")
def measured(tmp_path_factory):
    work = tmp_path_factory.mktemp("bench")
    wall = cached_wall(POSTS, work / "cache", log=quiet)
    return wall, scenarios.both_steps(wall, work / "n", ROOT, hugo=None, runs=1, log=quiet), work


def test_every_step_of_ours_and_the_reference_loop_ran_once(measured):
    _, steps, _ = measured
    assert [step.name for step in steps.ours] == list(scenarios.WALL_STEPS)
    assert all(len(step.samples) == 1 and step.samples[0].seconds > 0
               for step in steps.ours + [steps.bare, steps.unchecked])
    assert steps.hugo is None  # no Hugo given
    assert "posts read" in steps.ours[0].samples[0].output  # the build's own summary line
    assert "posts read" in steps.unchecked.samples[0].output  # a whole build, as ours


def test_memory_is_watched_in_a_run_of_its_own(measured):
    _, steps, _ = measured
    assert all(len(step.memory) == 1 and step.peak_kib == step.memory[0].peak_kib > 0
               for step in steps.ours + [steps.bare, steps.unchecked])


def test_the_build_without_the_net_writes_what_the_net_would_refuse_and_else_the_same(measured, tmp_path):
    wall = measured[0]
    code = tmp_path / "code"  # the project's code, its base template writing an inline script
    for name in ("wall", "connectors", "templates", "static"):
        shutil.copytree(ROOT / name, code / name)
    shutil.copy(ROOT / "generate.py", code)
    space = scenarios.prepare(wall, tmp_path / "work", ROOT)

    def build(command: list[str], template_addition: str, out: Path) -> measure.Sample:
        base = code / "templates" / "base.html"
        base.write_text((ROOT / "templates" / "base.html").read_text(encoding="utf-8").replace(
            "</body>", template_addition + "</body>"), encoding="utf-8")
        return measure.run(command + ["build", "--config", str(space.config), "--content", str(space.content),
                                      "--out", str(out)], code)

    checked = [scenarios.python(), str(code / "generate.py")]
    unchecked = [scenarios.python(), str(scenarios.UNCHECKED_BUILD), str(code)]
    with pytest.raises(measure.CommandFailed, match="safety checks"):
        build(checked, "<script>alert(1)</script>", tmp_path / "refused" / "site")
    build(unchecked, "<script>alert(1)</script>", tmp_path / "unchecked-script" / "site")
    assert "<script>alert(1)</script>" in (tmp_path / "unchecked-script" / "site" / "index.html").read_text()
    build(checked, "", tmp_path / "checked" / "site")
    build(unchecked, "", tmp_path / "unchecked" / "site")
    assert measure.tree_hashes(tmp_path / "unchecked" / "site") == measure.tree_hashes(tmp_path / "checked" / "site")


def test_only_a_watched_run_adds_up_the_memory_of_all_the_processes(tmp_path):
    # Two processes of about 100 MiB each: together they hold twice what the larger one holds.
    hold = ("import os, time; block = bytearray(100 << 20); block[::4096] = b'x' * len(block[::4096]); "
            "os.fork(); mine = bytearray(100 << 20); mine[::4096] = b'y' * len(mine[::4096]); time.sleep(0.5)")
    watched = measure.run([sys.executable, "-c", hold], tmp_path, watch_memory=True)
    timed = measure.run([sys.executable, "-c", hold], tmp_path)
    assert watched.peak_kib > 250 * 1024 > timed.peak_kib > 150 * 1024


def test_each_rebuild_changes_what_its_change_touches(measured):
    wall, steps, _ = measured
    full, nothing, added, dated_back, edited, denied = steps.ours
    assert full.changes[0].count == len(full.changes[0].added) > POSTS  # a page per post and more
    assert nothing.changes[0].count == 0
    assert 0 < added.changes[0].count <= 15
    assert nothing.changes[0].sent == 0 < added.changes[0].sent < full.changes[0].sent / 4  # bytes to upload
    assert any(path.startswith("beitrag/") for path in added.changes[0].added)
    assert any(path.startswith("beitrag/") for path in dated_back.changes[0].added)
    assert 0 < dated_back.changes[0].count <= 25  # cutting archive pages by count: every newer one
    assert not edited.changes[0].added and not edited.changes[0].removed
    assert any(path.startswith("beitrag/") for path in edited.changes[0].changed)
    removed_posts = [path for path in denied.changes[0].removed if path.startswith("beitrag/")]
    assert len(removed_posts) == wall.meta["deny_posts"]


def test_the_report_has_every_section_and_names_the_work_folder(measured):
    wall, steps, work = measured
    results = report.Results(command="bench/run.py (test)", sizes=[report.SizeResult(
        POSTS, 1, wall.meta, steps.ours, bare=steps.bare, unchecked=steps.unchecked)],
        source="the test's tree", work=f"{work} (test)")
    text = report.render(results)
    assert f"## N = {POSTS}" in text
    assert f"- builds wrote into: {work} (test)" in text
    for step in scenarios.WALL_STEPS:
        assert f"| {step} |" in text
    assert "**The issue's reference loop**" in text
    assert "**Without the safety net**" in text


def test_a_fetch_is_timed_into_a_stored_wall_and_reported(measured):
    import fetch_concurrency
    wall, steps, _ = measured
    fetch = fetch_concurrency.measure(runs=1, stored=wall.content)
    assert fetch["stored"] == POSTS and fetch["into_wall"] > fetch_concurrency.PAGES * fetch_concurrency.DELAY
    assert fetch["pictures"] > fetch_concurrency.PAGES * fetch_concurrency.DELAY  # its pages came, and pictures
    results = report.Results(command="bench/run.py (test)", sizes=[report.SizeResult(POSTS, 1, wall.meta, steps.ours,
                                                                                     bare=steps.bare)],
                             source="the test's tree", fetch=fetch)
    text = report.render(results)
    assert f"fetching into a copy of the wall of {POSTS:,} posts" in text
    assert "posts bring a picture each" in text


def test_the_ratios_to_hugo_are_given_run_by_run_as_well(measured):
    wall, steps, _ = measured

    def step(name: str, *seconds: float) -> measure.Step:
        return measure.Step(name, [measure.Sample(value, value, 1024, "") for value in seconds],
                            [measure.Changes(added=("index.html",)) for _ in seconds])

    ours = [step("full build", 12.0, 10.0, 13.0)]
    hugo = [step("full build", 8.0, 10.0, 10.0)]
    text = report.render(report.Results(command="bench/run.py (test)", source="the test's tree", sizes=[
        report.SizeResult(POSTS, 3, wall.meta, ours, hugo, bare=steps.bare,
                          unchecked=step("full build without the safety net", 9.0, 10.0, 11.0))]))
    assert "ours takes **1.2×** Hugo's wall time" in text  # 12 s against 10 s, the medians
    assert "run by run 1.50×, 1.00×, 1.30×" in text
    assert "The net takes 17 % of our full build's time" in text  # 10 s of 12 s without it
    assert "without it ours would take **1.0×** Hugo's wall time; run by run 1.12×, 1.00×, 1.10×" in text
