"""The measured scenarios: our build and rebuilds, and the same posts built with Hugo."""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import yaml

from hugosite import write_config
from measure import Sample, Step, compare, run, tree_hashes
from synth import ROOT, Wall

WALL_STEPS = ("full build", "rebuild, nothing changed", "rebuild, one post added",
              "rebuild, one post dated back added", "rebuild, one post edited", "rebuild, one author denied")
HUGO_STEPS = ("full build", "rebuild, nothing changed")
BARE_STEP = "full build"
BARE_LOOP = Path(__file__).resolve().parent / "bare_loop.py"  # this checkout's: it measures no project code
UNCHECKED_STEP = "full build without the safety net"
UNCHECKED_BUILD = Path(__file__).resolve().parent / "unchecked_build.py"  # switches the measured code's net off


@dataclass(frozen=True)
class Workspace:
    """A private copy of one wall's content, its two configs, the output folder and the code."""

    code: Path  # the project root whose generate.py is measured
    content: Path
    config: Path
    denied_config: Path  # config.yaml with the wall's deny author added
    out: Path  # alone in its folder: builds may keep a cache beside it (.site.cache)


def python() -> str:
    """The project's virtualenv Python, as the brief's command line uses it."""
    venv = ROOT / ".venv" / "bin" / "python"
    return str(venv) if venv.is_file() else sys.executable


def build_command(space: Workspace, config: Path) -> list[str]:
    """`generate.py build` with every path given explicitly."""
    return [python(), str(space.code / "generate.py"), "build", "--config", str(config),
            "--content", str(space.content), "--out", str(space.out)]


