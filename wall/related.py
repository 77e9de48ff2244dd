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

import bisect
import hashlib
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Iterable

from .post import Post
from .workers import in_parts

OPPOSITE = {"angebot": {"gesuch"}, "gesuch": {"angebot"}}
RELATED_COUNT = 4
TERMS_PER_POST = 8  # the rarest terms of a post carry its meaning
CANDIDATES_PER_TERM = 30  # the newest older posts with a term are enough to find partners
PARALLEL_FROM = 2_000  # fewer searches than this run in-process: a fork costs more than it saves
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
                  cache: dict[str, tuple[str, list[str]]] | None = None, jobs: int = 1) -> dict[str, list[str]]:
    """Post id -> ids of up to RELATED_COUNT older related posts, best first.

    Everything a post's result depends on comes from older posts only (how often a
    term was seen so far, the newest older posts with it), so adding posts never
    changes the result of an existing one, and each post costs a bounded amount of work.
    cache (post id -> (chain hash, result)) keeps the results between builds; it is
    updated in place.  Up to jobs processes share the search.
    """
    ordered = sorted(posts, key=lambda post: (post.published, post.id))
    ignored = {tag.casefold() for tag in campaign_tags}
    cache = {} if cache is None else cache
    chain = _chain(ordered, ignored)
    stale = [position for position, post in enumerate(ordered) if cache.get(post.id, ("",))[0] != chain[position]]
    if stale:
        for position, result in zip(stale, _search(ordered, ignored, stale, jobs)):
            cache[ordered[position].id] = (chain[position], result)
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


def _search(ordered: list[Post], ignored: set[str], positions: list[int], jobs: int) -> list[list[str]]:
    """The related posts of the posts at these positions.

    One index of every term's positions serves all: a post looks only at the part
    before its own position (bisect), so the searches are independent of each other.
    """
    found = _all_terms(ordered, ignored, jobs)
    index: dict[str, list[int]] = defaultdict(list)  # term -> positions of the posts with it, oldest first
    for position, post_terms in enumerate(found):
        for term in post_terms:
            index[term].append(position)
    categories = [post.category for post in ordered]

    def search(start: int, stop: int) -> list[list[str]]:
        return [_best(position, found[position], index, ordered, categories) for position in positions[start:stop]]

    return [result for part in in_parts(search, len(positions), jobs, PARALLEL_FROM) for result in part]


def _all_terms(ordered: list[Post], ignored: set[str], jobs: int) -> list[set[str]]:
    def part(start: int, stop: int) -> list[str]:  # one string per post: cheap to send back from a worker
        return [" ".join(terms(post, ignored)) for post in ordered[start:stop]]

    return [set(text.split()) for texts in in_parts(part, len(ordered), jobs, PARALLEL_FROM) for text in texts]


def _best(position: int, post_terms: set[str], index: dict[str, list[int]], ordered: list[Post],
          categories: list[str]) -> list[str]:
    older = {term: bisect.bisect_left(index[term], position) for term in post_terms}  # older posts with it
    rarest = sorted((count, term) for term, count in older.items())[:TERMS_PER_POST]
    # Each newest older post with a term scores once per word and thrice per tag it shares:
    # counted by Counter in C, the category looked up once per post found.
    hits: list[int] = []
    for count, term in rarest:
        newest = index[term][max(count - CANDIDATES_PER_TERM, 0):count]
        hits += newest * 3 if term.startswith("#") else newest
    wanted = OPPOSITE.get(ordered[position].category)
    # Highest score first, the newer post first among equals.
    best = sorted((-score, -candidate) for candidate, score in Counter(hits).items()
                  if score >= 2 and (wanted is None or categories[candidate] in wanted))[:RELATED_COUNT]
    return [ordered[-negative].id for _, negative in best]
