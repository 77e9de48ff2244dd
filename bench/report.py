"""bench/RESULTS.md: the machine, one table per N, the ratios to Hugo and the profile."""

from __future__ import annotations

import os
import platform
import subprocess
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

from hotspots import STAGES, Row, stages, top
from measure import Step
from scenarios import python

# Everything below this line in RESULTS.md is kept when the file is rewritten.
NOTES_MARKER = "<!-- notes: hand-written below this line; bench/run.py keeps it -->"


@dataclass
class SizeResult:
    """All measurements for one N."""

    n: int
    runs: int
    meta: dict
    wall: list[Step]
    hugo: list[Step] = field(default_factory=list)
    bare: Step | None = None  # bench/bare_loop.py, the reference loop
    unchecked: Step | None = None  # bench/unchecked_build.py: our full build without the safety net
    cpu_pressure: float | None = None  # share of the time some task waited for a CPU (Linux PSI)


@dataclass
class Results:
    """Everything one invocation of bench/run.py measured."""

    command: str
    sizes: list[SizeResult]
    hugo_version: str = ""  # '' when Hugo was skipped
    hugo_note: str = ""  # why Hugo was skipped
    profile_n: int = 0
    profile: list[Row] = field(default_factory=list)  # the full build
    profile_rebuild: list[Row] = field(default_factory=list)  # the rebuild with nothing changed after it
    notes_skipped: list[str] = field(default_factory=list)  # sizes not run, and why
    source: str = ""  # the code measured (source.describe)
    work: str = ""  # where the builds wrote (run.work_folder)
    fetch: dict | None = None  # fetch_concurrency.measure() on that code; None when not measured


def machine() -> list[tuple[str, str]]:
    """CPU, cores, memory, load, OS and date, as label/value pairs."""
    cpu = _first_value("/proc/cpuinfo", "model name") or platform.processor() or "unknown"
    memory = _first_value("/proc/meminfo", "MemTotal")
    kib = int(memory.split()[0]) if memory else 0
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return [("CPU", cpu), ("cores", f"{os.cpu_count()} ({len(os.sched_getaffinity(0))} usable)"),
            ("memory", f"{kib / 1024 / 1024:.1f} GiB"), ("load average at the end (1, 5, 15 min)", load),
            ("OS", f"{platform.system()} {platform.release()}"),
            ("date", datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))]


def _first_value(path: str, key: str) -> str:
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError:
        return ""
    return next((line.split(":", 1)[1].strip() for line in lines if line.startswith(key)), "")


def cpu_pressure_total() -> int | None:
    """Microseconds that some task has waited for a CPU since boot (Linux PSI), None if unknown."""
    try:
        first = Path("/proc/pressure/cpu").read_text(encoding="utf-8").splitlines()[0]
    except (OSError, IndexError):
        return None
    return int(first.rsplit("total=", 1)[1])


def versions(hugo_version: str) -> list[tuple[str, str]]:
    """The Python that builds, the libraries that matter for speed, and Hugo."""
    found = [("Python", subprocess.run([python(), "--version"], capture_output=True, text=True).stdout.strip())]
    for package in ("jinja2", "markupsafe", "pyyaml", "selectolax", "markdown-it-py"):
        try:
            found.append((package, metadata.version(package)))
        except metadata.PackageNotFoundError:
            pass
    found.append(("Hugo", hugo_version or "not run"))
    return found


def seconds(value: float) -> str:
    """'0.84 s' below ten seconds, '12.3 s' above."""
    return f"{value:.2f} s" if value < 10 else f"{value:.1f} s"


def size(count: int) -> str:
    """Bytes as '2.1 MB', '540 kB' or '0 B'."""
    for unit, factor in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if count >= factor:
            return f"{count / factor:.1f} {unit}" if count < 10 * factor else f"{count / factor:,.0f} {unit}"
    return f"{count} B"


def mib(kib: float) -> str:
    """Kibibytes as '123 MiB'."""
    return f"{kib / 1024:,.0f} MiB"


def changed(step: Step, full: bool) -> str:
    """'12,345 files' for a full build; the changed count (with any run-to-run spread) otherwise."""
    counts = step.changed_counts
    if full:
        return f"{counts[-1]:,} files in the output"
    first = step.changes[0]
    kinds = [f"{len(paths):,} {kind}" for kind, paths in (("added", first.added), ("removed", first.removed)) if paths]
    text = f"{counts[0]:,}" + (f" ({', '.join(kinds)})" if kinds else "")
    return text if len(set(counts)) == 1 else f"{text} (runs differ: {', '.join(f'{c:,}' for c in counts)})"


def areas(step: Step, limit: int = 6) -> str:
    """Where the changed files are, e.g. 'beitrag/* 1, index.html 1'."""
    grouped = step.changes[0].by_area() if step.changes else {}
    shown = [f"{name} {count:,}" for name, count in list(grouped.items())[:limit]]
    rest = sum(list(grouped.values())[limit:])
    return ", ".join(shown + ([f"other {rest:,}"] if rest else [])) or "–"


