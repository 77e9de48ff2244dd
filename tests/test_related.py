"""Matching offers and needs: older posts of the opposite kind that share tags or words."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from wall.post import Author, Post
from wall.related import related_posts

START = datetime(2020, 3, 20, tzinfo=timezone.utc)


def post(number: int, category: str, text: str, tags: tuple[str, ...] = ()) -> Post:
    return Post(id=f"manual:p{number}", platform="manual", url=f"https://firma.example/{number}",
                author=Author(name=f"Firma {number}"), published=START + timedelta(hours=number),
                text=text, status="approved", category=category,
                hashtags=("EssenArbeitetZusammen",) + tags)


def test_a_need_finds_older_offers_with_shared_tags_or_words():
    posts = [post(1, "angebot", "Wir bieten Schutzmasken aus Baumwolle", ("Masken",)),
             post(2, "angebot", "Wir bieten Lagerfläche in Vogelheim", ("Lager",)),
             post(3, "gesuch", "Wir suchen Schutzmasken für unsere Pflegekräfte", ("Masken",)),
             post(4, "gesuch", "Wir suchen Lagerfläche", ("Lager",))]
    related = related_posts(posts, ["EssenArbeitetZusammen"])
    assert related["manual:p3"] == ["manual:p1"]
    assert related["manual:p4"] == ["manual:p2"]
    assert related["manual:p1"] == [] and related["manual:p2"] == [], "only older posts are candidates"


def test_the_campaign_tag_and_common_words_alone_match_nothing():
    posts = [post(1, "angebot", "Wir bieten etwas"), post(2, "gesuch", "Wir suchen etwas anderes")]
    assert related_posts(posts, ["EssenArbeitetZusammen"])["manual:p2"] == []


def test_ideas_relate_to_any_kind_and_only_the_best_four_are_kept():
    posts = [post(n, "angebot" if n % 2 else "info", "Digitalisierung Homeoffice Videokonferenz", ("Digital",))
             for n in range(1, 8)]
    posts.append(post(8, "idee", "Digitalisierung für alle", ("Digital",)))
    related = related_posts(posts, ["EssenArbeitetZusammen"])["manual:p8"]
    assert related == ["manual:p7", "manual:p6", "manual:p5", "manual:p4"]


def test_adding_a_post_never_changes_what_older_posts_show():
    posts = [post(n, "angebot" if n % 2 else "gesuch", f"Wir teilen Werkzeug Nummer {n}", ("Werkzeug",))
             for n in range(1, 30)]
    before = related_posts(posts, ["EssenArbeitetZusammen"])
    after = related_posts(posts + [post(30, "angebot", "Werkzeug zu verleihen", ("Werkzeug",))],
                          ["EssenArbeitetZusammen"])
    assert {key: value for key, value in after.items() if key != "manual:p30"} == before
    assert after["manual:p30"]


def _wall(count: int) -> list[Post]:
    words = ["Schutzmasken", "Lagerfläche", "Transporter", "Desinfektion", "Homeoffice", "Gabelstapler"]
    return [post(n, ("angebot", "gesuch", "idee")[n % 3], f"{words[n % 6]} und {words[(n * 5) % 6]} gesucht",
                 (words[n % 6],)) for n in range(1, 60)]


def test_a_cache_gives_the_same_result_and_searches_only_posts_whose_history_changed():
    posts = _wall(59)
    cache: dict = {}
    assert related_posts(posts, ["EssenArbeitetZusammen"], cache) == related_posts(posts, ["EssenArbeitetZusammen"])
    kept = {post_id: entry[1] for post_id, entry in cache.items()}

    edited = list(posts)
    edited[29] = post(30, "angebot", "Gabelstapler zu verleihen", ("Gabelstapler",))
    edited.append(post(60, "gesuch", "Gabelstapler gesucht", ("Gabelstapler",)))
    del edited[5]
    result = related_posts(edited, ["EssenArbeitetZusammen"], cache)

    assert result == related_posts(edited, ["EssenArbeitetZusammen"])
    assert set(cache) == {p.id for p in edited}, "deleted posts leave the cache"
    reused = [p.id for p in edited if p.id in kept and cache[p.id][1] is kept[p.id]]
    assert reused == [p.id for p in edited[:5]], "posts older than the first change keep their search"
