"""The editors' review loop in git: one review branch, fetched posts committed on top, a PR text.

The fetch job never rewrites the review branch: it merges main into it and adds
a commit, so an editor's commits on the open pull request survive every run.
A post file deleted anywhere in the history is a rejection: fetch never
writes that post again.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from .config import Config
from .dates import german_date
from .fetch import SourceReport
from .platforms import PLATFORMS
from .post import Post
from .store import read_post
from .text import excerpt

REVIEW_BRANCH = "redaktion/neue-beitraege"
BOT = ("-c", "user.name=Wall-Bot", "-c", "user.email=wall-bot@users.noreply.github.com")


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


def pr_body(posts: list[Post], reports: list[SourceReport], config: Config) -> str:
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
    for post in posts:
        category = categories[post.category].label if post.category in categories else "–"
        lines.append("| " + " | ".join([
            PLATFORMS[post.platform].label, _cell(post.author.name), german_date(post.published),
            _cell(excerpt(post.text, 120)) or "–", str(len(post.media)), category,
            f"[Link]({_url_cell(post.url)})"]) + " |")
    lines += ["", "### Abruf", ""] + [f"- {_cell(report.summary())}" for report in reports]
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    """Post text inside a Markdown table: no markup, no links, no @mentions or #references."""
    text = " ".join(text.split()).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    for character in "\\`*_[]()|!~$":
        text = text.replace(character, "\\" + character)
    # GitHub links @user and #123 even when escaped; a zero-width space breaks that.
    return text.replace("@", "@\u200b").replace("#", "#\u200b").replace("http", "http\u200b")


def _url_cell(url: str) -> str:
    return url.replace("(", "%28").replace(")", "%29").replace(" ", "%20").replace("|", "%7C")