def prepare(wall: Wall, work: Path, code: Path) -> Workspace:
    """Copy the cached content (plus the project's editors' pages) and write both configs."""
    content = work / "content"
    shutil.rmtree(content, ignore_errors=True)
    shutil.copytree(wall.content, content)
    shutil.copytree(code / "content" / "pages", content / "pages")
    config = yaml.safe_load((code / "config.yaml").read_text(encoding="utf-8"))
    (work / "config.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    config["moderation"]["deny"]["authors"] = [wall.meta["deny_author"]]
    (work / "config-denied.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return Workspace(code, content, work / "config.yaml", work / "config-denied.yaml", work / "output" / "site")


@dataclass
class Measured:
    """The steps of one N, each with its samples."""

    ours: list[Step]  # WALL_STEPS (or the first few), in order
    hugo: list[Step] | None  # HUGO_STEPS; None without Hugo
    bare: Step  # the reference loop
    unchecked: Step  # our full build with the safety net switched off


def both_steps(wall: Wall, work: Path, code: Path, hugo: Path | None, runs: int, count: int = len(WALL_STEPS),
               log=print) -> Measured:
    """Our steps, Hugo's (none without Hugo), the issue's bare loop and our full build without
    the safety net, runs taking turns: ours, Hugo's, the loop's, ours unchecked, ours, ...

    Taking turns puts all under the same conditions on a machine whose speed drifts
    (other tasks, the disk).  count limits our steps to the first few of WALL_STEPS.  A first
    round, before the runs, is watched for memory and not timed (see measure.run).
    """
    ours = [Step(name) for name in WALL_STEPS[:count]]
    theirs = [Step(name) for name in HUGO_STEPS] if hugo is not None else None
    bare, unchecked = Step(BARE_STEP), Step(UNCHECKED_STEP)
    space = prepare(wall, work, code)
    site = work / "hugo-site"
    if hugo is not None:
        write_config(site, wall.hugo_content, work / "hugo-public")
    for number in range(runs + 1):
        watch = number == 0
        run_name = "the run watched for memory" if watch else f"run {number}/{runs}"
        log(f"  our build, {run_name}")
        _wall_run(wall, space, ours, log, watch)
        if hugo is not None and theirs is not None:
            log(f"  Hugo, {run_name}")
            _hugo_run(site, work / "hugo-public", hugo, theirs, log, watch)
        _bare_run(wall, work / "bare-out", bare, log, watch)
        _unchecked_run(space, work / "unchecked" / "site", unchecked, log, watch)
    shutil.rmtree(work / "bare-out", ignore_errors=True)
    shutil.rmtree(work / "unchecked", ignore_errors=True)
    return Measured(ours, theirs, bare, unchecked)


def _wall_run(wall: Wall, space: Workspace, steps: list[Step], log, watch: bool) -> None:
    """A full build from nothing, then rebuilds, each compared with the one before; watched for
    memory (and not compared) or timed."""
    shutil.rmtree(space.out.parent, ignore_errors=True)  # the site and any build cache beside it
    before: dict[str, str] = {}
    for step, (config, change) in zip(steps, _wall_changes(wall, space)):
        change()
        sample = run(build_command(space, config), space.code, watch_memory=watch)
        if watch:
            _watched(step, sample, log)
            continue
        step.samples.append(sample)
        after = tree_hashes(space.out)
        step.changes.append(compare(before, after))
        before = after
        log(f"    {step.name}: {sample.seconds:.1f} s, {step.changes[-1].count:,} files changed")
    _revert(wall, space)


def _watched(step: Step, sample: Sample, log) -> None:
    step.memory.append(sample)
    log(f"    {step.name}: {sample.peak_kib / 1024:,.0f} MiB at most")


def _wall_changes(wall: Wall, space: Workspace) -> list[tuple[Path, Callable[[], None]]]:
    """Per step: the config to build with and the content change to make first."""
    def add() -> None:
        _copy(wall.root / "extra" / "add" / wall.meta["add_file"], space.content / wall.meta["add_file"])

    def add_dated_back() -> None:
        _copy(wall.root / "extra" / "back" / wall.meta["back_file"], space.content / wall.meta["back_file"])

    def edit() -> None:
        _copy(wall.root / "extra" / "edit" / wall.meta["edit_file"], space.content / wall.meta["edit_file"])

    def nothing() -> None:
        pass

    return [(space.config, nothing), (space.config, nothing), (space.config, add), (space.config, add_dated_back),
            (space.config, edit), (space.denied_config, nothing)]


def _revert(wall: Wall, space: Workspace) -> None:
    """Undo the adds and the edit, so the next run starts from the same content."""
    (space.content / wall.meta["add_file"]).unlink(missing_ok=True)
    (space.content / wall.meta["back_file"]).unlink(missing_ok=True)
    _copy(wall.content / wall.meta["edit_file"], space.content / wall.meta["edit_file"])


def _copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)


def _hugo_run(site: Path, out: Path, hugo: Path, steps: list[Step], log, watch: bool) -> None:
    """`hugo --quiet` into an empty folder, then again with nothing changed."""
    for leftover in (out, site / "resources"):
        shutil.rmtree(leftover, ignore_errors=True)
    before: dict[str, str] = {}
    for step in steps:
        sample = run([str(hugo), "--quiet"], site, watch_memory=watch)
        if watch:
            _watched(step, sample, log)
            continue
        step.samples.append(sample)
        after = tree_hashes(out)
        step.changes.append(compare(before, after))
        before = after
        log(f"    {step.name}: {sample.seconds:.1f} s, {step.changes[-1].count:,} files changed")


def _bare_run(wall: Wall, out: Path, step: Step, log, watch: bool) -> None:
    """The issue's reference loop over the same post files, into an empty folder."""
    shutil.rmtree(out, ignore_errors=True)
    command = [python(), str(BARE_LOOP), str(wall.content), str(out)]
    _single_run(command, BARE_LOOP.parent, step, "bare loop", log, watch)


def _unchecked_run(space: Workspace, out: Path, step: Step, log, watch: bool) -> None:
    """Our full build into an empty folder (no build cache beside it either), the net switched off."""
    shutil.rmtree(out.parent, ignore_errors=True)
    command = [python(), str(UNCHECKED_BUILD), str(space.code), "build", "--config", str(space.config),
               "--content", str(space.content), "--out", str(out)]
    _single_run(command, space.code, step, "full build without the net", log, watch)


def _single_run(command: list[str], cwd: Path, step: Step, label: str, log, watch: bool) -> None:
    sample = run(command, cwd, watch_memory=watch)
    if watch:
        _watched(step, sample, log)
        return
    step.samples.append(sample)
    log(f"    {label}: {sample.seconds:.1f} s")
