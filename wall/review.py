"""The editors' review loop in git: one review branch, fetched posts committed on top, a PR text.

The fetch job never rewrites the review branch: it merges main into it and adds
a commit, so an editor's commits on the open pull request survive every run.
A post file deleted anywhere in the history is a rejection: fetch never
writes that post again.  Posts that their platform deleted leave main at once,
without waiting for the pull request (see land_removals).
"""

from __future__ import annotations

import logging
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .config import Config
from .dates import german_date
from .fetch import SourceReport, remove_unused_media
from .platforms import PLATFORMS
from .post import Post
from .store import read_post
from .text import excerpt

REVIEW_BRANCH = "redaktion/neue-beitraege"
BOT = ("-c", "user.name=Wall-Bot", "-c", "user.email=wall-bot@users.noreply.github.com")
# More posts deleted upstream in one run than this wait for an editor: a platform's
# wrong answer must not take half the wall down unseen.
AUTO_REMOVAL_LIMIT = 25

log = logging.getLogger(__name__)


class ReviewError(Exception):
    """The review branch could not be prepared; nothing was committed."""


@dataclass(frozen=True)
class Git:
    """git in one work tree."""

    root: Path

    def run(self, *args: str, check: bool = True) -> str:
        result = subprocess.run(["git", "-C", str(self.root), *args], capture_output=True, text=True)
        if check and result.returncode != 0:
            raise ReviewError(f"git {' '.join(args[:2])} failed: {result.stderr.strip()[-300:]}")
        return result.stdout

    def has_ref(self, ref: str) -> bool:
        return self.run("rev-parse", "--verify", "--quiet", ref, check=False).strip() != ""


def start_review(git: Git, branch: str = REVIEW_BRANCH, base: str = "main", remote: str = "origin") -> bool:
    """Check out the review branch with the newest main merged in; True if it already existed."""
    git.run("fetch", "--quiet", remote)
    exists = git.has_ref(f"refs/remotes/{remote}/{branch}")
    git.run("switch", "--quiet", "-C", branch, f"{remote}/{branch}" if exists else f"{remote}/{base}")
    if exists:
        merged = subprocess.run(["git", "-C", str(git.root), *BOT, "merge", "--quiet", "--no-edit",
                                 f"{remote}/{base}"], capture_output=True, text=True)
        if merged.returncode != 0:
            git.run("merge", "--abort", check=False)
            raise ReviewError(f"main does not merge cleanly into {branch}; an editor must resolve it "
                              f"in the pull request first: {merged.stdout.strip()[-300:]}")
    return exists


@dataclass(frozen=True)
class Removals:
    """Post files of main that this run removed because their platform deleted them."""

    landed: tuple[str, ...] = ()  # removed from main at once: off the wall with the next publish
    waiting: tuple[str, ...] = ()  # still on main: they leave with the review pull request
    commit: str = ""  # the commit on main that removed the landed ones


def land_removals(git: Git, categories: set[str], base: str = "main", remote: str = "origin") -> Removals:
    """Remove from base at once the posts that this run found deleted upstream.

    Taking a post down needs no review, and a post its author deleted must leave the
    wall promptly (the platforms' terms ask for it), so these do not wait for the pull
    request: a commit on base removes them and the media no other post of base uses.
    They wait after all when there are more than AUTO_REMOVAL_LIMIT, or when base
    cannot be pushed to (a protected branch, a race with an editor's merge).
    """
    top = Git(Path(git.run("rev-parse", "--show-toplevel").strip()))
    content = git.run("rev-parse", "--show-prefix").strip()
    deleted = _paths(top.run("ls-files", "-z", "--deleted", "--", f"{content}posts"))
    listed = top.run("ls-tree", "-z", "-r", "--name-only", f"{remote}/{base}", "--", *deleted) if deleted else ""
    on_base = _paths(listed)
    if len(on_base) > AUTO_REMOVAL_LIMIT:
        log.warning("%d posts were deleted upstream, more than %d at once: they leave the wall with the "
                    "review pull request", len(on_base), AUTO_REMOVAL_LIMIT)
        return Removals(waiting=on_base)
    if not on_base:
        return Removals()
    try:
        commit = _remove_on_base(top, on_base, content, categories, base, remote)
    except ReviewError as error:
        log.warning("posts deleted upstream could not be removed from %s at once, they leave the wall "
                    "with the review pull request: %s", base, error)
        return Removals(waiting=on_base)
    return Removals(landed=on_base, commit=commit)


def _paths(listing: str) -> tuple[str, ...]:
    return tuple(path for path in listing.split("\0") if path)


def _remove_on_base(top: Git, paths: tuple[str, ...], content: str, categories: set[str], base: str,
                    remote: str) -> str:
    with tempfile.TemporaryDirectory(prefix="wall-removal-") as folder:
        tree = Git(Path(folder) / "base")
        top.run("worktree", "add", "--quiet", "--detach", str(tree.root), f"{remote}/{base}")
        try:
            tree.run("rm", "--quiet", "--", *paths)
            remove_unused_media(tree.root / content, categories)
            tree.run("add", "--all", "--", content or ".")
            tree.run(*BOT, "commit", "--quiet", "-m", f"Auf der Plattform gelöscht: {_posts(len(paths))} "
                     "von der Wall genommen")
            tree.run("push", "--quiet", remote, f"HEAD:refs/heads/{base}")
            return tree.run("rev-parse", "HEAD").strip()
        finally:
            top.run("worktree", "remove", "--force", str(tree.root), check=False)


