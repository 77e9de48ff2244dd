"""Deterministic synthetic walls: N post files written by the project's own write_post.

A seeded random.Random and fixed dates make every run produce the same files, so a
content folder is generated once per N and cached (see bench/README.md).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import random
import re
import shutil
import sys
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:0] = [str(ROOT), str(ROOT / "demo")]

import make_demo  # noqa: E402  (the demo generator: images, ids and author shapes)
import texts  # noqa: E402
from wall.config import load_config  # noqa: E402
from wall.post import Media, Post, post_filename  # noqa: E402
from wall.writing import write_post  # noqa: E402

ESSEN = ZoneInfo("Europe/Berlin")
FIRST_DAY = datetime(2020, 3, 16, 7, 0)
LAST_DAY = datetime(2025, 10, 31, 22, 0)
LOCKDOWN_END = datetime(2020, 7, 1)  # a third of all posts came in the first weeks
PLATFORM_WEIGHTS = {"instagram": 22, "facebook": 20, "x": 14, "linkedin": 14, "mastodon": 9,
                    "bluesky": 8, "threads": 5, "rss": 5, "manual": 3}
CATEGORY_WEIGHTS = {"angebot": 35, "gesuch": 25, "idee": 10, "info": 30}  # other keys of config.yaml: 10
INSTANCES = ("ruhr.social.example", "pott.social.example", "essen.social.example")
MOTIFS = (("banner", "wide"), ("bread", "square"), ("masks", "landscape"), ("truck", "wide"),
          ("coffee", "square"), ("laptop", "landscape"))
AVATARS = (("BK", "#c8842f", "#ffffff", "#8a5a34"), ("DT", "#23395b", "#ffffff", "#d7263d"),
           ("SW", "#0b5563", "#ffffff", "#f2c14e"), ("KK", "#f78154", "#ffffff", "#23395b"),
           ("CB", "#3e2c23", "#f3e3cf", "#b24c63"), ("NF", "#b24c63", "#ffffff", "#f2c14e"),
           ("EW", "#2d6b29", "#ffffff", "#f4f1de"), ("RH", "#5a7d8c", "#ffffff", "#0b5563"))
EDIT_SUFFIX = "\n\nNachtrag: Das Angebot gilt weiterhin – wir haben noch Kapazitäten frei."


@dataclass(frozen=True)
class Wall:
    """A generated content folder and what the rebuild scenarios change in it."""

    root: Path  # the cache entry: content/, hugo/, extra/, meta.json
    meta: dict

    @property
    def content(self) -> Path:
        """The content folder to build from (posts/ and media/)."""
        return self.root / "content"

    @property
    def hugo_content(self) -> Path:
        """The same posts as Hugo Markdown (content/posts/) and its static/ media."""
        return self.root / "hugo"


@functools.lru_cache(maxsize=1)
def categories() -> tuple[str, ...]:
    """The category keys of the project's config.yaml."""
    return tuple(category.key for category in load_config(ROOT / "config.yaml").categories)


def cache_key() -> str:
    """Changes whenever the generator's code changes, so stale caches are never reused."""
    digest = hashlib.sha256()
    for name in ("synth.py", "texts.py", "hugosite.py"):
        digest.update((BENCH / name).read_bytes())
    return digest.hexdigest()[:10]


def cached_wall(n: int, cache_dir: Path, log=print) -> Wall:
    """The wall of n posts, generated on first use and read from cache_dir afterwards."""
    root = cache_dir / f"wall-{n}-{cache_key()}"
    meta_file = root / "meta.json"
    if not meta_file.is_file():
        log(f"generating {n:,} posts into {root} (once; later runs reuse it) ...")
        shutil.rmtree(root, ignore_errors=True)
        generate(n, root)
    return Wall(root, json.loads(meta_file.read_text(encoding="utf-8")))


# --------------------------------------------------------------------------- images

@functools.lru_cache(maxsize=1)
def media_set() -> tuple[make_demo.MediaStore, tuple[tuple[str, int, int], ...], tuple[str, ...]]:
    """A handful of WebP pictures and avatars, drawn once with Pillow and shared by all posts."""
    rng, store = random.Random(6), make_demo.MediaStore()
    pictures = tuple(make_demo.make_picture(store, motif, size, rng) for motif, size in MOTIFS)
    avatars = tuple(make_demo.make_avatar(store, *colours) for colours in AVATARS)
    return store, pictures, avatars


# --------------------------------------------------------------------------- authors

