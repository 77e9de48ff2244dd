"""The editors' preview of a pull request: the front page and the posts under review, with their images."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from wall.post import Media
from wall.preview import keep_only

from .conftest import FIXTURE_SITE, ROOT
from .test_incremental import add, make_wall

IMAGE = FIXTURE_SITE / "content/media/0a/0a1b2c3d.webp"


def with_image(folder: Path, number: int, name: str) -> None:
    target = folder / "content/media" / name[:2] / name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(IMAGE, target)
    add(folder, number, media=(Media(path=f"media/{name[:2]}/{name}", alt="Bild", width=8, height=6),))


def commit(folder: Path, message: str) -> None:
    for args in (["add", "-A"], ["-c", "user.name=Test", "-c", "user.email=test@example.org", "commit", "-qm", message]):
        subprocess.run(["git", "-C", str(folder), *args], check=True, capture_output=True)


def test_the_preview_holds_the_front_page_and_the_changed_posts_with_their_images(tmp_path):
    wall = make_wall(tmp_path / "wall", 30)  # five posts a page: post 0 is on an old archive page
    with_image(wall, 0, "aaold.webp")
    with_image(wall, 29, "bbfront.webp")  # on the front page, not changed below
    subprocess.run(["git", "init", "-q", str(wall)], check=True)
    commit(wall, "the wall as it is")
    with_image(wall, 30, "ccnew.webp")  # the pull request's new post
    add(wall, 3, text="Geändert: Wir bieten jetzt auch Leitern #Werkzeug")  # and an edited one
    commit(wall, "Neue Beiträge")
    out = wall / "preview"
    result = subprocess.run([sys.executable, str(ROOT / "generate.py"), "preview", "--config", str(wall / "config.yaml"),
                             "--content", str(wall / "content"), "--out", str(out)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "preview of the front page and of 2 posts changed since HEAD^1" in result.stderr
    pages = sorted(path.relative_to(out).as_posix() for path in out.rglob("*.html"))
    assert len(pages) == 3 and pages[-1] == "index.html", pages
    assert pages[0].startswith("beitrag/mastodon-ruhr.example-30-") and pages[1].startswith("beitrag/rss-3"), pages
    assert sorted(path.name for path in (out / "media").rglob("*.webp")) == ["bbfront.webp", "ccnew.webp"]
    assert (out / "static/wall.css").is_file()
    assert not (out / "seite").exists(), "no folders left empty"


def test_a_preview_without_the_base_revision_keeps_the_front_pages_images_and_says_so(tmp_path):
    wall = make_wall(tmp_path / "wall", 30)
    with_image(wall, 0, "aaold.webp")
    with_image(wall, 30, "ccnew.webp")
    subprocess.run(["git", "init", "-q", str(wall)], check=True)
    commit(wall, "only one commit: there is no HEAD^1")
    result = subprocess.run([sys.executable, str(ROOT / "generate.py"), "preview", "--config", str(wall / "config.yaml"),
                             "--content", str(wall / "content"), "--out", str(wall / "preview")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, "a preview is no reason to fail the check"
    assert "warning: no comparison with HEAD^1" in result.stderr
    assert sorted(path.name for path in (wall / "preview/media").rglob("*.webp")) == ["ccnew.webp"]
    assert sorted(path.name for path in (wall / "preview").rglob("*.html")) == ["index.html"]


def test_both_sizes_of_an_image_a_page_offers_stay(tmp_path):
    for name in ("x.webp", "x-640w.webp", "y.webp", "avatar.webp"):
        (tmp_path / "media/ab").mkdir(parents=True, exist_ok=True)
        (tmp_path / "media/ab" / name).write_bytes(b"RIFF")
    page = tmp_path / "beitrag/eins/index.html"
    page.parent.mkdir(parents=True)
    page.write_text('<img src="../../media/ab/x.webp" srcset="../../media/ab/x-640w.webp 640w, '
                    '../../media/ab/x.webp 1600w"><img class="avatar" src="../../media/ab/avatar.webp">',
                    encoding="utf-8")
    (tmp_path / "feed.xml").write_text("<feed/>", encoding="utf-8")
    assert keep_only(tmp_path, ["beitrag/eins/index.html", "beitrag/fehlt/index.html"]) == 2
    assert sorted(path.name for path in (tmp_path / "media/ab").iterdir()) == ["avatar.webp", "x-640w.webp", "x.webp"]
    assert not (tmp_path / "feed.xml").exists()
