"""Page-weight budget: the first wall page with its CSS under 30 KB compressed (images excluded),
every image with width and height, and JavaScript only on the pages that need it.

Run: .venv/bin/python bench/page_weight.py   (builds the demo wall into a temporary folder)
"""

from __future__ import annotations

import gzip
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from wall.pipeline import build  # noqa: E402

BUDGET = 30 * 1024


def compressed(data: bytes) -> int:
    """Bytes after gzip -9, as a web server would send them."""
    return len(gzip.compress(data, 9))


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "site"
        build(ROOT / "config.yaml", Path(folder) / "no-content", out)
        front = (out / "index.html").read_bytes()
        css = (out / "static/wall.css").read_bytes()
        total = compressed(front) + compressed(css)
        pages = sorted(out.rglob("*.html"))
        unsized = [p for p in pages for tag in re.findall(rb"<img [^>]*>", p.read_bytes())
                   if b" width=" not in tag or b" height=" not in tag]
        scripted = sorted(str(p.relative_to(out)) for p in pages if b"<script" in p.read_bytes())
    print(f"front page {len(front):,} B ({compressed(front):,} B gzip) + CSS {len(css):,} B "
          f"({compressed(css):,} B gzip) = {total:,} B of {BUDGET:,} B budget")
    print(f"images without width/height: {len(unsized)}; pages with JavaScript: {', '.join(scripted)}")
    return 0 if total <= BUDGET and not unsized else 1


if __name__ == "__main__":
    sys.exit(main())
