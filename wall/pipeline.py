"""Wires the stages: load config and content, moderate, render, verify, write."""

from __future__ import annotations

import gc
import hashlib
import logging
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from .buildcache import BuildCache
from .composed import Composed
from .config import Config, ConfigError, load_config
from .moderate import moderate, without_withdrawn_pictures
from .render import Rendered, plan_key, render_site
from .renderer import make_environment
from .sitedata import RESERVED_PATHS, SiteInput
from .output import SiteBusy, claimed, files_in, small_folder, write_site
from .outdir import refusal
from .variants import any_to_make, make_small_copies
from .store import Content, ParsedFiles, load_content
from .verify import SafetyNet
from .workers import meanwhile, usable_cpus
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
    """The site was not built (an unsafe output folder, or a page failed its safety checks); nothing was written."""


@dataclass(frozen=True)
class BuildReport:
    """What a build did, for the one-line summary."""

    posts_read: int
    shown: int
    hidden_by_rule: int
    not_approved: int
    files_written: int  # files added, changed or removed in out_dir
    seconds: float
    demo: bool

    def summary(self) -> str:
        demo = " (demo content)" if self.demo else ""
        return (f"{self.posts_read} posts read{demo}, {self.shown} shown, "
                f"{self.hidden_by_rule} hidden by rule, {self.not_approved} not approved, "
                f"{self.files_written} files changed in {self.seconds:.1f} s")


def check(config_path: Path, content_dir: Path, demo_dir: Path | None = DEMO,
          jobs: int | None = None) -> tuple[Content | None, list[Problem]]:
    """Validate config and all content (in up to jobs processes, default one per usable CPU);
    return the content read and every problem found."""
    try:
        config = load_config(config_path)
    except ConfigError as error:
        return None, error.problems
    content = load_content(content_dir, [c.key for c in config.categories], demo_dir, jobs=jobs or usable_cpus())
    return content, list(content.problems) + _page_name_problems(content)


def _page_name_problems(content: Content) -> list[Problem]:
    return [Problem(page.file, 1, f"der Seitenname '{page.slug}' ist für die Wall reserviert; "
                                  "bitte die Datei umbenennen")
            for page in content.pages if page.slug in RESERVED_PATHS]


def gather(config_path: Path, content_dir: Path, demo_dir: Path | None = DEMO,
           memo: ParsedFiles | None = None, jobs: int = 1) -> tuple[Config, Content]:
    """Load config and content; raise ConfigError or ContentError on any error."""
    config = load_config(config_path)
    content = load_content(content_dir, [c.key for c in config.categories], demo_dir, memo, jobs)
    errors = content.errors + _page_name_problems(content)
    if errors:
        raise ContentError(errors)
    return config, content


