"""Which code is measured: the working tree in place, or a read-only snapshot of a commit."""

from __future__ import annotations

import subprocess
import sys
import tarfile
from pathlib import Path

from synth import ROOT

WORKTREE = "worktree"


def git(*args: str) -> str:
    """Output of a read-only git command in the project."""
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()


def checkout(revision: str, work: Path) -> Path:
    """The project's root for revision: ROOT itself, or `git archive` unpacked below work.

    A snapshot keeps the measurement still while others edit the working tree; it
    touches neither the working tree nor the repository.
    """
    if revision == WORKTREE:
        return ROOT
    target = work / "code"
    target.mkdir(parents=True)
    archive = work / "code.tar"
    with archive.open("wb") as stream:
        subprocess.run(["git", "archive", "--format=tar", revision], cwd=ROOT, stdout=stream, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(target, filter="data")
    archive.unlink()
    # Compile now, so that the first measured build does not pay for writing .pyc files.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(target)], check=True)
    return target


def describe(revision: str) -> str:
    """'a7cfe8e Subject …' for a commit; for the working tree, also how many files differ from HEAD."""
    commit = git("log", "-1", "--format=%h %s", "HEAD" if revision == WORKTREE else revision)
    commit = commit if len(commit) <= 90 else commit[:90].rsplit(" ", 1)[0] + " …"
    if revision != WORKTREE:
        return f"commit {commit} (a `git archive` snapshot)"
    dirty = [line for line in git("status", "--porcelain").splitlines() if not line[3:].startswith("bench/")]
    return f"the working tree at {commit}" + (f" plus {len(dirty)} uncommitted changed files" if dirty else "")
