"""is_web_url decides the common shape with one pattern: it must answer exactly as parsing does."""

import random

import pytest

from wall.urls import _PLAIN_WEB_URL, is_web_url, parsed_as_web_url

ODD_URLS = [
    "https://example.org", "https://example.org/", "http://example.org/a/b?c=d#e", "HTTPS://example.org/",
    "Http://example.org", "https:/example.org", "https:example.org", "//example.org/", "https://",
    "https:///path", "https://?q", "https://#f", "https://.", "https://-", "https://..../", "ftp://example.org/",
    "javascript:alert(1)", "https://example.org:443/", "https://example.org:0/", "https://example.org:65535",
    "https://example.org:65536/", "https://example.org:-1/", "https://example.org:/", "https://example.org:x/",
    "https://example.org:٣/", "https://user:pw@example.org/", "https://@example.org", "https://user@/",
    "https://[::1]/", "https://[::1]:8080/", "https://[::1/", "https://::1]/", "https://[example.org]/",
    "https://[v1.x]/", "https://example.org/[a]", "https://example.org/?a=[b]", "https://exa_mple.org/",
    "https://exämple.org/", "https://ex℀ample.org/", "https://example.org/ä", "https://ｅｘａｍｐｌｅ.org",
    "https://example.org/a b", "https://example.org/\t", " https://example.org", "https://example.org ",
    "https://example.org\n", "https://example.org/\x7f", "https://example.org/\x85", "https://example.org/\xa0",
    "https://example.org/\u2028", "https://example.org/\u3000", "https://example.org\x00", "", "https",
    "https:", "https:/", "http://a", "https://a/%zz", "https://a/%20", "https://a/#frag#frag", "https://a?b/c",
    "https://a#b?c", "https://a/\\b", "https://a\\b", "https://a/'\"<>", "https://a/`{|}~^",
]
# Pieces an address is put together from, most of them odd somewhere.
SCHEMES = ["https", "http", "HTTP", "hTtps", "ftp", "", "h", "https ", "ht\ttp", "1http"]
SEPARATORS = ["://", ":/", ":", "//", ":///", "", ":\\\\", "://\n"]
HOSTS = ["example.org", "a", ".", "-", "", "xn--mnchen-3ya.de", "münchen.de", "[::1]", "[::1", "::1]", "[v1.x]",
         "ex_ample.org", "user@example.org", "@", "u:p@host", "host:80", "host:", "host:99999", "host:x", "host:٣",
         "EXAMPLE.ORG", "host name", "ho\x00st", "h%41st", "ｈｏｓｔ", "h\u200bost"]
RESTS = ["", "/", "/a/b", "?q=1", "#f", "/?#", "/a b", "/ä", "/[x]", "?[", "#]", "/\x7f", "/\xa0", "//x", "/%",
         "/a@b:c", ":80/", "/\t", "\n", " ", "/~!$&'()*+,;=:@"]
EXTRA_CHARS = " \t\n\r\x00\x1f\x7f\x85\xa0\u2028\u3000[]@:#?/\\%äß℀ｈ٣_.-"


def _random_urls(count: int) -> list[str]:
    chooser = random.Random(20260327)
    urls = []
    for _ in range(count):
        start = "https://" if chooser.random() < 0.5 else chooser.choice(SCHEMES) + chooser.choice(SEPARATORS)
        url = start + chooser.choice(HOSTS) + chooser.choice(RESTS) + chooser.choice(RESTS)
        if url and chooser.random() < 0.3:  # one odd character somewhere
            at = chooser.randrange(len(url) + 1)
            url = url[:at] + chooser.choice(EXTRA_CHARS) + url[at:]
        urls.append(url)
    return urls


@pytest.mark.parametrize("url", ODD_URLS)
def test_is_web_url_answers_as_parsing_does(url):
    assert is_web_url(url) == parsed_as_web_url(url)


def test_is_web_url_answers_as_parsing_does_for_many_put_together():
    urls = _random_urls(20_000)
    differing = [url for url in urls if is_web_url(url) != parsed_as_web_url(url)]
    assert differing == []
    # The comparison means something only when the pattern decides many of them.
    assert sum(1 for url in urls if _PLAIN_WEB_URL.fullmatch(url)) > 500


@pytest.mark.parametrize("value", [None, 1, b"https://example.org/", ["https://example.org/"]])
def test_only_text_can_be_a_web_url(value):
    assert not is_web_url(value)
