"""Wires the stages: load config and content, moderate, render, verify, write."""

from __future__ import annotations

import hashlib
import os
import shutil
import logging
import time
from dataclasses import dataclass
from pathlib import Path

from .config import Config, ConfigError, load_config
from .moderate import deny_reason, moderate
from .render import RESERVED_PATHS, SiteInput, make_environment, render_site
from .store import Content, load_content
from .verify import verify_site
from .yamlfile import Problem

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
STATIC = ROOT / "static"
DEMO = ROOT / "demo"


class ContentError(Exception):
    """Content that cannot be built; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(str(problem) for problem in problems))
        self.problems = problems


class BuildError(Exception):
    """The rendered site failed its own safety checks; nothing was written."""


@dataclass(frozen=True)
class BuildReport:
    """What a build did, for the one-line summary."""

    posts_read: int
    shown: int
    hidden_by_rule: int
    not_approved: int
    files_written: int
    seconds: float
    demo: bool

    def summary(self) -> str:
        demo = " (demo content)" if self.demo else ""
        return (f"{self.posts_read} posts read{demo}, {self.shown} shown, "
                f"{self.hidden_by_rule} hidden by rule, {self.not_approved} not approved, "
                f"{self.files_written} files written in {self.seconds:.1f} s")


def check(config_path: Path, content_dir: Path, demo_dir: Path | None = DEMO) -> tuple[Content | None, list[Problem]]:
    """Validate config and all content; return the content read and every problem found."""
    try:
        config = load_config(config_path)
    except ConfigError as error:
        return None, error.problems
    content = load_content(content_dir, [c.key for c in config.categories], demo_dir)
    return content, list(content.problems) + _page_name_problems(content)


def _page_name_problems(content: Content) -> list[Problem]:
    return [Problem(page.file, 1, f"the page name '{page.slug}' is reserved by the wall; rename the file")
            for page in content.pages if page.slug in RESERVED_PATHS]


def gather(config_path: Path, content_dir: Path, demo_dir: Path | None = DEMO) -> tuple[Config, Content]:
    """Load config and content; raise ConfigError or ContentError on any error."""
    config = load_config(config_path)
    content = load_content(content_dir, [c.key for c in config.categories], demo_dir)
    errors = content.errors + _page_name_problems(content)
    if errors:
        raise ContentError(errors)
    return config, content


def build(config_path: Path, content_dir: Path, out_dir: Path, *, demo_dir: Path | None = DEMO,
          templates: Path = TEMPLATES, static: Path = STATIC) -> BuildReport:
    """Build the wall into out_dir; on any failure out_dir stays exactly as it was."""
    started = time.perf_counter()
    config, content = gather(config_path, content_dir, demo_dir)
    log.info("read %d posts and %d pages", len(content.posts), len(content.pages))
    approved = [post for post in content.posts if post.status == "approved"]
    shown = moderate(approved, config.moderation)
    static_files = {f"static/{path.relative_to(static).as_posix()}": path
                    for path in sorted(static.rglob("*")) if path.is_file()}
    css_version = hashlib.sha256((static / "wall.css").read_bytes()).hexdigest()[:10]
    updated = content.last_fetch or max((post.published for post in shown), default=None)
    site = SiteInput(config=config, posts=tuple(shown), pages=content.pages, updated=updated,
                     demo=content.demo, css_path=f"static/wall.css?v={css_version}")
    files = render_site(site, make_environment(templates))
    log.info("rendered %d files; checking them before they go live", len(files))
    problems = verify_site(files)
    if problems:
        raise BuildError("the rendered site failed its safety checks:\n" + "\n".join(problems[:20]))
    copies = {**static_files, **media_files(shown, content.media_root)}
    write_site(files, copies, out_dir)
    return BuildReport(posts_read=len(content.posts), shown=len(shown),
                       hidden_by_rule=sum(1 for post in approved if deny_reason(post, config.moderation)),
                       not_approved=len(content.posts) - len(approved),
                       files_written=len(files) + len(copies),
                       seconds=time.perf_counter() - started, demo=content.demo)


def media_files(posts, media_root: Path) -> dict[str, Path]:
    """The media of the shown posts only: nothing of hidden posts is published."""
    paths = {}
    for post in posts:
        for relative in [post.author.avatar] + [media.path for media in post.media]:
            if relative:
                paths[relative] = media_root / relative
    return dict(sorted(paths.items()))


def write_site(files: dict[str, str], copies: dict[str, Path], out_dir: Path) -> None:
    """Write the new site beside the old one, then swap it in; a failure changes nothing."""
    out_dir = out_dir.resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    fresh = out_dir.with_name(f".{out_dir.name}.new-{os.getpid()}")
    stale = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
    shutil.rmtree(fresh, ignore_errors=True)
    try:
        for relative, text in files.items():
            target = fresh / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(text.encode("utf-8"))
        for relative, source in copies.items():
            target = fresh / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise
    _swap(fresh, out_dir, stale)


def _swap(fresh: Path, out_dir: Path, stale: Path) -> None:
    if out_dir.exists():
        os.rename(out_dir, stale)
    os.rename(fresh, out_dir)
    shutil.rmtree(stale, ignore_errors=True)
