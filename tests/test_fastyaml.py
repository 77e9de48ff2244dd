"""Post files read without PyYAML (wall/fastyaml.py): what the loader reads, with the same lines, or nothing."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from wall.emitter import simple_yaml
from wall.fastyaml import read_simple
from wall.yamlfile import LineDict, LineList, YamlFileError, _LineLoader, parse_yaml
from wall.writing import yaml_text

from .conftest import ROOT
from .test_emitter import WORDS, generated_text, places

REFUSED = "refused"


def loaded(text: str):
    """What yamlfile's own loader makes of text, with its line marks; REFUSED where it raises."""
    loader = _LineLoader(text)
    try:
        return marked(loader.get_single_data())
    except Exception:  # a YAML error, nesting too deep: either way, no value
        return REFUSED
    finally:
        loader.dispose()


def marked(value):
    """value with every line mark the loader records, to compare whole."""
    if isinstance(value, LineDict):
        return ("mapping", value.line, dict(value.key_lines), dict(value.cut_short),
                [(key, marked(item)) for key, item in value.items()])
    if isinstance(value, LineList):
        return ("list", value.line, list(value.item_lines), [marked(item) for item in value])
    return (type(value).__name__, value)


def post_files() -> list[str]:
    return [path.read_text(encoding="utf-8") for path in sorted((ROOT / "demo").rglob("*.yaml"))]


def written_files(rng: random.Random, count: int) -> list[str]:
    """Files as the fetch writes them (and as PyYAML would), around generated text."""
    texts = []
    for _ in range(count):
        for data in places(generated_text(rng)):
            texts += [text for text in (simple_yaml(data), yaml_text(data)) if text is not None]
    return texts


def test_the_wall_s_own_files_are_read_directly_as_the_loader_reads_them():
    files = post_files()
    assert len(files) >= 30
    for text in files:
        fast = read_simple(text)
        assert fast is not None, text  # the demo posts are written as the fetch writes posts
        assert marked(fast) == loaded(text)


def test_generated_files_are_read_as_the_loader_reads_them_or_left_to_it():
    rng = random.Random(20261128)
    read: Counter[str] = Counter()
    for text in written_files(rng, 400):
        fast = read_simple(text)
        read["directly" if fast is not None else "left"] += 1
        if fast is not None:
            assert marked(fast) == loaded(text), text
            read["folded" if "\n  " in text.split(":", 1)[1] and "|" not in text else "one line"] += 1
    # Many are read directly, folded text among them (else the comparison proves little); the
    # generated text is awkward on purpose, and much of it the emitter puts in double quotes.
    assert read["directly"] > read["left"] and read["folded"] >= 500, read


# What hand edits and broken files put in: YAML's indicators, spaces, line breaks, words it types.
EDITS = list(" :#-'\"|>[]{},&*!?%@`~\\\t\r\n") + [
    "  ", ": ", " #", "- ", "\n  ", "\n- ", "\n\n", "\n#", "''", "|-", "|+", "|2", "---", "...", "\ufeff", "\x85",
    "\u2028", "x: y", "key:", "\n- a: b", "\n  c: d", "yes", "null", "1_0", "007", "0x1", "1.5", "~", "true", "True"]


