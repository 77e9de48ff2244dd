"""The built wall in a real Apache, as on a shared web host: the .htaccess the build writes
gives it its own 404 page, the headers a <meta> tag cannot set, caching and compression."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import requests

from wall.pipeline import build

from .apache import apache_serving
from .conftest import FIXTURE_SITE, ROOT

SUB_PATH = "/essenarbeitetzusammen/"  # the fixture wall's base_url
IMAGE = "media/0a/0a1b2c3d.webp"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("webserver") / "site"
    build(FIXTURE_SITE / "config.yaml", FIXTURE_SITE / "content", out, demo_dir=None, static=ROOT / "static")
    return out


@pytest.fixture(scope="module")
def served(site) -> str:
    with apache_serving(site, SUB_PATH) as base:
        yield base


def get(url: str, **headers: str) -> requests.Response:
    return requests.get(url, headers=headers, timeout=10)


def stylesheet(base: str) -> str:
    """The stylesheet's address as the pages name it, with its version."""
    page = get(base).text
    return base + page.split('rel="stylesheet" href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")


def test_an_address_that_leads_nowhere_gets_the_walls_404_page(served, site, tmp_path):
    missing = get(served + "beitrag/gibt-es-nicht/")
    assert missing.status_code == 404
    assert "Seite nicht gefunden" in missing.text
    assert f'href="{SUB_PATH}static/wall.css' in missing.text and get(stylesheet(served)).status_code == 200
    # Without the .htaccess the host would answer with its own page: the file is what does it.
    bare = tmp_path / "bare"
    shutil.copytree(site, bare)
    (bare / ".htaccess").unlink()
    with apache_serving(bare, SUB_PATH) as base:
        plain = get(base + "beitrag/gibt-es-nicht/")
        assert plain.status_code == 404 and "Seite nicht gefunden" not in plain.text


@pytest.mark.parametrize("path", ["", "beitrag/bluesky-3kabc/", "feed.xml", IMAGE, "static/suche.js", "gibt-es-nicht/"])
def test_no_response_may_be_framed_sniffed_or_leak_a_referrer(served, path):
    headers = get(served + path).headers
    assert headers["Content-Security-Policy"] == "frame-ancestors 'none'"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert "camera=()" in headers["Permissions-Policy"]


def test_images_and_the_versioned_stylesheet_are_kept_and_the_rest_asked_for_again(served):
    for url in (served + IMAGE, stylesheet(served)):
        assert get(url).headers["Cache-Control"] == "public, max-age=31536000, immutable", url
    for path in ("", "beitrag/bluesky-3kabc/", "suche/index.json", "static/suche.js", "static/wall.css"):
        assert get(served + path).headers["Cache-Control"] == "no-cache", path
    page = get(served, **{"Accept-Encoding": "gzip"})
    assert page.headers["Content-Encoding"] == "gzip" and "ETag" not in page.headers
    again = get(served, **{"If-Modified-Since": page.headers["Last-Modified"], "Accept-Encoding": "gzip"})
    assert again.status_code == 304, "an unchanged page costs a 'not modified', not the page"


@pytest.mark.parametrize("path, media_type", [
    ("", "text/html"), ("beitrag/bluesky-3kabc/", "text/html"), ("feed.json", "application/json"),
    ("suche/index.json", "application/json"), ("static/suche.js", "text/javascript"), ("static/wall.css", "text/css"),
])
def test_text_travels_compressed_and_named_utf8(served, path, media_type):
    response = get(served + path, **{"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == f"{media_type}; charset=utf-8"
    assert response.headers["Content-Encoding"] == "gzip"


def test_images_go_as_webp_uncompressed(served):
    response = get(served + IMAGE, **{"Accept-Encoding": "gzip"})
    assert response.headers["Content-Type"] == "image/webp"
    assert "Content-Encoding" not in response.headers


def build_fixture_with(tmp_path: Path, old: str, new: str) -> Path:
    """The fixture wall built with one change to its config.yaml."""
    config = (FIXTURE_SITE / "config.yaml").read_text(encoding="utf-8")
    assert old in config
    (tmp_path / "config.yaml").write_text(config.replace(old, new, 1), encoding="utf-8")
    build(tmp_path / "config.yaml", FIXTURE_SITE / "content", tmp_path / "site", demo_dir=None,
          static=ROOT / "static")
    return tmp_path / "site"


def test_a_wall_at_the_root_of_its_host_gets_the_same(tmp_path):
    site = build_fixture_with(tmp_path, "https://www.ewg.de/essenarbeitetzusammen/", "https://wall.ewg.example/")
    with apache_serving(site, "/") as served:
        missing = get(served + "gibt-es-nicht/")
        assert missing.status_code == 404 and "Seite nicht gefunden" in missing.text
        assert get(served + IMAGE).headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert get(served).headers["Cache-Control"] == "no-cache"


def test_a_host_that_refuses_the_settings_gets_no_htaccess(tmp_path):
    site = build_fixture_with(tmp_path, "site:\n", "site:\n  htaccess: false\n")
    assert (site / "404.html").is_file() and not (site / ".htaccess").exists()
