"""Profile one build with cProfile and summarise where its time goes."""

from __future__ import annotations

import pstats
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from measure import run
from scenarios import build_command, prepare, python
from synth import Wall

# The functions that make up a build: (file, function, label). They overlap (a build
# may render and check each page inside write_site), so shares do not add up to 100 %.
STAGES = (("store.py", "load_content", "read and validate the post files (`store.load_content`)"),
          ("moderate.py", "moderate", "moderate (`moderate.moderate`)"),
          ("related.py", "related_posts", "match related offers and needs (`related.related_posts`)"),
          ("views.py", "post_view", "what every mention of a post shows (`views.post_view`; text, links and media are computed when first shown, inside rendering)"),
          ("renderer.py", "page", "render pages with Jinja2 (`renderer.PageRenderer.page`)"),
          ("verify.py", "problems", "safety net over each page (`verify.SafetyNet.problems`; shared parts once)"),
          ("pipeline.py", "write_site", "write the files and swap the site in (`write_site`)"),
          ("output.py", "write_site", "write the files and swap the site in (`write_site`)"),
          ("output.py", "save", "save the build cache (`BuildCache.save`)"),
          ("pipeline.py", "build", "the whole build (`pipeline.build`)"))


@dataclass(frozen=True)
class Row:
    """One function of the profile."""

    name: str  # 'wall/render.py:98(render_site)'
    calls: int
    own: float  # seconds spent in the function itself
    cumulative: float  # seconds including everything it called


def profile_build(wall: Wall, work: Path, code: Path) -> tuple[Path, Path]:
    """Profile a full build into an empty folder, then a rebuild with nothing changed; the stats files.

    Both run in one process (--jobs 1): cProfile sees nothing of what forked workers do.
    """
    space = prepare(wall, work, code)
    shutil.rmtree(space.out.parent, ignore_errors=True)  # a cold build: no cache beside the site
    command = build_command(space, space.config) + ["--jobs", "1"]
    found = []
    for name in ("build.prof", "rebuild.prof"):
        run([python(), "-m", "cProfile", "-o", str(work / name)] + command[1:], code)
        found.append(work / name)
    return found[0], found[1]


def rows(stats_file: Path, code: Path) -> list[Row]:
    """Every function in the stats file."""
    stats = pstats.Stats(str(stats_file)).stats  # type: ignore[attr-defined]
    return [Row(_name(key, code), calls, own, cumulative)
            for key, (_, calls, own, cumulative, _) in stats.items()]


def top(all_rows: list[Row], by: str, count: int) -> list[Row]:
    """The count rows with the most own or cumulative time."""
    return sorted(all_rows, key=lambda row: getattr(row, by), reverse=True)[:count]


def stages(all_rows: list[Row]) -> list[tuple[str, float]]:
    """Cumulative seconds of each pipeline stage, in build order."""
    found = []
    for file_name, function, label in STAGES:
        matches = [row.cumulative for row in all_rows
                   if row.name.startswith(f"wall/{file_name}:") and row.name.endswith(f"({function})")]
        if matches:
            found.append((label, max(matches)))
    return found


def _name(key: tuple[str, int, str], code: Path) -> str:
    """A readable 'path:line(function)': relative to the project or to site-packages."""
    path, line, function = key
    if path == "~":
        return function  # built-ins such as {method 'join' of 'str' objects}
    root = str(code) + "/"
    path = path[len(root):] if path.startswith(root) else re.sub(r".*/lib/python3\.\d+/(site-packages/)?", "", path)
    return f"{path}:{line}({function})"
