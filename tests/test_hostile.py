"""Every post field is untrusted: hostile values must come out as inert text."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from markupsafe import Markup

from wall.pipeline import build
from wall.post import Author, Media, Post
from wall.renderer import hashtag_breaks
from wall.writing import write_post
from wall.verify import verify_site

from .conftest import FIXTURE_SITE, ROOT, sitemap_parts, write

SCRIPT = "<script>alert(1)</script>"
OWN_SCRIPTS = {"suche/index.html": ["../static/suche.js"], "wall/index.html": ["../static/bildschirm.js"]}
HOSTILE_TEXT = (
    f"{SCRIPT} <img src=x onerror=alert(1)> <svg onload=alert(1)>\n"
    "javascript:alert(1) JaVaScRiPt:alert(1) data:text/html,<b>x</b>\n"
    "https://evil.example/\"onmouseover=\"alert(1) https://evil.example/'><script>alert(2)</script>\n"
    "{{ 7*7 }} {% raw %}x{% endraw %} ${{ github.token }}\n"
    "#tag\"onclick=alert(1) @user\"onfocus=alert(1) <a href=\"javascript:alert(1)\">klick</a>\n"
    "<base href=\"https://evil.example/\"><meta http-equiv=\"refresh\" content=\"0;url=https://evil.example\">"
    "<style>body{display:none}</style><iframe srcdoc=\"<script>alert(1)</script>\"></iframe>\u202eevil"
)


def hostile_posts() -> list[Post]:
    author = Author(name=f'"><img src=x onerror=alert(1)> O\'Brien & Söhne {SCRIPT}',
                    handle='x" onmouseover="alert(1)',
                    url='https://evil.example/"><script>alert(1)</script>')
    base = dict(author=author, published=datetime(2020, 3, 23, tzinfo=timezone.utc),
                text=HOSTILE_TEXT, status="approved")
    return [
        Post(id='x:1"><script>', platform="x", url='https://x.com/a/status/1?"onmouseover="alert(1)',
             content_warning=f"</summary>{SCRIPT}", **base),
        Post(id="mastodon:evil.example:2", platform="mastodon",
             url="https://evil.example/@a/2#'><script>alert(1)</script>",
             media=(Media(path="media/ev/il.webp", alt=f'" onerror="alert(1)" x="{SCRIPT}',
                          width=8, height=6),), **base),
        Post(id="manual:{{7*7}}", platform="manual", url="https://evil.example/{{7*7}}", **base),
    ]


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    content = root / "content"
    for post in hostile_posts():
        write_post(content, post)
    write(content / "media/ev/il.webp", (FIXTURE_SITE / "content/media/0a/0a1b2c3d.webp").read_bytes())
    build(FIXTURE_SITE / "config.yaml", content, root / "site", demo_dir=None,
          static=ROOT / "static")
    return root / "site"


def html_pages(site: Path) -> list[tuple[Path, BeautifulSoup]]:
    return [(path, BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser"))
            for path in sorted(site.rglob("*.html"))]


def test_no_script_element_or_event_handler_anywhere(hostile_site):
    pages = html_pages(hostile_site)
    assert len(pages) > 5
    for path, soup in pages:
        for forbidden in ("iframe", "svg", "style", "base", "object", "embed"):
            assert soup.find(forbidden) is None, (path, forbidden)
        scripts = [(tag.get("src"), tag.string) for tag in soup.find_all("script")]
        own = OWN_SCRIPTS.get(path.relative_to(hostile_site).as_posix(), [])
        assert scripts == [(src, None) for src in own], (path, scripts)
        forms = soup.find_all("form")
        assert [form.get("action") for form in forms] == (["./"] if path.parent.name == "suche" else []), path
        assert soup.find("meta", attrs={"http-equiv": "refresh"}) is None
        for tag in soup.find_all(True):
            assert not [name for name in tag.attrs if name.startswith("on") or name in ("style", "srcdoc")], (path, tag)


def test_every_link_is_http_https_mailto_or_same_site(hostile_site):
    pages = html_pages(hostile_site)
    assert len(pages) > 5
    for path, soup in pages:
        for tag in soup.find_all(["a", "link"], href=True):
            assert urlsplit(tag["href"]).scheme in ("", "http", "https", "mailto"), (path, tag)
        for tag in soup.find_all(["img", "video"], src=True):
            assert not urlsplit(tag["src"]).scheme and not tag["src"].startswith("//"), (path, tag)


def test_hostile_text_is_shown_literally(hostile_site):
    pages = dict(html_pages(hostile_site))
    soup = next(soup for path, soup in pages.items() if "beitrag/mastodon-evil.example-2-ef73e7f3" in str(path))
    text = soup.find(class_="post-text").get_text()
    assert SCRIPT in text and "{{ 7*7 }}" in text and "${{ github.token }}" in text
    assert "49" not in text
    assert "\u202e" not in soup.get_text()
    assert soup.find("img", class_="avatar") is None
    image = soup.find(class_="post-media").find("img")
    assert image["alt"] == f'" onerror="alert(1)" x="{SCRIPT}'
    name = soup.find(class_="post-author").get_text()
    assert name == f'Beitrag von "><img src=x onerror=alert(1)> O\'Brien & Söhne {SCRIPT}'


def test_hostile_ids_become_safe_paths(hostile_site):
    names = {path.name for path in (hostile_site / "beitrag").iterdir()}
    assert names == {"x-1---script--ad50cd59", "mastodon-evil.example-2-ef73e7f3", "manual---7-7---d095461a"}


def test_feeds_stay_well_formed(hostile_site):
    ET.parse(hostile_site / "feed.xml")
    listed = [path for paths in sitemap_parts(hostile_site, "https://www.ewg.de/essenarbeitetzusammen/").values()
              for path in paths]
    assert "beitrag/x-1---script--ad50cd59/" in listed
    items = json.loads((hostile_site / "feed.json").read_text(encoding="utf-8"))["items"]
    assert SCRIPT in items[0]["content_text"]


def test_the_safety_net_catches_what_templates_might_let_through():
    csp = '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'">'
    pages = {
        "ok.html": f"<html><head>{csp}</head><body><a href='https://a.example/'>a</a></body></html>",
        "script.html": f"{csp}<script>alert(1)</script>",
        "handler.html": f"{csp}<p onclick='x()'>a</p>",
        "js-link.html": f"{csp}<a href=' javascript:alert(1)'>a</a>",
        "tracker.html": f"{csp}<img src='//tracker.example/p.gif'>",
        "font.html": f"{csp}<link rel='stylesheet' href='https://fonts.example/css'>",
        "no-csp.html": "<p>hi</p>",
    }
    problems = verify_site(pages)
    assert sorted({problem.split(":")[0] for problem in problems}) == sorted(set(pages) - {"ok.html"})


def test_headings_break_hashtags_at_capitals_and_keep_names_escaped(tmp_path):
    # Author names go through the heading filter that adds <wbr>: it must escape all the rest.
    name = f'{SCRIPT}"><wbr onclick=alert(1)>#EssenArbeitetZusammen & #Ä&#39;Öl'
    assert hashtag_breaks(name) == Markup(
        "&lt;script&gt;alert(1)&lt;/script&gt;&#34;&gt;&lt;wbr onclick=alert(1)&gt;"
        "#Essen<wbr>Arbeitet<wbr>Zusammen &amp; #Ä&amp;#39;Öl")
    content = tmp_path / "content"
    post = hostile_posts()[2]
    write_post(content, replace(post, author=replace(post.author, name=name)))
    build(FIXTURE_SITE / "config.yaml", content, tmp_path / "site", demo_dir=None)
    soup = BeautifulSoup((tmp_path / "site/beitrag/manual---7-7---d095461a/index.html").read_text(encoding="utf-8"),
                         "html.parser")
    heading = soup.find("h1")
    assert heading.get_text() == f"Beitrag von {name}"
    assert [(tag.name, tag.attrs) for tag in heading.find_all(True)] == [("bdi", {})] + [("wbr", {})] * 2
