"""Matching offers and needs: for each post, older posts of the opposite kind that share tags or words.

Only older posts are candidates, so a new post never changes the pages of the
posts before it (their related sections stay as they were); the newest post is
where a visitor finds its partners.  Terms that occur in very many posts carry
no signal and are dropped, which keeps the work near-linear in the number of posts.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Iterable

from .post import Post

OPPOSITE = {"angebot": {"gesuch"}, "gesuch": {"angebot"}}
RELATED_COUNT = 4
MAX_DOCUMENT_SHARE = 0.05  # a term in more than 5 % of the posts is noise
MIN_DOCUMENT_LIMIT = 50
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
    """Post id -> ids of up to RELATED_COUNT older related posts, best first."""
    ordered = sorted(posts, key=lambda post: (post.published, post.id))
    ignored = {tag.casefold() for tag in campaign_tags}
    post_terms = {post.id: terms(post, ignored) for post in ordered}
    frequency: dict[str, int] = defaultdict(int)
    for found in post_terms.values():
        for term in found:
            frequency[term] += 1
    limit = max(MIN_DOCUMENT_LIMIT, int(len(ordered) * MAX_DOCUMENT_SHARE))
    index: dict[str, list[Post]] = defaultdict(list)  # term -> older posts with it, by age
    related: dict[str, list[str]] = {}
    for post in ordered:
        useful = {term for term in post_terms[post.id] if frequency[term] <= limit}
        related[post.id] = _best(post, useful, index)
        for term in useful:
            index[term].append(post)
    return related


def _best(post: Post, useful: set[str], index: dict[str, list[Post]]) -> list[str]:
    wanted = OPPOSITE.get(post.category)
    scores: dict[str, float] = defaultdict(float)
    order: dict[str, tuple] = {}
    for term in useful:
        weight = 3.0 if term.startswith("#") else 1.0
        for other in index.get(term, ()):
            if wanted is None or other.category in wanted:
                scores[other.id] += weight
                order[other.id] = (other.published, other.id)
    best = sorted(scores, key=lambda other: (-scores[other], _newest_first(order[other])))
    return [other for other in best if scores[other] >= 2.0][:RELATED_COUNT]


def _newest_first(key: tuple) -> tuple:
    published, post_id = key
    return (-published.timestamp(), post_id)
