"""`generate.py add URL`: manual posts scaffolded from pages on 127.0.0.1, and the manual source."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from connectors.opengraph import AddError, add_post
from wall.store import load_content

from .conftest import ROOT, fetch_config, run_fetch, tree, webp_bytes
from .fakes import Reply

NOW = datetime(2020, 4, 1, 12, 0, tzinfo=timezone.utc)
FULL_PAGE = """<!doctype html><html lang="de"><head>
<title>Backstube Krümel | Facebook</title>
<meta property="og:title" content="Backstube Krümel">
<meta property="og:description"
      content="Ich biete frisches Brot für Kliniken &amp; Pflegeheime. #EssenArbeitetZusammen">
<meta property="og:image" content="/img/brot.png">
<meta property="og:image:alt" content="Brote im Regal">
<meta property="og:site_name" content="Facebook">
<meta property="og:locale" content="de_DE">
<meta property="article:published_time" content="2020-03-23T10:00:00+01:00">
</head><body><p>Seiteninhalt</p></body></html>"""
TITLE_PAGE = "<html><head><title>  Lagerfläche gesucht – Spedition Ruhr  </title></head><body></body></html>"
HOSTILE_PAGE = """<html><head>
<meta property="og:title" content="Angebot <img src=x onerror=alert(1)>">
<meta property="og:description" content="Hallo <script>alert(document.cookie)</script>Welt">
<meta property="og:image" content="{image}">
<meta property="og:image:alt" content="&quot;><script>alert(2)</script>">
</head></html>"""


@pytest.fixture
def pages(fake_server):
    """Pages and images on the fake server: /seite/<name> answers pages[name]."""
    served: dict[str, Reply] = {
        "voll": Reply.text(FULL_PAGE), "titel": Reply.text(TITLE_PAGE),
        "boese": Reply.text(HOSTILE_PAGE.format(image="javascript:alert(1)")),
        "boese-bild": Reply.text(HOSTILE_PAGE.format(image="/img/fake.jpg")),
        "leer": Reply.text("<html><head></head><body><p>nur Text</p></body></html>"),
        "bild": Reply(200, webp_bytes(), {"Content-Type": "image/webp"}),
    }
    fake_server.route("GET", r"/seite/(?P<name>[^/]+)")(
        lambda request: served.get(request.groups["name"], Reply.text("nicht gefunden", 404)))
    fake_server.route("GET", r"/img/fake\.jpg")(
        lambda request: Reply(200, b"<html><script>alert(1)</script></html>", {"Content-Type": "image/jpeg"}))
    fake_server.route("GET", r"/img/brot\.png")(
        lambda request: Reply(200, webp_bytes(80, 60, kind="PNG"), {"Content-Type": "image/png"}))
    fake_server.pages = served
    return fake_server


@pytest.fixture
def config(tmp_path):
    return fetch_config(tmp_path, "  - name: eingereicht\n    type: manual\n")


def stored(content: Path) -> list:
    result = load_content(content, ["angebot", "gesuch"])
    assert not result.problems, result.problems
    return list(result.posts)


def test_a_page_with_open_graph_data_becomes_a_pending_manual_post(tmp_path, pages, config):
    url = pages.url("/seite/voll")
    path, warnings = add_post(config, tmp_path / "content", url, now=NOW)
    assert warnings == []
    (post,) = stored(tmp_path / "content")
    assert path == tmp_path / "content" / "posts/manual" / f"{post.native_id}.yaml"
    assert post.id.startswith("manual:127-0-0-1-") and post.id.endswith("-seite-voll-" + post.id[-8:])
    assert (post.platform, post.url, post.status, post.category) == ("manual", url, "pending", "angebot")
    assert post.text == ("Backstube Krümel\n\n"
                         "Ich biete frisches Brot für Kliniken & Pflegeheime. #EssenArbeitetZusammen")
    assert (post.author.name, post.language, post.hashtags) == ("Facebook", "de-DE", ("EssenArbeitetZusammen",))
    assert post.published == datetime(2020, 3, 23, 9, 0, tzinfo=timezone.utc)
    (image,) = post.media
    assert (image.alt, image.width, image.height, image.source_url) == (
        "Brote im Regal", 80, 60, pages.url("/img/brot.png"))
    assert (tmp_path / "content" / image.path).read_bytes()[:4] == b"RIFF", "re-encoded as WebP"


def test_author_and_category_can_be_given(tmp_path, pages, config):
    add_post(config, tmp_path / "content", pages.url("/seite/voll"), author="Backstube Krümel GmbH",
             category="gesuch", now=NOW)
    (post,) = stored(tmp_path / "content")
    assert (post.author.name, post.category) == ("Backstube Krümel GmbH", "gesuch")


def test_a_page_with_only_a_title(tmp_path, pages, config):
    add_post(config, tmp_path / "content", pages.url("/seite/titel"), now=NOW)
    (post,) = stored(tmp_path / "content")
    assert post.text == "Lagerfläche gesucht – Spedition Ruhr"
    assert (post.author.name, post.published, post.media, post.category) == ("127.0.0.1", NOW, (), "")


def test_a_publication_time_no_clock_can_show_becomes_now(tmp_path, pages, config):
    pages.pages["uralt"] = Reply.text(FULL_PAGE.replace("2020-03-23T10:00:00+01:00", "0001-01-01T00:00:00+23:59"))
    add_post(config, tmp_path / "content", pages.url("/seite/uralt"), now=NOW)
    (post,) = stored(tmp_path / "content")
    assert post.published == NOW


@pytest.mark.parametrize("page", ["boese", "boese-bild"])
def test_a_hostile_page_stores_nothing_executable(tmp_path, pages, config, page):
    path, warnings = add_post(config, tmp_path / "content", pages.url(f"/seite/{page}"), now=NOW)
    (post,) = stored(tmp_path / "content")
    assert post.text == "Angebot\n\nHallo Welt"
    assert post.media == ()
    written = path.read_text(encoding="utf-8")
    for word in ("<", "script", "javascript", "onerror", "alert"):
        assert word not in written
    assert list((tmp_path / "content").rglob("*.webp")) == []
    if page == "boese-bild":
        assert any("not a JPEG, PNG, WebP or GIF" in warning for warning in warnings)


def test_adding_the_same_page_again_changes_nothing(tmp_path, pages, config):
    url = pages.url("/seite/voll")
    path, _ = add_post(config, tmp_path / "content", url, now=NOW)
    before = tree(tmp_path / "content")
    requests_before = len(pages.requests)
    for again in (url, url + "/", url + "#kommentare"):
        with pytest.raises(AddError, match=r"a post for .* already exists: .*nothing was changed"):
            add_post(config, tmp_path / "content", again, now=NOW)
    assert tree(tmp_path / "content") == before
    assert len(pages.requests) == requests_before, "the page is not even fetched"


@pytest.mark.parametrize("url, category, message", [
    ("ftp://example.com/post", "", "only http and https addresses can be added, got 'ftp://example.com/post'"),
    ("javascript:alert(1)", "", "only http and https addresses can be added"),
    ("/seite/leer", "", "the page has no title or description"),
    ("/seite/bild", "", "not an HTML page (image/webp)"),
    ("/seite/fehlt", "", "could not read the page: HTTP 404"),
    ("/seite/voll", "sonstiges", "unknown category 'sonstiges'; expected one of: angebot, gesuch"),
])
def test_what_cannot_be_added_is_refused_with_a_reason(tmp_path, pages, config, url, category, message):
    url = pages.url(url) if url.startswith("/") else url
    with pytest.raises(AddError) as error:
        add_post(config, tmp_path / "content", url, category=category, now=NOW)
    assert message in str(error.value)
    assert not (tmp_path / "content").exists()


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "generate.py"), *args],
                          capture_output=True, text=True, timeout=60)


def test_cli_add_prints_the_file_and_a_hint_and_exits_0_then_1(tmp_path, pages, config):
    options = ["--config", str(tmp_path / "config.yaml"), "--content", str(tmp_path / "content")]
    first = run("add", pages.url("/seite/voll"), "--category", "gesuch", "--author", "EWG", *options)
    assert first.returncode == 0, first.stderr
    (post,) = stored(tmp_path / "content")
    assert (post.category, post.author.name) == ("gesuch", "EWG")
    assert Path(first.stdout.strip()).name == f"{post.native_id}.yaml"
    assert (f"Bitte prüfen und ergänzen Sie den Text in {first.stdout.strip()} und setzen Sie dann status: approved."
            in first.stderr)
    again = run("add", pages.url("/seite/voll"), *options)
    assert again.returncode == 1 and "already exists" in again.stderr and "Traceback" not in again.stderr
    refused = run("add", "file:///etc/passwd", *options)
    assert refused.returncode == 1
    assert refused.stderr.strip() == "error: only http and https addresses can be added, got 'file:///etc/passwd'"


def test_cli_add_has_help_with_the_common_options():
    result = run("add", "--help")
    assert result.returncode == 0
    for option in ("URL", "--config", "--content", "--debug", "--category", "--author"):
        assert option in result.stdout


def test_a_manual_source_fetches_nothing_and_keeps_the_files(tmp_path, pages, config):
    add_post(config, tmp_path / "content", pages.url("/seite/voll"), now=NOW)
    before = tree(tmp_path / "content" / "posts")
    report = run_fetch(config, tmp_path / "content")["eingereicht"]
    assert (report.new, report.updated, report.removed, report.failed) == (0, 0, 0, False)
    assert tree(tmp_path / "content" / "posts") == before
