"""The editors' review loop in git: one review branch, fetched posts committed on top.

The fetch job never rewrites the review branch: it merges main into it and adds
a commit, so an editor's commits on the open pull request survive every run.
A post file deleted anywhere in the history is a rejection: fetch never
writes that post again.  Posts that their platform deleted leave main at once,
without waiting for the pull request (see landing.py).
"""

from __future__ import annotations

import logging
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .history import BOT_EMAIL, BOT_NAME, removed_post_files
from .post import post_filename
from .store import STATE_FILE

REVIEW_BRANCH = "redaktion/neue-beitraege"
BOT = ("-c", f"user.name={BOT_NAME}", "-c", f"user.email={BOT_EMAIL}")

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


def top_of(git: Git) -> Git:
    """git at the top of the work tree (git may run in content/)."""
    return Git(Path(git.run("rev-parse", "--show-toplevel").strip()))


@dataclass(frozen=True)
class Start:
    """How the review branch was prepared."""

    existed: bool  # the branch was there already (else it starts at main)
    settled: tuple[str, ...] = ()  # post files changed on both sides, now as on main (see _settle_conflicts)
    taken_up: bool = False  # a deleted branch starts again from its closed pull request: push it


@dataclass(frozen=True)
class PreviousPullRequest:
    """The newest pull request of the review branch, as GitHub knows it (fetch.yml asks gh)."""

    number: int
    state: str  # OPEN, CLOSED (without merging) or MERGED


def start_review(git: Git, branch: str = REVIEW_BRANCH, base: str = "main", remote: str = "origin",
                 previous: PreviousPullRequest | None = None) -> Start:
    """Check out the review branch with the newest main merged in.

    A branch that is gone although its last pull request was closed without merging
    (GitHub offers "Delete branch" right after closing) held the editors' decisions and
    the fetch state: it starts again from that pull request's head.  After a squash merge,
    main lacks the pull request's commits, where deleting a post file rejected it: they
    join the new branch's history, and main's with its next merge (see
    history.removed_post_files).
    """
    git.run("fetch", "--quiet", remote)
    exists = git.has_ref(f"refs/remotes/{remote}/{branch}")
    left = None if exists or previous is None else _unmerged_head(git, previous, f"{remote}/{base}", remote)
    if left and previous and previous.state == "CLOSED":
        git.run("switch", "--quiet", "-C", branch, left)
        log.info("%s was deleted; it starts again from pull request #%d", branch, previous.number)
    else:
        git.run("switch", "--quiet", "-C", branch, f"{remote}/{branch}" if exists else f"{remote}/{base}")
        if left and previous:
            git.run(*BOT, "merge", "--quiet", "-s", "ours", "-m",
                    f"Verlauf von Pull Request #{previous.number} übernommen (zusammengefasst zusammengeführt)", left)
        if not exists:
            return Start(existed=False)
    merged = subprocess.run(["git", "-C", str(git.root), *BOT, "merge", "--quiet", "--no-edit",
                             f"{remote}/{base}"], capture_output=True, text=True)
    settled = _settle_conflicts(git, branch, base, merged.stdout) if merged.returncode != 0 else ()
    return Start(existed=True, settled=settled, taken_up=not exists)


def _unmerged_head(git: Git, previous: PreviousPullRequest, base: str, remote: str) -> str:
    """The head commit of a closed or squash-merged pull request that base does not contain; '' if none."""
    if previous.state not in ("CLOSED", "MERGED"):
        return ""
    fetched = subprocess.run(["git", "-C", str(git.root), "fetch", "--quiet", remote,
                              f"refs/pull/{previous.number}/head"], capture_output=True, text=True)
    if fetched.returncode != 0:
        log.warning("pull request #%d could not be read: %s", previous.number, fetched.stderr.strip()[-200:])
        return ""
    head = git.run("rev-parse", "FETCH_HEAD").strip()
    contained = subprocess.run(["git", "-C", str(git.root), "merge-base", "--is-ancestor", head, base])
    return "" if contained.returncode == 0 else head


# What `git status --porcelain` says of a file both sides changed: ours is the review branch, theirs main.
DELETED_ON_EITHER_SIDE = {"DU", "UD", "DD"}
POST_FILE = re.compile(r"(^|/)posts/[^/]+/[^/]+\.yaml$")  # content/posts/<platform>/<file>.yaml
STATE_PATH = re.compile(rf"(^|/){re.escape(STATE_FILE)}$")  # content/state.yaml: where each source stopped


