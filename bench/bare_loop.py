"""The issue's reference loop: one YAML file per post (C loader), one Jinja2 page each, nothing else.

Issue 6 gives its time on the machine it was measured on (2.2 s for 10,000 posts, 11 s for
50,000). Run on the same posts here, it tells how this machine compares with that one, so
the issue's other figures (Hugo on its minimal site) can be read against ours.

    .venv/bin/python bench/bare_loop.py CONTENT_DIR OUT_DIR
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import jinja2
import yaml

PAGE = jinja2.Environment(autoescape=True).from_string("""<!doctype html>
<html lang="de"><head><meta charset="utf-8"><title>{{ post.author.name }}</title></head>
<body><article><h1>{{ post.author.name }}</h1><p>{{ post.text }}</p>
<time>{{ post.published }}</time> <a href="{{ post.url }}">Original</a></article></body></html>
""")


def build(content: Path, out: Path) -> int:
    """Render every post file below content/posts into out/<file name>/index.html; return the count."""
    count = 0
    for path in sorted((content / "posts").rglob("*.yaml")):
        with path.open(encoding="utf-8") as stream:
            post = yaml.load(stream, Loader=yaml.CSafeLoader)
        folder = out / path.stem
        os.makedirs(folder, exist_ok=True)
        (folder / "index.html").write_text(PAGE.render(post=post), encoding="utf-8")
        count += 1
    return count


if __name__ == "__main__":
    content_dir, out_dir = map(Path, sys.argv[1:3])
    print(f"{build(content_dir, out_dir)} pages", file=sys.stderr)
