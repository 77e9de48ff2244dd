"""Self-hosted media: download with guards, keep only real raster images, re-encode, store once, remove unused.

Images are downloaded once (never hotlinked), checked by their bytes (not by the
Content-Type the server claims), decoded and re-encoded as WebP with Pillow, which
drops EXIF, GPS and every other metadata, and stored under content/media/ by a
hash of the downloaded bytes, so the same image is stored once.
"""

from __future__ import annotations

import hashlib
import io
import logging
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable, Mapping
from urllib.parse import urljoin

import requests
import urllib3
from PIL import Image, ImageOps

from .config import Moderation
from .history import removed_media_files
from .mediafiles import image_kind
from .moderate import author_keys, avatar_refusals
from .netguard import public_session, refusal
from .post import Media, Post
from .store import read_posts
from .writing import write_atomic
from .urls import is_web_url
from .yamlfile import Problem

log = logging.getLogger(__name__)

MAX_DOWNLOAD = 15 * 1024 * 1024  # bytes
DOWNLOAD_SECONDS = 60  # for a whole image, however slowly its server sends it
MAX_PIXELS = 40_000_000  # a decompression bomb stops here
MAX_SIDE = 1600  # post images are scaled down to this
AVATAR_SIDE = 96
REDIRECTS = 5
# Images decoded at once in this process: sources store theirs from several threads each, and an
# image of MAX_PIXELS takes hundreds of MB while it is decoded, turned and scaled (a runner has a few GB).
_DECODING = threading.BoundedSemaphore(2)


class MediaError(Exception):
    """An image that was not stored; the post keeps its text."""


@dataclass(frozen=True)
class StoredImage:
    path: str  # relative to content/
    width: int
    height: int


@dataclass(frozen=True)
class Withdrawn:
    """The pictures no fetch or submission stores again (see withdrawn_pictures)."""

    images: frozenset[str] = frozenset()  # media/... paths
    faceless: frozenset[str] = frozenset()  # authors whose avatar is not wanted (see moderate.avatar_refusals)


class MediaStore:
    """Downloads images for one source into content/media/, from several threads at once."""

    def __init__(self, content_dir: Path, allowed_hosts: frozenset[str], headers: Mapping[str, str] | None = None,
                 timeout: float = 30, download_seconds: float = DOWNLOAD_SECONDS,
                 give_up_at: float = float("inf"), withdrawn: Withdrawn = Withdrawn()):
        self.content_dir = content_dir
        self.withdrawn = withdrawn
        self.session = public_session(allowed_hosts, dict(headers or {}))  # allowed_hosts: may be local
        self.timeout = timeout  # for each read
        self.download_seconds = download_seconds
        self.give_up_at = give_up_at  # time.monotonic() after which nothing is downloaded
        # What each address gave in this run: an author's avatar comes with each of their posts,
        # and one download is enough (each costs the platform's rate limit, and our time).
        self._outcomes: dict[tuple[str, int], StoredImage | MediaError] = {}
        # Several threads store a source's images; one asking for an address being downloaded waits.
        self._downloading: dict[tuple[str, int], threading.Lock] = {}

    def download(self, url: str) -> bytes:
        """The bytes at url, following redirects only to allowed addresses, within the size and time caps."""
        deadline = time.monotonic() + self.download_seconds
        for _ in range(REDIRECTS + 1):
            self._check_time(deadline)
            if not is_web_url(url):
                raise MediaError(f"not an http(s) URL: {url[:100]!r}")
            with self._get(url) as response:
                if response.is_redirect and response.headers.get("location"):
                    url = urljoin(url, response.headers["location"])
                    continue
                if response.status_code != 200:
                    raise MediaError(f"HTTP {response.status_code} for {url[:100]}")
                return self._read_capped(response, deadline)
        raise MediaError(f"too many redirects for {url[:100]}")

    def _get(self, url: str) -> requests.Response:
        try:
            return self.session.get(url, stream=True, timeout=self.timeout, allow_redirects=False)
        except requests.ConnectionError as error:
            refused = refusal(error)
            if refused:
                raise MediaError(refused) from None
            raise

    def _read_capped(self, response: requests.Response, deadline: float) -> bytes:
        # read1 returns what has arrived (iter_content waits for a whole chunk): a server
        # sending a byte now and then, each read within the timeout, is caught at the deadline.
        chunks, size = [], 0
        while chunk := response.raw.read1(64 * 1024, decode_content=True):
            size += len(chunk)
            if size > MAX_DOWNLOAD:
                raise MediaError(f"larger than {MAX_DOWNLOAD // (1024 * 1024)} MB")
            self._check_time(deadline)
            chunks.append(chunk)
        return b"".join(chunks)

    def _check_time(self, deadline: float) -> None:
        now = time.monotonic()
        if now > self.give_up_at:
            raise MediaError("the fetch ran out of time")
        if now > deadline:
            raise MediaError(f"download took longer than {self.download_seconds:g} s")

    def store_image(self, url: str, max_side: int = MAX_SIDE) -> StoredImage:
        """Download, check, re-encode and store one image; raise MediaError when refused.
        An address is downloaded once per MediaStore: asked again, it gives the same answer."""
        key = (url, max_side)
        with self._downloading.setdefault(key, threading.Lock()):
            if key not in self._outcomes:
                try:
                    self._outcomes[key] = self._store_image(url, max_side)
                except MediaError as error:
                    self._outcomes[key] = error
        outcome = self._outcomes[key]
        if isinstance(outcome, MediaError):
            raise outcome
        return outcome

    def _store_image(self, url: str, max_side: int) -> StoredImage:
        try:
            data = self.download(url)
        except (requests.RequestException, urllib3.exceptions.HTTPError) as error:
            raise MediaError(f"download failed: {type(error).__name__}") from None
        if image_kind(data) is None:
            raise MediaError("not a JPEG, PNG, WebP or GIF image (by its bytes)")
        digest = hashlib.sha256(data + f"|{max_side}".encode()).hexdigest()
        relative = f"media/{digest[:2]}/{digest[:16]}.webp"
        if relative in self.withdrawn.images:
            raise MediaError(f"{relative} was withdrawn by the editors (deleted, or denied); not stored again")
        target = self.content_dir / relative
        if target.is_file():
            with Image.open(target) as existing:
                return StoredImage(relative, *existing.size)
        encoded, size = reencode(data, max_side)
        write_atomic(target, encoded)
        return StoredImage(relative, *size)

    def localise(self, post: Post) -> tuple[Post, list[str]]:
        """The post with its remote media and avatar stored locally; failures are dropped."""
        warnings: list[str] = []
        media: list[Media] = []
        for item in post.media:
            if item.path:
                media.append(item)
                continue
            try:
                stored = self.store_image(item.source_url)
            except MediaError as error:
                warnings.append(f"{post.id}: image left out: {error}")
                continue
            media.append(replace(item, path=stored.path, type="image",
                                 width=stored.width, height=stored.height))
        author = post.author
        if author.avatar and author_keys(post) & self.withdrawn.faceless:
            author = replace(author, avatar="")  # not even downloaded
        if author.avatar and is_web_url(author.avatar):
            try:
                author = replace(author, avatar=self.store_image(author.avatar, AVATAR_SIDE).path)
            except MediaError as error:
                warnings.append(f"{post.id}: avatar left out: {error}")
                author = replace(author, avatar="")
        return replace(post, media=tuple(media), author=author), warnings