def _settle_conflicts(git: Git, branch: str, base: str, output: str) -> tuple[str, ...]:
    """Finish a merge of main that stopped on conflicts, if all of them are in post files.

    Editors change post files on main (a note, a removal) while the fetch changes the same
    files on the review branch (an edit on the platform): left to an editor, such a conflict
    would stop every fetch until someone resolved it.  Main's version wins: the fetch that
    follows applies the platform's change to it again, keeping the editors' fields.  A post
    deleted on either side stays deleted (a rejection or a removal).  A conflict anywhere
    else is for an editor: the merge is undone and ReviewError names the files.
    """
    top = top_of(git)
    conflicts = {entry[3:]: entry[:2] for entry in paths_of(top.run("status", "--porcelain", "-z",
                                                                  "--untracked-files=no"))
                 if entry[:2] in DELETED_ON_EITHER_SIDE | {"UU", "AA", "AU", "UA"}}
    states = [path for path in conflicts if STATE_PATH.search(path) and not POST_FILE.search(path)]
    for path in states:
        _keep_ours(top, path, conflicts.pop(path))  # main's is older (a revert took it back)
    if states and not conflicts:
        top.run(*BOT, "commit", "--quiet", "--no-edit")
        return ()
    others = sorted(path for path in conflicts if not POST_FILE.search(path))
    if others or not conflicts:
        top.run("merge", "--abort", check=False)
        raise ReviewError(f"{base} does not merge cleanly into {branch}; an editor must resolve it in the "
                          f"pull request first ({', '.join(others) or output.strip()[-300:]})")
    for path, state in sorted(conflicts.items()):
        if state in DELETED_ON_EITHER_SIDE:
            top.run("rm", "--quiet", "--force", "--ignore-unmatch", "--", path)
        else:
            top.run("checkout", "--theirs", "--", path)
            top.run("add", "--", path)
    # Named in the merge commit, so every later description of the pull request can name them too.
    trailers = [argument for path in sorted(conflicts) for argument in ("--trailer", f"{SETTLED_TRAILER}: {path}")]
    top.run(*BOT, "commit", "--quiet", "--no-edit", *trailers)
    log.warning("%d post files were changed both on %s and on %s; %s's version was kept: %s", len(conflicts),
                base, branch, base, ", ".join(sorted(conflicts)))
    return tuple(sorted(conflicts))


SETTLED_TRAILER = "Wall-Kept-From-Main"


def settled_files(git: Git, base: str = "main", remote: str = "origin") -> tuple[str, ...]:
    """Post files whose version from base replaced the review branch's in a merge, since the
    branch last left base (see _settle_conflicts): until the pull request is merged."""
    # --first-parent: the review branch's own merges, not those of a squashed pull request whose
    # history a fresh branch took up (see start_review).
    messages = git.run("log", "--first-parent", "--format=%B", f"{remote}/{base}..HEAD")
    prefix = f"{SETTLED_TRAILER}: "
    return tuple(sorted({line[len(prefix):].strip() for line in messages.splitlines() if line.startswith(prefix)}))


def _keep_ours(top: Git, path: str, state: str) -> None:
    """This branch's version of path (the fetch on it knows more), or main's if this branch has none."""
    if state == "DU":
        top.run("checkout", "--theirs", "--", path)
    else:
        top.run("checkout", "--ours", "--", path)
    top.run("add", "--", path)


PUSH_TRIES = 3


def push_review(git: Git, branch: str = REVIEW_BRANCH, remote: str = "origin") -> None:
    """Push the review branch; when an editor saved a change in the pull request meanwhile,
    merge it (their version of a post file wins, as main's does) and push again."""
    for attempt in range(1, PUSH_TRIES + 1):
        pushed = subprocess.run(["git", "-C", str(git.root), "push", "--quiet", remote, branch],
                                capture_output=True, text=True)
        if pushed.returncode == 0:
            return
        if attempt == PUSH_TRIES:
            raise ReviewError(f"git push failed: {pushed.stderr.strip()[-300:]}")
        git.run("fetch", "--quiet", remote, branch)
        merged = subprocess.run(["git", "-C", str(git.root), *BOT, "merge", "--quiet", "--no-edit",
                                 f"{remote}/{branch}"], capture_output=True, text=True)
        if merged.returncode != 0:
            _settle_conflicts(git, branch, f"{remote}/{branch}", merged.stdout)
        log.info("%s changed during this run (an editor's save); merged, pushing again", branch)


def paths_of(listing: str) -> tuple[str, ...]:
    return tuple(path for path in listing.split("\0") if path)


def submission_taken_over(git: Git, content_dir: Path, post_id: str, branch: str, contact: str) -> str:
    """Why an edit of a submission's issue must not rewrite its post file ('' when it may), in German.

    The issue is edited after the editors decided (the post is on main, or its file was
    deleted: rejected), or after an editor changed the file in the pull request: then
    the edit must neither bring a rejected post back nor overwrite the editor's work.
    """
    name = post_filename(post_id)
    if (content_dir / name).exists() or name in removed_post_files(content_dir):
        return ("Die Redaktion hat Ihren Vorschlag schon bearbeitet; Änderungen im Issue übernehmen wir "
                f"nicht mehr von selbst. Bitte schreiben Sie uns an {contact}.")
    if not git.run("ls-remote", "--heads", "origin", branch).strip():
        return ""
    git.run("fetch", "--quiet", "origin", branch)
    authors = set(git.run("log", "--format=%an", "FETCH_HEAD", "--", name).split("\n")) - {"", BOT_NAME}
    if authors:
        return ("Danke, wir sehen Ihre Änderung. Die Redaktion bearbeitet Ihren Vorschlag bereits und "
                "berücksichtigt sie dabei.")
    return ""


def commit_review(git: Git, message: str, paths: tuple[str, ...] = ("content",)) -> bool:
    """Commit what changed below paths; False when nothing did."""
    git.run("add", "--all", "--", *paths)
    if not git.run("status", "--porcelain", "--", *paths).strip():
        return False
    git.run(*BOT, "commit", "--quiet", "-m", message)
    return True


def posts_in_german(count: int) -> str:
    """'1 Beitrag' or 'N Beiträge', for commit messages and the pull request's text."""
    return "1 Beitrag" if count == 1 else f"{count} Beiträge"