def step_table(steps: list[Step]) -> list[str]:
    """A Markdown table: one row per step with medians, peak memory and changes."""
    lines = ["| step | wall time | CPU time | peak memory | files changed | bytes to upload | where |",
             "|---|---:|---:|---:|---:|---:|---|"]
    for index, step in enumerate(steps):
        sent = size(step.changes[0].sent) if step.changes else "–"
        lines.append(f"| {step.name} | {seconds(step.median('seconds'))} | {seconds(step.median('cpu_seconds'))} "
                     f"| {mib(step.peak_kib)} | {changed(step, index == 0)} | {sent} "
                     f"| {'(everything)' if index == 0 else areas(step)} |")
    return lines


def ratio_lines(result: SizeResult) -> list[str]:
    """Our medians divided by Hugo's for the steps both ran, and run by run where there were several:
    each of our runs against Hugo's right after it (the machine's speed drifts between rounds)."""
    lines = []
    for ours, theirs in zip(result.wall, result.hugo):
        wall_ratio = ours.median("seconds") / theirs.median("seconds")
        cpu_ratio = ours.median("cpu_seconds") / theirs.median("cpu_seconds")
        memory_ratio = ours.peak_kib / theirs.peak_kib
        lines.append(f"- {ours.name}: ours takes **{wall_ratio:.1f}×** Hugo's wall time "
                     f"({cpu_ratio:.1f}× its CPU time, {memory_ratio:.1f}× its peak memory){by_run(ours, theirs)}")
    return lines


def by_run(ours: Step, theirs: Step) -> str:
    """'; run by run 1.26×, 1.35×, …': each of our runs against Hugo's right after it ('' for one run)."""
    pairs = [mine.seconds / hugo.seconds for mine, hugo in zip(ours.samples, theirs.samples)]
    return f"; run by run {', '.join(f'{pair:.2f}×' for pair in pairs)}" if len(pairs) > 1 else ""


def unchecked_lines(result: SizeResult) -> list[str]:
    """Our full build again with the safety net switched off: what the net costs, and the ratio to Hugo without it."""
    unchecked = getattr(result, "unchecked", None)  # reports saved before this field existed have none
    if not unchecked or not unchecked.samples or not result.wall or not result.wall[0].samples:
        return []
    full = result.wall[0]
    share = 1 - unchecked.median("seconds") / full.median("seconds")
    line = (f"**Without the safety net** (`bench/unchecked_build.py`: the same full build, its pages not checked; "
            f"in the same rounds): {seconds(unchecked.median('seconds'))}, "
            f"{seconds(unchecked.median('cpu_seconds'))} CPU. The net takes {100 * share:.0f} % of our full "
            f"build's time")
    if result.hugo:
        hugo = result.hugo[0]
        ratio = unchecked.median("seconds") / hugo.median("seconds")
        line += f"; without it ours would take **{ratio:.1f}×** Hugo's wall time{by_run(unchecked, hugo)}"
    return ["", line + "."]


def size_section(result: SizeResult) -> list[str]:
    """The section for one N: the wall's make-up, our table, Hugo's table, the ratios."""
    meta = result.meta
    runs = (f"median of {result.runs} runs" if result.runs > 1 else "1 run") + ", memory from one more run watched for it"
    if result.cpu_pressure is not None:
        runs += f"; other tasks kept a CPU busy while we waited {100 * result.cpu_pressure:.0f} % of the time"
    lines = [f"## N = {result.n:,} ({runs})", "",
             f"{meta['approved']:,} approved posts ({result.n - meta['approved']:,} pending or rejected) from "
             f"{meta['authors']:,} authors on {len(meta['platforms'])} platforms; the denied author "
             f"(`{meta['deny_author']}`) has {meta['deny_posts']:,} approved posts.", "",
             "**Our build** (`generate.py build`):", ""] + step_table(result.wall)
    if result.hugo:
        lines += ["", "**Hugo** (`hugo --quiet`, same posts, theme in `bench/hugo-theme/`):", ""]
        lines += step_table(result.hugo) + ["", "**Ratios** (ours / Hugo, medians):", ""] + ratio_lines(result)
    return lines + unchecked_lines(result) + bare_lines(result) + [""]


def bare_lines(result: SizeResult) -> list[str]:
    """The issue's reference loop on the same posts: how this machine compares with the issue's."""
    bare = getattr(result, "bare", None)  # reports saved before this field existed have none
    if not bare or not bare.samples:
        return []
    loop = bare.median("seconds")
    hugo = f", Hugo's {result.hugo[0].median('seconds') / loop:.1f}×" if result.hugo else ""
    return ["", f"**The issue's reference loop** (`bench/bare_loop.py`: one YAML file per post with the C "
            f"loader, one bare Jinja2 page each, nothing else; issue 6 measured 2.2 s for 10,000 posts and "
            f"11 s for 50,000 on its machine): {seconds(loop)}, {seconds(bare.median('cpu_seconds'))} CPU. "
            f"Our full build takes {result.wall[0].median('seconds') / loop:.1f}× its time{hugo}."]