def withdrawn_pictures(content_dir: Path, rules: Moderation) -> Withdrawn:
    """The pictures no fetch or submission stores again: the images editors deleted (as the
    history of content/ tells), those on moderation.deny.images (which outlasts a cleaned
    history), and the avatars of the authors on moderation.deny.avatars."""
    return Withdrawn(removed_media_files(content_dir) | frozenset(rules.deny_images), avatar_refusals(rules))


def reencode(data: bytes, max_side: int) -> tuple[bytes, tuple[int, int]]:
    """Decode with Pillow and write a fresh WebP: scaled down, upright, without metadata.

    The size is checked from the header, before a pixel is decoded.  Pillow's own limit
    (Image.MAX_IMAGE_PIXELS, twice which it refuses at once) is left as it is: it is one
    for the whole process, and sources store their images from several threads at once.
    """
    try:
        with _DECODING, Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_PIXELS:
                raise MediaError(f"too many pixels ({image.width}x{image.height})")
            image.seek(0)  # the first frame of an animation
            image = ImageOps.exif_transpose(image)
            image = image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB")
            image.thumbnail((max_side, max_side))
            output = io.BytesIO()
            image.save(output, "WEBP", quality=80, method=4)
            return output.getvalue(), image.size
    except Image.DecompressionBombError:
        raise MediaError("too many pixels (a decompression bomb?)") from None
    except (OSError, ValueError, SyntaxError) as error:
        raise MediaError(f"not a usable image: {type(error).__name__}") from None


def remove_unused_media(content_dir: Path, categories: set[str]) -> list[Path]:
    """Delete media files no post refers to any more (after posts were deleted upstream)."""
    problems: list[Problem] = []
    posts = read_posts(content_dir, categories, problems)
    if any(problem.severity == "error" for problem in problems):
        return []  # an unreadable post might use any file: delete nothing
    return remove_media_except(content_dir, used_media(posts))


def used_media(posts: Iterable[Post]) -> set[str]:
    """The media files (relative to content/) these posts refer to."""
    used = set()
    for post in posts:
        used.update(media.path for media in post.media)
        used.add(post.author.avatar)
    return used


def remove_media_except(content_dir: Path, used: set[str]) -> list[Path]:
    """Delete every media file but the used ones (relative to content/)."""
    removed = []
    for path in sorted((content_dir / "media").rglob("*")) if (content_dir / "media").is_dir() else []:
        if path.is_file() and path.relative_to(content_dir).as_posix() not in used:
            path.unlink()
            removed.append(path)
    return removed