def slugify(name: str) -> str:
    """'Café Özdemir GmbH' -> 'cafe-ozdemir-gmbh'."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")


def make_orgs(count: int, rng: random.Random, avatars: tuple[str, ...]) -> list[make_demo.Org]:
    """Invented organisations, each on one to three platforms; together on all nine."""
    orgs, platforms = [], list(PLATFORM_WEIGHTS)
    for index in range(count):
        name = org_name(rng)
        slug = f"{slugify(name)[:40].strip('-')}-{index}"
        chosen = {platforms[index % len(platforms)]}
        chosen |= set(rng.choices(platforms, weights=list(PLATFORM_WEIGHTS.values()), k=rng.randrange(3)))
        org = make_demo.Org(name, f"https://{slug}.example/", accounts(slug, sorted(chosen), rng))
        org.avatar_path = rng.choice(avatars) if rng.random() < 0.75 else ""
        orgs.append(org)
    return orgs


def org_name(rng: random.Random) -> str:
    """'Bäckerei Küpper GmbH', 'Café Rüttenscheid', ..."""
    place = rng.choice(texts.SURNAMES) if rng.random() < 0.7 else rng.choice(texts.DISTRICTS)
    return f"{rng.choice(texts.TRADES)} {place}{rng.choice(texts.LEGAL_FORMS)}"


def accounts(slug: str, platforms: list[str], rng: random.Random) -> dict[str, str]:
    """The organisation's handle or page name on each of its platforms."""
    dotted, underscored = slug.replace("-", "."), slug.replace("-", "_")
    shapes = {"mastodon": f"{underscored[:30]}@{rng.choice(INSTANCES)}", "bluesky": f"{slug}.example",
              "threads": dotted, "instagram": dotted, "x": underscored[-15:].strip("_"),
              "facebook": "".join(part.title() for part in slug.split("-")),
              "linkedin": slug, "rss": "", "manual": ""}
    return {platform: shapes[platform] for platform in platforms}


def mention(platform: str, org: make_demo.Org) -> str:
    """How a post on platform names org, '' where the platform has no mentions."""
    account = org.accounts.get(platform, "")
    return f"@{account}" if account and platform in ("mastodon", "bluesky", "threads", "instagram", "x") else ""


# --------------------------------------------------------------------------- posts