def profile_section(results: Results, count: int = 25) -> list[str]:
    """Stages, then the top functions by cumulative and by own time."""
    if not results.profile:
        return []
    lines = [f"## Where the time goes ({results.profile_n:,} posts under cProfile)", "",
             "One full build into an empty folder, then a rebuild with nothing changed, both in one process "
             "(`--jobs 1`: cProfile does not see into forked workers). cProfile slows "
             "Python code down, so these seconds are larger than the tables' above; the shares are what "
             "matters. The rows overlap (where a build renders and checks each page while writing it, "
             "`write_site` contains both), so the shares do not add up to 100 %.", "", "| stage | full build | share | rebuild, nothing changed | share |",
             "|---|---:|---:|---:|---:|"]
    full, rebuild = stages(results.profile), dict(stages(results.profile_rebuild))
    whole = STAGES[-1][2]
    full_total, rebuild_total = dict(full).get(whole) or 1.0, rebuild.get(whole) or 1.0
    for label, value in full:
        again = rebuild.get(label, 0.0)
        lines.append(f"| {label} | {seconds(value)} | {100 * value / full_total:.0f} % "
                     f"| {seconds(again)} | {100 * again / rebuild_total:.0f} % |")
    tables = (("full build", results.profile, "cumulative", count), ("full build", results.profile, "own", count),
              ("rebuild, nothing changed", results.profile_rebuild, "own", count // 2))
    for name, rows, by, limit in tables:
        what = "cumulative time" if by == "cumulative" else "own time (excluding what they call)"
        lines += ["", f"### {name.capitalize()}: top functions by {what}", "",
                  "| function | calls | own | cumulative |", "|---|---:|---:|---:|"]
        lines += [f"| `{row.name}` | {row.calls:,} | {seconds(row.own)} | {seconds(row.cumulative)} |"
                  for row in top(rows, by, limit)]
    return lines + [""]


def fetch_section(results: Results) -> list[str]:
    """One slow source against eight at once (bench/fetch_concurrency.py)."""
    fetch = getattr(results, "fetch", None)  # reports saved before this field existed have none
    if not fetch:
        return []
    lines = ["## Fetching from eight sources at once", "",
             f"Fake Mastodon instances on 127.0.0.1, each answering {fetch['pages']} timeline pages "
             f"{fetch['delay'] * 1000:.0f} ms late (`bench/fetch_concurrency.py`, median of {fetch['runs']}): "
             f"one source {fetch['one']:.2f} s, eight sources {fetch['eight']:.2f} s, "
             f"**{fetch['eight'] / fetch['one']:.2f}×** the time of one.", ""]
    if fetch.get("pictures"):  # measured since images download several at once
        lines += [f"One source whose {fetch['pages'] * fetch['pictures_per_page']} posts bring a picture each, every "
                  f"picture also {fetch['delay'] * 1000:.0f} ms late (in series: "
                  f"{fetch['pages'] * fetch['pictures_per_page'] * fetch['delay']:.1f} s of waiting): "
                  f"{fetch['pictures']:.2f} s, **{fetch['pictures'] / fetch['one']:.2f}×** the time of a source "
                  "without pictures.", ""]
    if fetch.get("into_wall"):  # measured since the fetch into a stored wall was added
        lines += [f"The one source again, fetching into a copy of the wall of {fetch['stored']:,} posts (every "
                  f"fetch reads the stored posts first): {fetch['into_wall']:.2f} s, "
                  f"**{fetch['into_wall'] / fetch['one']:.2f}×** the time into an empty content folder.", ""]
    return lines


def render(results: Results) -> str:
    """The whole of RESULTS.md, without the hand-written notes."""
    lines = ["# Benchmark results", "",
             f"Written by `{results.command}`; `bench/README.md` explains every number.", "",
             "## Machine", ""]
    lines += [f"- {label}: {value}" for label, value in machine() + versions(results.hugo_version)]
    lines += [f"- code measured: {results.source}"]
    if getattr(results, "work", ""):  # reports saved before this field existed have none
        lines += [f"- builds wrote into: {results.work}"]
    if results.hugo_note:
        lines += [f"- Hugo skipped: {results.hugo_note}"]
    lines += [f"- not run: {note}" for note in results.notes_skipped] + [""]
    for size in results.sizes:
        lines += size_section(size)
    lines += fetch_section(results)
    lines += profile_section(results)
    return "\n".join(lines)


def write(results: Results, path: Path) -> None:
    """Write path, keeping whatever follows NOTES_MARKER in the existing file."""
    notes = f"{NOTES_MARKER}\n"
    if path.is_file() and NOTES_MARKER in (old := path.read_text(encoding="utf-8")):
        notes = NOTES_MARKER + old.split(NOTES_MARKER, 1)[1]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(results) + "\n" + notes, encoding="utf-8")
