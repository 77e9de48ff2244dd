"""What the git history of content/ says: which post files editors removed."""

from __future__ import annotations

import subprocess
from pathlib import Path


def removed_post_files(content_dir: Path) -> frozenset[str]:
    """Post files (relative to content/) deleted somewhere in the history and absent now.

    Deleting a post's file in the review pull request rejects it for good: fetch
    never writes that post again.  Outside a git work tree nothing is known.
    """
    result = subprocess.run(["git", "-C", str(content_dir), "log", "--relative", "--diff-filter=D",
                             "--name-only", "--format=", "--", "posts"],
                            capture_output=True, text=True)
    if result.returncode != 0:
        return frozenset()
    deleted = {line.strip() for line in result.stdout.splitlines() if line.strip()}
    return frozenset(path for path in deleted if not (content_dir / path).exists())
