"""Builds the golden copy of the fixture site: `python -m tests.golden_site` refreshes tests/golden/.

Run it after a deliberate change to templates or rendering, then read the diff
of tests/golden/ in the commit like any other change.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_SITE = ROOT / "tests" / "fixtures" / "site"
GOLDEN = ROOT / "tests" / "golden" / "site"


def build_fixture_site(out: Path) -> None:
    """The fixture site without static/: the stylesheet and scripts are copied, not generated."""
    sys.path.insert(0, str(ROOT))
    from wall.pipeline import build
    build(FIXTURE_SITE / "config.yaml", FIXTURE_SITE / "content", out, demo_dir=None, full=True)
    out.with_name(f".{out.name}.cache").unlink(missing_ok=True)
    shutil.rmtree(out / "static")


if __name__ == "__main__":
    shutil.rmtree(GOLDEN, ignore_errors=True)
    build_fixture_site(GOLDEN)
    print(f"refreshed {GOLDEN.relative_to(ROOT)}")
