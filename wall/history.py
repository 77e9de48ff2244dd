"""What the git history of content/ says: which post and media files editors removed."""

from __future__ import annotations

import subprocess
from pathlib import Path

# The identity the workflows commit with (see review.BOT).  Its deletions are posts their
# platform deleted: should such a post come back there, it is not rejected.
BOT_NAME, BOT_EMAIL = "Wall-Bot", "wall-bot@users.noreply.github.com"


def removed_post_files(content_dir: Path) -> frozenset[str]:
    """Post files (relative to content/) an editor deleted somewhere in the history, absent now.

    Deleting a post's file in the review pull request rejects it for good: fetch
    never writes that post again.  Deletions by the bot do not count: they follow
    the platform (a post deleted there, or reported so by mistake, that is back is
    proposed again).  Outside a git work tree nothing is known.
    """
    return _deleted_by_editors(content_dir, "posts")


def removed_media_files(content_dir: Path) -> frozenset[str]:
    """Images (relative to content/) an editor deleted somewhere in the history, absent now.

    An editor deletes an image to keep it off the wall, an avatar when its person asks
    (docs/redaktion.md): no later fetch stores it again, though the same picture comes with
    the author's next post.  The bot's deletions (images no post uses any more) do not count.
    """
    return _deleted_by_editors(content_dir, "media")


def _deleted_by_editors(content_dir: Path, folder: str) -> frozenset[str]:
    # --full-history: without it git follows only the parent of a merge whose folder equals
    # the merge's, and that is the main line when every new file of a pull request was
    # deleted in it: the deletion would not be seen.
    result = subprocess.run(["git", "-C", str(content_dir), "log", "--full-history", "--relative", "--diff-filter=D",
                             "--name-only", "--format=%x00%ae", "--", folder],
                            capture_output=True, text=True)
    if result.returncode != 0:
        return frozenset()
    deleted = set()
    for commit in result.stdout.split("\0")[1:]:
        author, *paths = commit.splitlines()
        if author != BOT_EMAIL:
            deleted.update(path.strip() for path in paths if path.strip())
    return frozenset(path for path in deleted if not (content_dir / path).exists())
