"""Matching offers and needs: for each post, older posts of the opposite kind that share tags or words.

Only older posts are candidates, so a new post never changes the pages of the
posts before it (their related sections stay as they were); the newest post is
where a visitor finds its partners.  Each post looks at its rarest terms and the
newest older posts that share them, which keeps the work linear in the number of posts.
"""

from __future__ import annotations

import heapq
import re
from collections import defaultdict
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


def related_posts(posts: Iterable[Post], campaign_tags: Iterable[str]) -> dict[str, list[str]]:
    """Post id -> ids of up to RELATED_COUNT older related posts, best first.

    Everything a post's result depends on comes from older posts only (how often a
    term was seen so far, the newest older posts with it), so adding posts never
    changes the result of an existing one, and each post costs a bounded amount of work.
    """
    ordered = sorted(posts, key=lambda post: (post.published, post.id))
    ignored = {tag.casefold() for tag in campaign_tags}
    seen: dict[str, int] = defaultdict(int)  # how many older posts have each term
    index: dict[str, list[int]] = defaultdict(list)  # term -> positions of older posts, oldest first
    related: dict[str, list[str]] = {}
    for position, post in enumerate(ordered):
        found = terms(post, ignored)
        rarest = sorted(found, key=lambda term: (seen[term], term))[:TERMS_PER_POST]
        related[post.id] = _best(post, rarest, index, ordered)
        for term in found:
            seen[term] += 1
            index[term].append(position)
    return related


def _best(post: Post, rarest: list[str], index: dict[str, list[int]], ordered: list[Post]) -> list[str]:
    wanted = OPPOSITE.get(post.category)
    scores: dict[int, float] = defaultdict(float)
    for term in rarest:
        weight = 3.0 if term.startswith("#") else 1.0
        for position in index.get(term, ())[-CANDIDATES_PER_TERM:]:
            if wanted is None or ordered[position].category in wanted:
                scores[position] += weight
    good = [position for position, score in scores.items() if score >= 2.0]
    best = heapq.nsmallest(RELATED_COUNT, good, key=lambda position: (-scores[position], -position))
    return [ordered[position].id for position in best]
