"""Shared fixtures: a valid post file, content folders in tmp_path, the fixture site."""

from __future__ import annotations

import os
import shutil
import socket
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_SITE = ROOT / "tests" / "fixtures" / "site"
IN_CI = os.environ.get("CI") == "true"

VALID_POST = """\
id: x:1
platform: x
url: https://x.com/anna/status/1
author:
  name: Anna
published: "2020-03-23T10:00:00+01:00"
status: approved
text: Hallo Essen
"""


@pytest.fixture
def site_src(tmp_path: Path) -> Path:
    """A private copy of tests/fixtures/site (config.yaml and content/)."""
    target = tmp_path / "src"
    shutil.copytree(FIXTURE_SITE, target)
    return target


@pytest.fixture(autouse=True)
def _work_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Problems name files relative to the working folder: make that predictable.
    monkeypatch.chdir(tmp_path)


def free_port() -> int:
    """A loopback port nothing listens on (for a server to start on, or to find nobody answering)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write(path: Path, text: str | bytes) -> Path:
    """Write a file, creating its folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def tree(folder: Path) -> dict[str, bytes]:
    """Every file below folder: relative path -> bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def sitemap_parts(site: Path, base: str) -> dict[str, list[str]]:
    """The parts sitemap.xml names (file name -> the addresses it lists, below base), each
    part checked to be a sitemap of its own at the site's root."""
    index = ET.parse(site / "sitemap.xml").getroot()
    assert index.tag == f"{SITEMAP}sitemapindex"
    parts = {}
    for location in index.iter(f"{SITEMAP}loc"):
        name = location.text.removeprefix(base)
        assert location.text == base + name and "/" not in name, location.text
        part = ET.parse(site / name).getroot()
        assert part.tag == f"{SITEMAP}urlset"
        parts[name] = [url.text.removeprefix(base) for url in part.iter(f"{SITEMAP}loc")]
    return parts


@pytest.fixture
def fake_server():
    """A fresh loopback fake platform (see tests/fakes.py)."""
    from .fakes import FakeServer
    with FakeServer() as server:
        yield server


def webp_bytes(width: int = 40, height: int = 30, color=(20, 90, 140), kind: str = "WEBP") -> bytes:
    """A real image of the given size and format."""
    import io
    from PIL import Image
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, kind)
    return buffer.getvalue()


FETCH_CONFIG = """\
site:
  title: Wall
  base_url: https://www.ewg.de/essenarbeitetzusammen/
hashtags: [EssenArbeitetZusammen]
categories:
  - key: angebot
    label: Angebot
    keywords: [ich biete]
  - key: gesuch
    label: Gesuch
    keywords: [ich suche]
sources:
{sources}
moderation:
  allow:
    authors: {allow}
  deny:
    authors: {deny_authors}
    keywords: {deny_keywords}
"""


def fetch_config(tmp_path: Path, sources: str, allow: str = "[]", deny_authors: str = "[]",
                 deny_keywords: str = "[]"):
    """Write and load a config.yaml whose sources point at loopback fakes."""
    from wall.config import load_config
    path = tmp_path / "config.yaml"
    path.write_text(FETCH_CONFIG.format(sources=sources, allow=allow, deny_authors=deny_authors,
                                        deny_keywords=deny_keywords), encoding="utf-8")
    return load_config(path)


def run_fetch(config, content: Path, **options):
    """fetch() with a fixed clock and short waits, as every connector test runs it."""
    from datetime import datetime, timezone
    from wall.fetch import fetch
    options.setdefault("now", lambda: datetime(2020, 4, 1, 12, 0, tzinfo=timezone.utc))
    options.setdefault("max_wait", 3)
    return {report.name: report for report in fetch(config, content, **options)}
