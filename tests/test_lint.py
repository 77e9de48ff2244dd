"""The code has no unused imports or names and no undefined names (pyflakes)."""

from __future__ import annotations

import subprocess
import sys

from .conftest import ROOT

PACKAGES = ("wall", "connectors", "tests", "demo")


def checked_files() -> list[str]:
    """Our Python files (bench/.cache holds tens of thousands of generated files: not walked)."""
    files = [ROOT / "generate.py", *ROOT.glob("bench/*.py")]
    files += [path for package in PACKAGES for path in (ROOT / package).rglob("*.py")]
    return [str(path.relative_to(ROOT)) for path in files]


def test_pyflakes_finds_nothing():
    found = subprocess.run([sys.executable, "-m", "pyflakes", *checked_files()], cwd=ROOT, capture_output=True,
                           text=True)
    assert found.returncode == 0, found.stdout + found.stderr


def test_every_python_file_of_ours_is_checked():
    listed = subprocess.run(["git", "ls-files", "*.py"], cwd=ROOT, capture_output=True, text=True, check=True)
    assert set(listed.stdout.split()) <= set(checked_files())