def edited(text: str, rng: random.Random) -> str:
    lines = text.split("\n")
    for _ in range(rng.choice((1, 1, 2, 3))):
        at = rng.randrange(len(lines))
        action = rng.random()
        if action < 0.45:  # something typed into a line
            line = lines[at]
            spot = rng.randrange(len(line) + 1)
            lines[at] = line[:spot] + rng.choice(EDITS + WORDS[:20]) + line[spot:]
        elif action < 0.6 and lines[at]:  # a character deleted
            spot = rng.randrange(len(lines[at]))
            lines[at] = lines[at][:spot] + lines[at][spot + 1:]
        elif action < 0.75:  # indented differently
            lines[at] = lines[at][rng.choice((1, 2)):] if rng.random() < 0.5 else " " * rng.choice((1, 2, 4)) + lines[at]
        elif action < 0.85:  # a line copied, lost, or added empty (or of spaces only)
            choice = rng.random()
            if choice < 0.35:
                lines.insert(at, lines[at])
            elif choice < 0.7 and len(lines) > 1:
                del lines[at]
            else:
                lines.insert(at, " " * rng.choice((0, 1, 2, 3, 4, 6)))
        else:  # a value replaced
            key, colon, _ = lines[at].partition(":")
            lines[at] = key + colon + " " + rng.choice(WORDS).replace("\n", " ") if colon else lines[at]
    return "\n".join(lines)


@pytest.mark.parametrize("seed", range(4))
def test_edited_files_are_read_as_the_loader_reads_them_or_left_to_it(seed):
    rng = random.Random(seed)
    bases = post_files() + written_files(rng, 100)
    read: Counter[str] = Counter()
    for _ in range(6000):
        text = edited(rng.choice(bases), rng)
        fast = read_simple(text)
        if fast is None:
            read["left"] += 1
            continue
        expected = loaded(text)
        assert expected != REFUSED, f"read what the loader refuses:\n{text}"
        assert marked(fast) == expected, text
        read["directly"] += 1
    assert read["directly"] >= 1000 and read["left"] >= 1000, read  # both ways taken often


@pytest.mark.parametrize("text", [
    "note: Abgelehnt #Spam\n",  # the loader keeps what the comment cut short
    "a: 1\na: 2\n",  # a duplicate key: the loader says where
    "yes: x\n", "a: yes\n", "a: ~\n", "a: 1.5\n", "a: 007\n", "a: 0x1f\n", "a: 1_000\n", "a: True\n",
    "a:\n", "a: \n", "a:  b\n", "a: b \n", "a: b:\n", "a: 'b' c\n", "a: \"b\"\n", "a: |+\n  b\n", "a: |2\n   b\n",
    "a: |\n\n", "a: |-\n \n  b\n", "a: |-\n  b\n  \n", "a: |-\n  b\n   \n  c\n", "a: b\n\nc: d\n", "a: b", "# Kommentar\na: b\n", "a: b\n  c\n\n  d\n",
    "a:\n  - b\n", "a:\n- b\n-c\n", "a: [b]\n", "a: &x b\nc: *x\n", "---\na: b\n", "a: b\n...\n",
])
def test_what_the_loader_must_judge_is_left_to_it(text):
    assert read_simple(text) is None


@pytest.mark.parametrize("text", [
    "a: b\n", "a: 'b: c #d'\n", "a: 'it''s'\n", "a: ''\n", "a: []\nb: {}\n", "a: 12\nb: true\nc: false\nd: 0\n",
    "a: |-\n  b\n\n  c\nd: e\n", "a: |\n  b\n    c\n", "a: one\n  two\n  three\n", "a: 'one: two\n  three'\n",
    "a:\n- b\n- c: d\n  e: |-\n    f\n- []\ng:\n  h: i\n", "a: b - c\n  - d\n", "a:\n- b\n -c\n", "a: 2020-03-01\n", "a-b_c: x\n",
])
def test_what_the_emitter_writes_is_read_directly_as_the_loader_reads_it(text):
    fast = read_simple(text)
    assert fast is not None
    assert marked(fast) == loaded(text)


def test_parse_yaml_reads_both_ways_and_still_names_the_line_of_an_error():
    direct = parse_yaml(b"id: x:1\nauthor:\n  name: A\n", "f.yaml")
    assert direct == {"id": "x:1", "author": {"name": "A"}} and direct["author"].line == 3
    with pytest.raises(YamlFileError) as raised:
        parse_yaml(b"id: x\nauthor:\n  name: A\n  name: B\n", "f.yaml")
    assert "f.yaml:4:" in str(raised.value)
