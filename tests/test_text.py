"""Post text becomes paragraphs of segments; only http(s) becomes a link."""

from __future__ import annotations

import random
import re
import time
from datetime import datetime, timezone
from urllib.parse import quote

import pytest

from wall.dates import german_date, german_datetime, german_period
from wall.text import _TOKENS, _URL, Segment, excerpt, find_urls, paragraphs, segments, text_start
from wall.views import mailto, percent_encoded


def test_urls_hashtags_and_mentions_become_links():
    line = "Ich biete #Masken an: https://kruemel.example/a_(b). Fragen an @anna@ruhr.social.example!"
    assert segments(line, "mastodon", "https://ruhr.social.example/@kruemel/1") == [
        Segment("text", "Ich biete "),
        Segment("hashtag", "#Masken", "https://ruhr.social.example/tags/Masken"),
        Segment("text", " an: "),
        Segment("link", "kruemel.example/a_(b)", "https://kruemel.example/a_(b)"),
        Segment("text", ". Fragen an "),
        Segment("mention", "@anna@ruhr.social.example", "https://ruhr.social.example/@anna"),
        Segment("text", "!"),
    ]


@pytest.mark.parametrize("platform, tag_href, mention_href", [
    ("x", "https://x.com/hashtag/Essen", "https://x.com/zollwerk"),
    ("bluesky", "https://bsky.app/hashtag/Essen", "https://bsky.app/profile/zollwerk"),
    ("instagram", "https://www.instagram.com/explore/tags/Essen/", "https://www.instagram.com/zollwerk/"),
    ("rss", None, None),
    ("facebook", "https://www.facebook.com/hashtag/Essen", None),
])
def test_links_follow_the_platform(platform, tag_href, mention_href):
    found = {s.kind: s for s in segments("#Essen @zollwerk", platform, "https://p.example/1")}
    assert (found["hashtag"].href if "hashtag" in found else None) == tag_href
    assert (found["mention"].href if "mention" in found else None) == mention_href


@pytest.mark.parametrize("text", [
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,<script>alert(1)</script>",
    "mail info@ewg.de", "ftp://files.example/x", "vbscript:msgbox(1)",
])
def test_only_http_and_https_ever_become_links(text):
    assert segments(text, "x", "https://x.com/a/status/1") == [Segment("text", text)]


def test_tokens_are_found_where_a_hash_or_at_sign_follows_no_word_character():
    """_TOKENS puts the check of the character before '#' and '@' after them, for speed."""
    as_written = re.compile(f"(?P<url>{_URL})"
                            r"|(?<![\w#&/])#(?P<tag>\w[\w·-]*\w|\w)"
                            r"|(?<![\w@/.])@(?P<who>[A-Za-z0-9_][A-Za-z0-9_.-]*(?:@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)?)")
    pieces = ["#", "@", "##", "@@", "#a", "@b", "a", "Ä", "1", "_", "·", "-", ".", "/", "&", " ", "\n", "é", "😀",
              "https://x.example/", "http://", "#Essen", "@anna@ruhr.social.example", "&#35;"]
    chance = random.Random(6)
    for _ in range(3000):
        line = "".join(chance.choice(pieces) for _ in range(chance.randint(1, 12)))
        assert ([(m.span(), m.groupdict()) for m in _TOKENS.finditer(line)]
                == [(m.span(), m.groupdict()) for m in as_written.finditer(line)]), line


def test_paragraphs_and_line_breaks_are_kept():
    result = paragraphs("Eins\nZwei\n\n\nDrei\r\n", "rss", "")
    assert result == [[[Segment("text", "Eins")], [Segment("text", "Zwei")]], [[Segment("text", "Drei")]]]


def test_bidi_and_control_characters_are_removed():
    assert paragraphs("a\u202eb\x07c", "rss", "") == [[[Segment("text", "abc")]]]


def test_find_urls_trims_trailing_punctuation():
    assert find_urls("Siehe https://a.example/x. Und (https://b.example/y), http://c.example!") == [
        "https://a.example/x", "https://b.example/y", "http://c.example"]


