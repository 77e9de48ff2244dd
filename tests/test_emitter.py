"""Post files and the fetch's state written directly: byte for byte what PyYAML writes, or left to PyYAML."""

from __future__ import annotations

import random
import sys
from collections import Counter

import pytest
import yaml

from wall.emitter import simple_yaml
from wall.post import post_to_dict
from wall.state import state_yaml
from wall.store import read_posts
from wall.writing import yaml_text

from .conftest import ROOT

# Text as posts have it, and the characters and words that change how YAML must write it.
EVERYDAY = list("abcdefghijklmnopqrstuvwxyzABCDEFGH äöüß 0123456789 .,!?-:/#'\"()\n") + [
    " ", " ", " ", "  ", "\n\n", "—", "„", "“", "😀", "\xa0", ": ", " #", "\n\n#EssenArbeitetZusammen",
    "https://essen.example/a?b=c#d", "'", "-", "- ", " '", "' "]
AWKWARD = list(":#-?'\"!&*|>%@`[]{},.\\/~=+;") + [
    "\t", "\r", "\x00", "\x1b", "\x7f", "\x85", "\u2028", "\u2029", "\ufeff", "\ufffe", "\U0010ffff",
    "  ", "\n ", " \n", "\n\n\n"]
WORDS = ["null", "Null", "true", "no", "Yes", "on", "OFF", "~", "1.5", "0x1F", "0o17", "1_000", "12:30", "+1", "1e3",
         ".inf", "0", "2020-03-01", "2020-03-30T01:54:00+02:00", "-", "---", "...", "- x", "? x", "#tag", "a: b",
         "<<", "=", "'", '"', "", " ", "\n", "a\n", "a\n\n", "\na", " a\nb", "a \nb", "a\n b", "x" * 120]
LENGTHS = [0, 1, 2, 3, 5, 20, 60, 80, 90, 95, 97, 98, 99, 100, 101, 102, 120, 150, 200, 300, 1000]


def generated_text(rng: random.Random) -> str:
    if rng.random() < 0.15:
        return rng.choice(WORDS)
    pool = AWKWARD if rng.random() < 0.1 else EVERYDAY
    return "".join(rng.choice(pool) if rng.random() < 0.97 else rng.choice(WORDS)
                   for _ in range(rng.choice(LENGTHS)))


def places(value):
    """value wherever a post file holds text: at the top, in a mapping, in lists, after other keys."""
    return [{"text": value}, {"author": {"name": "A", "handle": value}}, {"hashtags": [value, "Essen"]},
            {"media": [{"alt": value, "path": "media/a.webp"}]}, {"media": [{"path": "p", "width": 3, "alt": value}]},
            {"status": "pending", "content_warning": value, "pinned": True},
            {"media": [{"path": "p", "tags": [value], "size": {"alt": value}}]},  # deeper than post files go
            {"sources": {"m": {"local": {}, "newest": {value: [value, "1"]}, "seen": [[], {}, value]}}}]  # state.yaml


def kind(written: str) -> str:
    value = written.splitlines()[-1 if written.startswith("media") else 0]
    style = "block" if "|" in written.split("\n")[0] + value[:12] else "quoted" if "'" in value[:12] else "plain"
    return style + (" folded" if style != "block" and "\n " in written.split(":", 1)[1] else "")


def test_what_is_written_directly_is_what_pyyaml_writes():
    rng = random.Random(20261128)
    seen: Counter[str] = Counter()
    for _ in range(1500):
        for data in places(generated_text(rng)):
            written = simple_yaml(data)
            if written is not None:
                assert written == yaml_text(data), data
                seen[kind(written)] += 1
    # The comparison covers every way of writing text (else it proves little).
    assert min(seen[style] for style in ("plain", "plain folded", "quoted", "quoted folded", "block")) >= 100, seen


def test_the_fetch_state_is_written_as_pyyaml_writes_it_keys_sorted():
    rng = random.Random(20261129)

    def text(length: int) -> str:  # without NEL, which PyYAML itself does not always read back (the fetch drops it)
        return generated_text(rng).replace("\x85", "")[:length]

    direct = 0
    for _ in range(300):
        state = {"sources": {rng.choice(["mastodon", "rss-ewg", "x", text(40) or "m"]): {
            "newest": {rng.choice(["m.example/essenarbeitetzusammen", text(60)]):
                       rng.choice([str(rng.randrange(10**18)), "2026-11-28T05:00:00Z", text(60)]) for _ in range(2)},
            "local": {f"mastodon:{rng.randrange(10**6)}": ["https://m.example", str(rng.randrange(999))]
                      for _ in range(rng.choice([0, 1, 5]))},
            "reads": rng.randrange(10**6), "cut": rng.choice([True, False]), "pages": rng.choice([[], ["p"], [{}]])}
            for _ in range(rng.choice([1, 2]))}, "last_fetch": "2026-11-28T05:00:00+00:00"}
        written = state_yaml(state)
        assert yaml.safe_load(written) == state
        if not any("\n" in item for item in texts(state)):  # else a literal block, where PyYAML quotes
            assert written == yaml.safe_dump(state, sort_keys=True, allow_unicode=True, width=100)
        direct += simple_yaml(state) is not None
    assert min(direct, 300 - direct) >= 40, direct  # both ways, direct and by PyYAML, are compared


def texts(value) -> list[str]:
    """Every key and text in value."""
    if isinstance(value, dict):
        return [*value, *(text for item in value.values() for text in texts(item))]
    if isinstance(value, list):
        return [text for item in value for text in texts(item)]
    return [value] if isinstance(value, str) else []


def test_every_demo_post_is_written_directly():
    posts = read_posts(ROOT / "demo", {"angebot", "gesuch", "idee", "info"}, problems := [])
    assert posts and not problems
    assert_written_directly(posts)


@pytest.mark.parametrize("data", [
    {"text": "a\tb"}, {"text": "Zeile\u2028Zeile"}, {"text": "\ufeffText"}, {"text": "a\x00"},
    {"text": "Ende mit zwei Umbrüchen\n\n"},  # '|+'
    {"text": " Beginnt mit Leerzeichen\nund hat zwei Zeilen"},  # '|2-'
    {"text": "Leerzeichen vor dem \nUmbruch"},  # only double quotes keep it
    {}, {"hashtags": [["a"]]}, {"hashtags": ["zwei\nZeilen"]}, {"width": 1.5}, {"note": None},
])
def test_what_pyyaml_writes_otherwise_is_left_to_it(data):
    assert simple_yaml(data) is None
    assert yaml_text(data)  # PyYAML writes it


def test_a_long_text_breaks_where_pyyaml_breaks_it():
    data = {"text": "Wir suchen " + "Helferinnen und Helfer " * 6 + "#EssenArbeitetZusammen"}
    written = simple_yaml(data)
    assert written == yaml_text(data) == (
        "text: 'Wir suchen Helferinnen und Helfer Helferinnen und Helfer Helferinnen und Helfer Helferinnen und\n"
        "  Helfer Helferinnen und Helfer Helferinnen und Helfer #EssenArbeitetZusammen'\n")


def test_the_benchmark_posts_are_written_directly():
    sys.path.insert(0, str(ROOT / "bench"))
    from synth import make_posts  # the benchmark's synthetic posts: every platform, long and short texts

    posts, _ = make_posts(400, random.Random(7))
    assert_written_directly(posts)


def assert_written_directly(posts):
    for post in posts:
        data = post_to_dict(post)
        assert simple_yaml(data) == yaml_text(data), post.id
