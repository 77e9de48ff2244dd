"""The fixture site, file by file, equals tests/golden/site (refresh: python -m tests.golden_site)."""

from __future__ import annotations

import difflib

from .conftest import tree
from .golden_site import GOLDEN, build_fixture_site


def test_fixture_site_matches_the_golden_files(tmp_path):
    build_fixture_site(tmp_path / "site")
    built, golden = tree(tmp_path / "site"), tree(GOLDEN)
    assert sorted(built) == sorted(golden), "files added or missing; refresh with python -m tests.golden_site"
    for path in sorted(built):
        if built[path] != golden[path]:
            diff = difflib.unified_diff(golden[path].decode(errors="replace").splitlines(),
                                        built[path].decode(errors="replace").splitlines(),
                                        f"golden/{path}", f"built/{path}", lineterm="", n=2)
            raise AssertionError("\n".join(list(diff)[:60]))
