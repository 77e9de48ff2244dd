"""Matching offers and needs: for each post, older posts of the opposite kind that share tags or words.

Only older posts are candidates, so a new post never changes the pages of the
posts before it (their related sections stay as they were); the newest post is
where a visitor finds its partners.  Each post looks at its rarest terms and the
newest older posts that share them, which keeps the work linear in the number of posts.

Because a post's result depends only on it and the posts before it, a chain of
hashes over the posts in order tells which results a cache still holds: a new
post costs one search, an unchanged wall none.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from pathlib import Path
from typing import Iterable

from .post import Post

OPPOSITE = {"angebot": {"gesuch"}, "gesuch": {"angebot"}}
RELATED_COUNT = 4
TERMS_PER_POST = 8  # the rarest terms of a post carry its meaning
CANDIDATES_PER_TERM = 30  # the newest older posts with a term are enough to find partners
WORD = re.compile(r"[^\W\d_]{5,}", re.UNICODE)
STOPWORDS = frozenset("""
aber alles allem allen aller anderen andere auch bitte damit dann darum dass denen deren diese dieser
dieses durch eine einem einen einer eines etwas euch haben heute hier immer jetzt kann keine können
machen mehr mit nach nicht noch oder ohne sehr seit sich sind sowie unsere unser unseren unter viele
vielen vom von wegen weil wenn werden wieder wird wollen wurde zum zur über gerne gern suchen suche
bieten biete angebot gesuch essen https unternehmen unternehmens
""".split())


def terms(post: Post, ignored_tags: set[str]) -> set[str]:
    """The tags (as '#tag') and significant words of a post, lower-cased."""
    tags = {f"#{tag.casefold()}" for tag in post.hashtags} - {f"#{tag}" for tag in ignored_tags}
    text = re.sub(r"https?://\S+|[#@]\S+", " ", post.text)
    words = {word.casefold() for word in WORD.findall(text)} - STOPWORDS
    return tags | words


def related_posts(posts: Iterable[Post], campaign_tags: Iterable[str],
                  cache: dict[str, tuple[str, list[str]]] | None = None) -> dict[str, list[str]]:
    """Post id -> ids of up to RELATED_COUNT older related posts, best first.

    Everything a post's result depends on comes from older posts only (how often a
    term was seen so far, the newest older posts with it), so adding posts never
    changes the result of an existing one, and each post costs a bounded amount of work.
    cache (post id -> (chain hash, result)) keeps the results between builds; it is
    updated in place.
    """
    ordered = sorted(posts, key=lambda post: (post.published, post.id))
    ignored = {tag.casefold() for tag in campaign_tags}
    cache = {} if cache is None else cache
    chain = _chain(ordered, ignored)
    stale = {position for position, post in enumerate(ordered) if cache.get(post.id, ("",))[0] != chain[position]}
    if stale:
        _search(ordered, ignored, stale, chain, cache)
    for gone in cache.keys() - {post.id for post in ordered}:
        del cache[gone]
    return {post.id: cache[post.id][1] for post in ordered}


def _chain(ordered: list[Post], ignored: set[str]) -> list[str]:
    """For each position, a hash of everything its result depends on: this code and the posts up to it."""
    link = hashlib.sha256(Path(__file__).read_bytes() + repr(sorted(ignored)).encode())
    chain = []
    for post in ordered:
        link.update(post.digest.encode())
        chain.append(link.copy().hexdigest())
    return chain


def _search(ordered: list[Post], ignored: set[str], stale: set[int], chain: list[str],
            cache: dict[str, tuple[str, list[str]]]) -> None:
    """Find the related posts of the stale positions (every post's terms count, stale or not)."""
    index: dict[str, list[int]] = defaultdict(list)  # term -> positions of older posts, oldest first
    categories = [post.category for post in ordered]
    for position, post in enumerate(ordered):
        found = terms(post, ignored)
        if position in stale:
            rarest = sorted([(len(index.get(term, ())), term) for term in found])[:TERMS_PER_POST]
            cache[post.id] = (chain[position], _best(post, [term for _, term in rarest], index, ordered, categories))
        for term in found:
            index[term].append(position)


def _best(post: Post, rarest: list[str], index: dict[str, list[int]], ordered: list[Post],
          categories: list[str]) -> list[str]:
    wanted = OPPOSITE.get(post.category)
    scores: dict[int, float] = defaultdict(float)
    for term in rarest:
        weight = 3.0 if term.startswith("#") else 1.0
        for position in index.get(term, ())[-CANDIDATES_PER_TERM:]:
            if wanted is None or categories[position] in wanted:
                scores[position] += weight
    # Highest score first, the newer post first among equals.
    best = sorted((-score, -position) for position, score in scores.items() if score >= 2.0)[:RELATED_COUNT]
    return [ordered[-negative].id for _, negative in best]
