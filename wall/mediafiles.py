"""Which media files a post may show: regular files inside media/ whose bytes are what the post says.

Git stores symbolic links, so without this a merged pull request could publish any file
the build machine can read, by linking to it from media/ and naming the link in a post.
Only the first bytes of each file are read: a build of 10,000 posts checks them all.
"""

from __future__ import annotations

import os
import posixpath
import stat
from pathlib import Path

IMAGE_SIGNATURES = {b"\xff\xd8\xff": "jpeg", b"\x89PNG\r\n\x1a\n": "png", b"GIF87a": "gif", b"GIF89a": "gif"}
HEAD = 16  # bytes enough to tell every kind below


def image_kind(data: bytes) -> str | None:
    """'jpeg', 'png', 'gif' or 'webp' by the file's own bytes; None for anything else."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    for signature, kind in IMAGE_SIGNATURES.items():
        if data.startswith(signature):
            return kind
    return None


def video_kind(data: bytes) -> str | None:
    """'mp4' or 'webm' by the file's own bytes; None for anything else."""
    if data[4:8] == b"ftyp":
        return "mp4"
    if data.startswith(b"\x1a\x45\xdf\xa3"):
        return "webm"
    return None


KIND_OF = {"image": (image_kind, "kein JPEG-, PNG-, WebP- oder GIF-Bild"),
           "video": (video_kind, "kein MP4- oder WebM-Video")}
NOT_FOUND = "Mediendatei nicht gefunden"


class MediaFiles:
    """Checks the media paths of the posts below one folder, remembering what it found
    (many posts share an avatar, and every file of a folder the folder's check)."""

    def __init__(self, root: Path):
        self.root = str(root)
        self._files: dict[tuple[str, str], str | None] = {}
        self._folders: dict[str, str | None] = {}

    def problem(self, relative: str, media_type: str) -> str | None:
        """Why the file at relative ('media/ab/abcd.webp') cannot be shown as media_type
        ('image' or 'video'); None when it can."""
        key = (relative, media_type)
        if key not in self._files:
            self._files[key] = self._folder_problem(posixpath.dirname(relative)) or self._file_problem(*key)
        return self._files[key]

    def _folder_problem(self, relative: str) -> str | None:
        if relative not in self._folders:
            parent = posixpath.dirname(relative)
            self._folders[relative] = (parent and self._folder_problem(parent)) or self._own_folder_problem(relative)
        return self._folders[relative]

    def _own_folder_problem(self, relative: str) -> str | None:
        try:
            mode = os.lstat(os.path.join(self.root, relative)).st_mode
        except OSError:
            return NOT_FOUND
        if stat.S_ISLNK(mode):
            return (f"der Medienordner {relative}/ ist ein symbolischer Link (veröffentlicht werden nur "
                    "Dateien in media/)")
        return None if stat.S_ISDIR(mode) else NOT_FOUND

    def _file_problem(self, relative: str, media_type: str) -> str | None:
        path = os.path.join(self.root, relative)
        try:
            mode = os.lstat(path).st_mode
            if stat.S_ISLNK(mode):
                return "die Mediendatei ist ein symbolischer Link (veröffentlicht werden nur Dateien in media/)"
            if not stat.S_ISREG(mode):
                return NOT_FOUND
            head = _head(path)
        except OSError:
            return NOT_FOUND
        kind_of, expected = KIND_OF[media_type]
        return None if kind_of(head) else f"die Mediendatei ist {expected} (nach ihrem Inhalt)"


def _head(path: str) -> bytes:
    # os.open, not open(): a third of the time, which counts at 10,000 images a build.
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    try:
        return os.read(descriptor, HEAD)
    finally:
        os.close(descriptor)