def record_removals(git: Git, removals: Removals) -> None:
    """Record the commit that took the removals off base as merged into the review branch.

    The review branch removed the same files itself, so its tree stays as it is ('ours'):
    a three-way merge could mistake one post's file deleted and another's added for a
    rename and stop with a conflict.
    """
    if removals.commit:
        git.run(*BOT, "merge", "--quiet", "--no-edit", "-s", "ours", removals.commit)


def commit_review(git: Git, message: str, paths: tuple[str, ...] = ("content",)) -> bool:
    """Commit what changed below paths; False when nothing did."""
    git.run("add", "--all", "--", *paths)
    if not git.run("status", "--porcelain", "--", *paths).strip():
        return False
    git.run(*BOT, "commit", "--quiet", "-m", message)
    return True


def posts_for_review(content_dir: Path, config: Config, base: str = "origin/main") -> list[Post]:
    """The posts the review branch adds or changes against base, newest first."""
    names = Git(content_dir).run("diff", "--relative", "--name-only", "--diff-filter=AM",
                                 f"{base}...HEAD", "--", "posts").split()
    posts = [read_post(content_dir / name, content_dir, set(config.category_keys), []) for name in names]
    return sorted((post for post in posts if post is not None),
                  key=lambda post: (post.published, post.id), reverse=True)


def pr_body(posts: list[Post], reports: list[SourceReport], config: Config,
            removals: Removals = Removals()) -> str:
    """The review pull request's description, in German, safe against hostile post text."""
    lines = [
        "## Neue Beiträge zur Freigabe",
        "",
        f"{len(posts)} Beiträge warten auf Ihre Prüfung. **Mit dem Zusammenführen (Merge) dieses "
        "Pull Requests werden sie freigegeben** und erscheinen beim nächsten Veröffentlichen auf der Wall.",
        "",
        "- **Ablehnen:** im Reiter „Files changed“ die Datei des Beitrags öffnen und `status: approved` "
        "in `status: rejected` ändern – oder die Datei löschen. Abgelehnte Beiträge kommen nicht wieder.",
        "- **Kategorie ändern:** in der Datei `category:` auf `angebot`, `gesuch`, `idee` oder `info` setzen.",
        "- Anleitung: `docs/redaktion.md`.",
        "",
        "| Plattform | Von | Datum | Auszug | Bilder | Kategorie | Original |",
        "|---|---|---|---|---|---|---|",
    ]
    categories = config.category_keys
    rows = []
    for post in posts:
        category = categories[post.category].label if post.category in categories else "–"
        rows.append("| " + " | ".join([
            PLATFORMS[post.platform].label, _cell(post.author.name), german_date(post.published),
            _cell(excerpt(post.text, 120)) or "–", str(len(post.media)), category,
            f"[Link]({_url_cell(post.url)})"]) + " |")
    after = _removal_lines(removals) + ["", "### Abruf", ""] + [f"- {_cell(report.summary())}" for report in reports]
    return _within_limit(lines, rows, after)


# GitHub refuses a pull request description over 65,536 characters (counted in bytes here, to be
# safe): a new source's backlog or a review left open for weeks holds hundreds of posts.
BODY_LIMIT = 60_000
MORE_ROOM = 200  # for the line naming the posts left out


def _within_limit(before: list[str], rows: list[str], after: list[str]) -> str:
    """The description with as many table rows (newest first) as fit, and a line for the rest."""
    used = sum(len(line.encode()) + 1 for line in before + after) + MORE_ROOM
    shown = 0
    for row in rows:
        used += len(row.encode()) + 1
        if used > BODY_LIMIT:
            break
        shown += 1
    more = len(rows) - shown
    rest = ["", f"… und {_posts(more)} mehr (ältere), zu lang für diese Beschreibung: alle im Reiter "
                "„Files changed“."] if more else []
    return "\n".join(before + rows[:shown] + rest + after) + "\n"


def _removal_lines(removals: Removals) -> list[str]:
    lines = []
    if removals.landed:
        lines += ["", f"**Auf der Plattform gelöscht:** {_posts(len(removals.landed))} – dort gelöscht oder "
                  "verborgen und deshalb ohne Freigabe sofort von der Wall genommen."]
    if removals.waiting:
        lines += ["", f"**Auf der Plattform gelöscht:** {_posts(len(removals.waiting))} der Wall – dort gelöscht "
                  "oder verborgen. Sie verschwinden von der Wall, sobald dieser Pull Request zusammengeführt "
                  "ist: bitte bald prüfen."]
    return lines


def _posts(count: int) -> str:
    return "1 Beitrag" if count == 1 else f"{count} Beiträge"


def _cell(text: str) -> str:
    """Post text inside a Markdown table: no markup, no links, no @mentions or #references."""
    text = " ".join(text.split()).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    for character in "\\`*_[]()|!~$":
        text = text.replace(character, "\\" + character)
    # GitHub links @user and #123 even when escaped; a zero-width space breaks that.
    return text.replace("@", "@\u200b").replace("#", "#\u200b").replace("http", "http\u200b")


def _url_cell(url: str) -> str:
    return url.replace("(", "%28").replace(")", "%29").replace(" ", "%20").replace("|", "%7C")
