"""The small copies of large images beside the site: made once, and again only when their source's bytes change."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from wall.pipeline import build
from wall.variants import RECIPE, RECORDS, any_to_make

from .conftest import ROOT, webp_bytes, write

IMAGE = "content/media/0a/0a1b2c3d.webp"
COPY = "media/0a/0a1b2c3d-640w.webp"
LARGE = "media/0a/0a1b2c3d.webp"  # IMAGE in the site
POST = "content/posts/mastodon/ruhr.social.example-1001-2aecf2c8.yaml"
RED, BLUE = (200, 20, 20), (20, 20, 200)


def show_large_image(site_src: Path, data: bytes) -> Path:
    """The fixture's first Mastodon post shows a 1200-pixel image made of data; returns its file."""
    post = site_src / POST
    post.write_text(post.read_text(encoding="utf-8").replace("width: 8\n    height: 6", "width: 1200\n    height: 900"),
                    encoding="utf-8")
    return write(site_src / IMAGE, data)


def build_wall(site_src: Path, out: Path):
    return build(site_src / "config.yaml", site_src / "content", out, demo_dir=None, static=ROOT / "static")


def records(small: Path) -> dict:
    return json.loads((small / RECORDS).read_text(encoding="utf-8"))


def without_pillow(monkeypatch: pytest.MonkeyPatch) -> None:
    """From here on, making a copy fails: `from PIL import Image` raises ImportError."""
    monkeypatch.setitem(sys.modules, "PIL", None)


def colour_of(copy: Path) -> tuple[int, int, int]:
    from PIL import Image
    with Image.open(copy) as image:
        return image.convert("RGB").getpixel((320, 240))


def test_a_copy_outlives_a_new_mtime_of_the_same_bytes_and_is_not_made_again(site_src, tmp_path, monkeypatch):
    source = show_large_image(site_src, webp_bytes(1200, 900, RED))
    out, small = tmp_path / "out", tmp_path / ".out.small"
    build_wall(site_src, out)
    before = [(folder / COPY).stat() for folder in (small, out)]
    later = source.stat().st_mtime_ns + 3600 * 10**9  # as a fresh checkout gives every file
    os.utime(source, ns=(later, later))
    without_pillow(monkeypatch)
    build_wall(site_src, out)
    after = [(folder / COPY).stat() for folder in (small, out)]
    assert [(stat.st_ino, stat.st_mtime_ns) for stat in after] == [(stat.st_ino, stat.st_mtime_ns) for stat in before]
    # Stated again with the new mtime: the next build does not read the source to hash it.
    assert records(small)["sources"][COPY] == [source.stat().st_size, later,
                                               hashlib.sha256(source.read_bytes()).hexdigest()]


def test_a_fresh_checkout_with_the_folder_restored_from_a_cache_makes_no_copy(site_src, tmp_path, monkeypatch):
    # What the publish workflow does: a new runner, a new checkout, the folder restored by actions/cache.
    show_large_image(site_src, webp_bytes(1200, 900, RED))
    build_wall(site_src, tmp_path / "first/site")
    checkout = tmp_path / "checkout"
    shutil.copytree(site_src, checkout, copy_function=shutil.copyfile)  # new files, new mtimes
    assert (checkout / IMAGE).stat().st_mtime_ns > (site_src / IMAGE).stat().st_mtime_ns
    shutil.copytree(tmp_path / "first/.site.small", tmp_path / "runner/.site.small")
    without_pillow(monkeypatch)
    build_wall(checkout, tmp_path / "runner/site")
    assert (tmp_path / "runner/site" / COPY).read_bytes() == (tmp_path / "first/site" / COPY).read_bytes()


def test_an_image_replaced_at_the_same_size_and_an_older_mtime_is_published_and_shrunk_again(site_src, tmp_path):
    # PNGs of one size and one colour take the same number of bytes, whatever the colour.
    source = show_large_image(site_src, webp_bytes(1200, 900, RED, kind="PNG"))
    out = tmp_path / "out"
    build_wall(site_src, out)
    assert colour_of(out / COPY)[0] > 150
    earlier = source.stat().st_mtime_ns - 3600 * 10**9
    source.write_bytes(webp_bytes(1200, 900, BLUE, kind="PNG"))  # an editor's replacement, with an old date
    os.utime(source, ns=(earlier, earlier))
    assert source.stat().st_size == len(webp_bytes(1200, 900, RED, kind="PNG"))
    build_wall(site_src, out)
    assert colour_of(tmp_path / ".out.small" / COPY)[2] > 150
    assert colour_of(out / COPY)[2] > 150
    assert (out / LARGE).read_bytes() == source.read_bytes()  # the image itself, as a full build has it


def test_what_a_killed_build_left_of_the_records_is_cleared_and_a_torn_record_trusted_for_nothing(site_src,
                                                                                                    tmp_path):
    source = show_large_image(site_src, webp_bytes(1200, 900, RED))
    out, small = tmp_path / "out", tmp_path / ".out.small"
    build_wall(site_src, out)
    whole = (small / RECORDS).read_bytes()
    leftover = write(small / f".{RECORDS}.partial-k1ll3d", whole[:len(whole) // 2])  # killed while writing
    (small / RECORDS).write_bytes(whole[:len(whole) // 2])  # torn by something that wrote it in place
    before = (small / COPY).stat().st_ino
    build_wall(site_src, out)
    assert not leftover.exists()
    assert (small / COPY).stat().st_ino != before  # unrecorded: what it was made from is unknown
    assert records(small)["sources"][COPY][2] == hashlib.sha256(source.read_bytes()).hexdigest()


def test_copies_made_another_way_are_made_again(site_src, tmp_path):
    show_large_image(site_src, webp_bytes(1200, 900, RED))
    out, small = tmp_path / "out", tmp_path / ".out.small"
    build_wall(site_src, out)
    stored = records(small)
    (small / RECORDS).write_text(json.dumps({**stored, "recipe": "320w webp q50 m4"}), encoding="utf-8")
    before = (small / COPY).stat().st_ino
    build_wall(site_src, out)
    assert (small / COPY).stat().st_ino != before
    assert records(small) == stored and stored["recipe"] == RECIPE


def test_a_copy_no_image_on_the_wall_needs_any_more_leaves_the_folder(site_src, tmp_path):
    # The folder is carried from run to run in CI: without this it would keep every image ever shown.
    show_large_image(site_src, webp_bytes(1200, 900, RED))
    out, small = tmp_path / "out", tmp_path / ".out.small"
    build_wall(site_src, out)
    assert (small / COPY).is_file()
    (site_src / POST).unlink()
    build_wall(site_src, out)
    assert not (small / COPY).exists() and not (out / COPY).exists()
    assert records(small)["sources"] == {}


def test_a_build_knows_beforehand_whether_a_source_must_be_read(site_src, tmp_path):
    source = show_large_image(site_src, webp_bytes(1200, 900, RED))
    small = tmp_path / ".out.small"
    images = {IMAGE.removeprefix("content/"): (source, 1200)}
    assert any_to_make(images, small)  # no copy yet
    build_wall(site_src, tmp_path / "out")
    assert not any_to_make(images, small)
    later = source.stat().st_mtime_ns + 10**9
    os.utime(source, ns=(later, later))
    assert any_to_make(images, small)  # to be hashed again