def build(config_path: Path, content_dir: Path, out_dir: Path, *, demo_dir: Path | None = DEMO,
          templates: Path = TEMPLATES, static: Path = STATIC, full: bool = False,
          jobs: int | None = None) -> BuildReport:
    """Build the wall into out_dir, rendering only what changed (everything when full).

    jobs processes render the pages (default: one per usable CPU).  On any failure
    out_dir stays exactly as it was.
    """
    _check_out_dir(out_dir, {"the config file": config_path, "the content folder": content_dir,
                             "the templates folder": templates, "the static folder": static,
                             **({"the demo folder": demo_dir} if demo_dir else {})})
    try:
        with claimed(out_dir), _no_cycle_collection():
            return _build(config_path, content_dir, out_dir, demo_dir, templates, static, full, jobs)
    except SiteBusy as error:
        raise BuildError(f"{error}; nothing was written") from None


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """A build makes millions of objects and next to no reference cycles: the collector's
    passes over the loaded posts cost a sixth of the time (a third of loading the
    build cache) and free nothing (the peak memory stays the same)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _build(config_path: Path, content_dir: Path, out_dir: Path, demo_dir: Path | None, templates: Path,
           static: Path, full: bool, jobs: int | None) -> BuildReport:
    started = time.perf_counter()
    jobs = jobs or usable_cpus()
    cache = BuildCache(BuildCache.load(out_dir).path) if full else BuildCache.load(out_dir)
    config, content = gather(config_path, content_dir, demo_dir, cache.memo, jobs)
    log.info("read %d posts and %d pages", len(content.posts), len(content.pages))
    posts = without_withdrawn_pictures(content.posts, config.moderation)
    approved = [post for post in posts if post.status == "approved"]
    shown = moderate(approved, config.moderation)
    placed = [post for post in posts if post.status in ("approved", "rejected")]
    site = _site_input(config, content, placed, shown, static)
    present = files_in(out_dir)
    reused = cache.reusable(present)
    env = make_environment(templates)
    images = _image_widths(shown, content.media_root)
    small_dir = small_folder(out_dir)
    overlap = jobs if any_to_make(images, small_dir) else 1  # a fork only when there are sources to read
    with meanwhile(lambda: make_small_copies(images, small_dir, jobs), overlap):  # Pillow beside the planning
        plan = plan_key(site, env)
        # Nothing changed: the same keys, nothing to render.
        rendered = Rendered(keys=reused) if cache.unchanged(plan, reused) else render_site(
            site, env, reused, cache.related, jobs)
    log.info("rendering %d of %d files, checking each before it goes live", len(rendered.pending),
             len(rendered.keys))
    media = media_files(shown, content.media_root)
    small = make_small_copies(images, small_dir, jobs)
    copies = {**_static_files(static), **media, **small}
    pending = {path for path, _ in rendered.pending}
    changed = write_site(rendered.pending, [path for path in rendered.keys if path not in pending], copies,
                         out_dir, check=_safety_check(), jobs=jobs, present=present,
                         before_change=cache.forget_keys)
    cache.save(rendered.keys, plan)
    return BuildReport(posts_read=len(content.posts), shown=len(shown),
                       hidden_by_rule=len(approved) - len(shown),
                       not_approved=len(content.posts) - len(approved), files_written=changed,
                       seconds=time.perf_counter() - started, demo=content.demo)


def _check_out_dir(out_dir: Path, inputs: dict[str, Path]) -> None:
    """Raise BuildError, before anything is written, when building into out_dir would delete what it must not."""
    refused = refusal(out_dir, inputs)
    if refused:
        raise BuildError(f"refusing to build into {out_dir}: {refused}")


def _safety_check() -> Callable[[str, str | Composed], None]:
    """Stops the build before a page with a script, a handler or a foreign resource goes live."""
    net = SafetyNet()  # each worker gets a copy, and checks each shared part once

    def check(path: str, made: str | Composed) -> None:
        problems = net.problems(path, made) if path.endswith(".html") else []
        if problems:
            raise BuildError("the rendered site failed its safety checks:\n" + "\n".join(problems[:20]))
    return check


def _site_input(config: Config, content: Content, placed: list, shown: list, static: Path) -> SiteInput:
    css_version = hashlib.sha256((static / "wall.css").read_bytes()).hexdigest()[:10]
    updated = content.last_fetch or max((post.published for post in shown), default=None)
    return SiteInput(config=config, posts=tuple(shown), placed=tuple(placed), pages=content.pages, updated=updated,
                     demo=content.demo, css_path=f"static/wall.css?v={css_version}")


def _static_files(static: Path) -> dict[str, Path]:
    return {f"static/{path.relative_to(static).as_posix()}": path
            for path in sorted(static.rglob("*")) if path.is_file()}


def _image_widths(posts, media_root: Path) -> dict[str, tuple[Path, int | None]]:
    widths = {item.path: item.width for post in posts for item in post.media if item.type == "image"}
    return {path: (media_root / path, width) for path, width in widths.items()}


def media_files(posts, media_root: Path) -> dict[str, Path]:
    """The media of the shown posts only: nothing of hidden posts is published."""
    paths = {}
    for post in posts:
        for relative in [post.author.avatar] + [media.path for media in post.media]:
            if relative and relative not in paths:  # avatars repeat: one Path each is enough
                paths[relative] = media_root / relative
    return dict(sorted(paths.items()))