def moment(rng: random.Random) -> datetime:
    """A time in Essen between March 2020 and October 2025, crowded in spring 2020."""
    end = LOCKDOWN_END if rng.random() < 0.33 else LAST_DAY
    minutes = int((end - FIRST_DAY).total_seconds() // 60)
    naive = FIRST_DAY + timedelta(minutes=rng.randrange(minutes))
    return naive.replace(tzinfo=ESSEN)


def identify(platform: str, org: make_demo.Org, published: datetime, rng: random.Random,
             index: int) -> tuple[str, str]:
    """A post id and permalink shaped like the platform's own (as in demo/make_demo.py)."""
    account = org.accounts.get(platform, "")
    if platform == "mastodon":
        user, host = account.split("@")
        status = make_demo.snowflake_mastodon(published, rng)
        return f"mastodon:{host}:{status}", f"https://{host}/@{user}/{status}"
    if platform == "bluesky":
        key = make_demo.bluesky_tid(published, rng)
        return f"bluesky:{key}", f"https://bsky.app/profile/{account}/post/{key}"
    if platform in ("threads", "instagram"):
        code = make_demo.meta_shortcode(published, rng)
        if platform == "threads":
            return f"threads:{code}", f"https://www.threads.net/@{account}/post/{code}"
        return f"instagram:{code}", f"https://www.instagram.com/p/{code}/"
    if platform == "x":
        status = make_demo.snowflake_x(published, rng)
        return f"x:{status}", f"https://x.com/{account}/status/{status}"
    if platform == "facebook":
        story = str(3 * 10**15 + index)
        return f"facebook:{rng.randrange(10**14, 10**15)}_{story}", f"https://www.facebook.com/{account}/posts/{story}"
    if platform == "linkedin":
        urn = f"urn:li:share:{make_demo.linkedin_activity(published, rng)}"
        return f"linkedin:{urn}", f"https://www.linkedin.com/feed/update/{urn}/"
    host = org.website.split("/")[2]
    if platform == "rss":
        return f"rss:{host}:beitrag-{index}", f"{org.website}blog/beitrag-{index}"
    return f"manual:bench-{index}", f"{org.website}beitraege/bench-{index}"


def make_post(index: int, org: make_demo.Org, orgs: list[make_demo.Org], rng: random.Random,
              pictures: tuple, published: datetime | None = None) -> Post:
    """One post of org: text, category, status, media and times all drawn from rng."""
    platform = rng.choice(sorted(org.accounts))
    published = published or moment(rng)
    post_id, url = identify(platform, org, published, rng, index)
    category = rng.choices(categories(), weights=[CATEGORY_WEIGHTS.get(key, 10) for key in categories()])[0]
    english = rng.random() < 0.05
    if english:
        text = texts.english_text(rng)
    else:
        kind = category if category in texts.ITEMS else "info"
        text = texts.german_text(kind, org.website, mention(platform, rng.choice(orgs)), rng,
                                 make_demo.LENGTH_LIMITS.get(platform))
    edited = published + timedelta(hours=rng.randrange(1, 200)) if rng.random() < 0.08 else None
    fetched = None if platform == "manual" else (edited or published) + timedelta(minutes=rng.randrange(5, 60))
    return Post(id=post_id, platform=platform, url=url, author=org.author(platform), published=published,
                text=text, status=rng.choices(("approved", "pending", "rejected"), weights=(90, 7, 3))[0],
                media=attachments(rng, pictures, org.name),
                category=category if rng.random() < 0.88 else "",
                content_warning="Werbung" if rng.random() < 0.01 else "",
                language="en" if english else ("de" if rng.random() < 0.8 else ""),
                hashtags=make_demo.hashtags(text), source=f"{platform}-bench",
                fetched_at=fetched, edited_at=edited)


def attachments(rng: random.Random, pictures: tuple, author: str) -> tuple[Media, ...]:
    """No image for most posts, one for many, up to four for a few."""
    roll = rng.random()
    count = 0 if roll < 0.52 else 1 if roll < 0.92 else rng.randrange(2, 5)
    chosen = [rng.choice(pictures) for _ in range(count)]
    return tuple(Media(path=path, type="image", width=width, height=height,
                       alt=f"Foto von {author}" if rng.random() < 0.7 else "")
                 for path, width, height in chosen)


def make_posts(n: int, rng: random.Random) -> tuple[list[Post], list[make_demo.Org]]:
    """n posts with unique ids and file names, a few of them pinned."""
    _, pictures, avatars = media_set()
    orgs = make_orgs(max(40, n // 25), rng, avatars)
    weights = [1 / (rank + 1) ** 0.8 for rank in range(len(orgs))]  # a few very active authors
    posts, files = [], set()
    while len(posts) < n:
        post = make_post(len(posts), rng.choices(orgs, weights=weights)[0], orgs, rng, pictures)
        if post_filename(post.id) not in files:
            files.add(post_filename(post.id))
            posts.append(post)
    for index in (n // 7, n // 3, n // 2):  # three pinned posts, as editors might pick
        posts[index] = dataclasses.replace(posts[index], pinned=True, status="approved")
    return posts, orgs


# --------------------------------------------------------------------------- scenarios

def added_post(posts: list[Post], orgs: list[make_demo.Org], rng: random.Random) -> Post:
    """A new approved post, newer than every other one, as the next fetch would bring it."""
    _, pictures, _ = media_set()
    newest = max(post.published for post in posts)
    post = make_post(len(posts), orgs[1], orgs, rng, pictures, newest + timedelta(hours=1))
    return dataclasses.replace(post, status="approved")


def dated_back_post(posts: list[Post], orgs: list[make_demo.Org], rng: random.Random) -> Post:
    """A new approved post dated a quarter into the wall's history, as an editor adds one by hand
    long after it was posted (or as a new source brings its backlog)."""
    _, pictures, _ = media_set()
    history = sorted(post.published for post in posts)
    published = history[len(history) // 4] + timedelta(minutes=1)
    post = make_post(len(posts) + 1, orgs[2], orgs, rng, pictures, published)
    return dataclasses.replace(post, status="approved")


def edited_post(posts: list[Post]) -> Post:
    """A shown post from the middle of the wall's history, after its author edited the text."""
    candidates = sorted((p for p in posts if p.status == "approved" and not p.pinned),
                        key=lambda post: post.published)
    post = candidates[len(candidates) // 2]
    edited = post.published + timedelta(days=3)
    return dataclasses.replace(post, text=post.text + EDIT_SUFFIX, edited_at=edited,
                               fetched_at=edited + timedelta(minutes=30))


def denied_author(posts: list[Post]) -> tuple[str, int]:
    """An author key (handle or profile URL) with a typical number of approved posts."""
    counts: dict[str, int] = {}
    for post in posts:
        if post.status == "approved":
            key = post.author.handle or post.author.url
            counts[key] = counts.get(key, 0) + 1
    mean = sum(counts.values()) / len(counts)
    key = min(sorted(counts), key=lambda k: abs(counts[k] - mean))
    return key, counts[key]


# --------------------------------------------------------------------------- writing

def generate(n: int, root: Path) -> None:
    """Write content/, hugo/, extra/ and (last, as the 'complete' mark) meta.json."""
    import hugosite  # here, not at the top: hugosite imports this module

    rng = random.Random(f"essen-arbeitet-zusammen-bench-{n}")
    posts, orgs = make_posts(n, rng)
    store, _, _ = media_set()
    store.write(root / "content")
    for post in posts:
        write_post(root / "content", post)
    hugosite.write_posts(root / "hugo", posts, store)
    added, edited = added_post(posts, orgs, rng), edited_post(posts)
    dated_back = dated_back_post(posts, orgs, rng)
    write_post(root / "extra" / "add", added)
    write_post(root / "extra" / "back", dated_back)
    write_post(root / "extra" / "edit", edited)
    deny_key, deny_count = denied_author(posts)
    meta = {"n": n, "approved": sum(p.status == "approved" for p in posts),
            "platforms": sorted({p.platform for p in posts}), "authors": len(orgs),
            "add_file": post_filename(added.id), "back_file": post_filename(dated_back.id),
            "edit_file": post_filename(edited.id),
            "deny_author": deny_key, "deny_posts": deny_count}
    (root / "meta.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
