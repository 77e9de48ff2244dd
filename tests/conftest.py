"""Shared fixtures: a valid post file, content folders in tmp_path, the fixture site."""

from __future__ import annotations

import os
import shutil
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