def test_a_url_followed_by_many_brackets_takes_no_time():
    # Trimming one bracket at a time and counting them all again took 11 s for 150,000.
    text = "https://a.example/" + ")" * 100_000
    started = time.perf_counter()
    assert find_urls(text) == ["https://a.example/"]
    assert [s.kind for s in segments(text, "rss", "")] == ["link", "text"]
    assert time.perf_counter() - started < 0.5


def test_a_url_of_more_than_2000_characters_stays_text():
    longest = "https://a.example/" + "x" * (2000 - 18)
    assert [s.kind for s in segments(f"{longest} {longest}y", "rss", "")] == ["link", "text"]


def test_excerpt_cuts_at_a_word():
    assert excerpt("Wir bieten kostenlose Beratung für alle", 25) == "Wir bieten kostenlose…"
    assert excerpt("kurz,\nund gut", 25) == "kurz, und gut"


def test_excerpt_keeps_lines_apart_that_end_without_punctuation():
    # Found in an audit: "… eine erste Zwischenbilanz Bäckereien beliefern Cafés …"
    text = "Drei Wochen – eine erste Zwischenbilanz\n\nBäckereien beliefern Cafés.\nDanke! 💐\nMehr dazu\n"
    assert excerpt(text, 200) == ("Drei Wochen – eine erste Zwischenbilanz – Bäckereien beliefern Cafés. Danke! 💐"
                                  " Mehr dazu")
    assert excerpt("Zwischenbilanz\nBäckereien beliefern", 20) == "Zwischenbilanz…"


@pytest.mark.parametrize("moment, date, long", [
    (datetime(2020, 3, 23, 9, 15, tzinfo=timezone.utc), "23. März 2020", "23. März 2020, 10:15 Uhr"),
    (datetime(2020, 3, 31, 22, 30, tzinfo=timezone.utc), "1. April 2020", "1. April 2020, 00:30 Uhr"),
])
def test_german_dates_in_essen_time(moment, date, long):
    assert german_date(moment) == date
    assert german_datetime(moment) == long


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


@pytest.mark.parametrize("first, last, period", [
    (utc(2020, 3, 24, 8), utc(2020, 3, 24, 22, 30), "24. März 2020"),  # 23:30 in Essen: still the 24th
    (utc(2020, 3, 20, 8), utc(2020, 3, 24, 8), "20.–24. März 2020"),
    (utc(2020, 3, 28, 8), utc(2020, 4, 2, 8), "28. März – 2. April 2020"),
    (utc(2020, 12, 30, 8), utc(2020, 12, 31, 23, 30), "30. Dezember 2020 – 1. Januar 2021"),  # New Year in Essen
])
def test_german_periods_say_each_part_once(first, last, period):
    assert german_period(first, last) == period


def test_mailto_encodes_subject_and_body_with_crlf():
    href = mailto("info@ewg.de", "Frage & Antwort?", "Zeile 1\nZeile 2 ä")
    assert href == ("mailto:info@ewg.de?subject=Frage%20%26%20Antwort%3F"
                    "&body=Zeile%201%0D%0AZeile%202%20%C3%A4")


@pytest.mark.parametrize("value", [
    "", "plain", "".join(map(chr, range(256))), "Grüße aus Essen – „Angebot“ 🙂\r\n\t", "a/b?c=d&e#f%20",
    "\u202e\x00\x7f\ufffe", "x" * 1000,
])
def test_percent_encoding_is_what_urllib_quote_gives(value):
    assert percent_encoded(value) == quote(value, safe="")


def test_the_start_of_a_long_text_ends_after_a_whole_word_and_keeps_a_link_whole():
    assert text_start("Hallo Welt, wie geht es", 12) == "Hallo Welt…"
    assert text_start("Kurz.", 12) == "Kurz."
    assert text_start("Siehe https://firma.example/seite- und mehr Text", 36) == "Siehe https://firma.example/seite-…"
    assert text_start("Siehe https://firma.example/ein/sehr/langer/pfad", 20) == "Siehe…"
    assert text_start("https://firma.example/" + "x" * 50, 20) == "…", "a link cut short would lead elsewhere"
    assert text_start("Donaudampfschifffahrtsgesellschaft", 10) == "Donaudampf…"
