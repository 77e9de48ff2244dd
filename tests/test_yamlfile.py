"""The YAML reader: values as the safe loader reads them, plus lines, minus aliases and timestamps."""

from __future__ import annotations

import pytest
import yaml

from wall.yamlfile import LineDict, LineList, YamlFileError, line_of, parse_yaml

DOCUMENTS = [
    "id: x:1\ntext: |-\n  Hallo\n\n  Welt\nhashtags:\n- Essen\n- Ruhr\n",
    "a: 1\nb: -2.5\nc: true\nd: no\ne: ~\nf: null\ng: ''\nh: 0x1F\ni: .inf\nj: 1_000\n",
    "nested:\n  list:\n  - {x: 1, y: [a, b]}\n  - []\n  - {}\n  empty:\n",
    "quoted: 'true'\nalso: \"12\"\nplain: approved\n",
    "merged:\n  <<: {a: 1, b: 2}\n  c: 3\n",
    "merged:\n  c: 3\n  <<: [{a: 1}, {d: 4}]\n=: the value key\n",  # a merge after other keys; '=' as a key
    "binary: !!binary aGFsbG8=\nfloat: !!float 3\nstring: !!str 12\n",
    "- one\n- two: 2\n- [three]\n",
    "just text\n",
    "12\n",
]


@pytest.mark.parametrize("text", DOCUMENTS)
def test_values_are_what_the_safe_loader_reads(text):
    assert parse_yaml(text.encode(), "f.yaml") == yaml.safe_load(text)


def test_an_empty_document_is_none():
    assert parse_yaml(b"", "f.yaml") is None
    assert parse_yaml(b"# only a comment\n", "f.yaml") is None


def test_timestamps_stay_text():
    data = parse_yaml(b"published: 2020-03-23T10:00:00+01:00\nday: 2020-03-23\n", "f.yaml")
    assert data == {"published": "2020-03-23T10:00:00+01:00", "day": "2020-03-23"}


def test_mappings_and_lists_know_their_lines():
    data = parse_yaml(b"id: x\nauthor:\n  name: A\n\n  handle: a\nmedia:\n- path: p\n\n- path: q\n", "f.yaml")
    assert isinstance(data, LineDict) and isinstance(data["media"], LineList)
    assert (data.line, line_of(data, "author"), line_of(data, "media")) == (1, 2, 6)
    assert (data["author"].line, line_of(data["author"], "handle")) == (3, 5)
    assert data["media"].item_lines == [7, 9]
    assert line_of(data["media"][1], "path") == 9


def test_a_mapping_or_list_made_by_hand_has_no_lines_but_answers():
    # config.py reads an empty file as LineDict(): a problem in it points at line 1.
    assert line_of(LineDict(), "site") == 1 and line_of(LineList(), 0) == 1


@pytest.mark.parametrize("text, line, message", [
    # An alias is the anchored node once more: the line is the anchor's.
    ("a: &x 1\nb: *x\n", 1, "Anker und Verweise (&name, *name) sind nicht erlaubt"),
    ("a: 0\nb: &x {k: v}\nc: *x\n", 2, "Anker und Verweise (&name, *name) sind nicht erlaubt"),
    ("a: &x {k: 1}\nb:\n  <<: *x\n", 1, "Anker und Verweise (&name, *name) sind nicht erlaubt"),
    ("a: 1\nb: 2\na: 3\n", 3, "der Schlüssel 'a' kommt doppelt vor"),
    ("a:\n  <<: {b: 1}\n  b: 2\n", 3, "der Schlüssel 'b' kommt doppelt vor"),
    ('"a\\e[2J\\n::x": 1\n"a\\e[2J\\n::x": 2\n', 2, "der Schlüssel 'a\\x1b[2J\\n::x' kommt doppelt vor"),
    ("a: 1\n12: x\n", 2, "Schlüssel müssen Text sein, gefunden: 12"),
    ("a: !unknown x\n", 1, "could not determine a constructor for the tag '!unknown'"),
    ("a: !!set {x, y}\n", 1, "die Angabe tag:yaml.org,2002:set ist hier nicht erlaubt"),
    ("a: [1, 2\n", 2, "kein gültiges YAML"),
    # Python refuses to turn an integer of over 4,300 digits into text and back (a ValueError naming no file).
    ("a: 1\nb: " + "1" * 5000 + "\n", 2, "eine Zahl darf höchstens 100 Ziffern haben"),
    ("a: 1\nb: -0x" + "f" * 5000 + "\n", 2, "eine Zahl darf höchstens 100 Ziffern haben"),
    ("a: 1\nb: !!int abc\n", 2, "'abc' ist kein gültiger Wert für tag:yaml.org,2002:int"),
    ("a: !!float x\n", 1, "'x' ist kein gültiger Wert für tag:yaml.org,2002:float"),
    ("a: !!bool x\n", 1, "'x' ist kein gültiger Wert für tag:yaml.org,2002:bool"),
    # Deeper than Python's recursion limit, not as deep as libyaml's limit of 1,000 levels.
    ("a: 1\nb:\n  c: " + "[" * 600 + "]" * 600 + "\n", 3, "zu tief verschachtelt"),
    ("a:\n" + "".join("  " * depth + "-\n" for depth in range(1, 700)), 700, "zu tief verschachtelt"),
])
def test_bad_documents_name_the_line(text, line, message):
    with pytest.raises(YamlFileError) as caught:
        parse_yaml(text.encode(), "content/posts/x/1.yaml")
    assert caught.value.problem.path == "content/posts/x/1.yaml"
    assert caught.value.problem.line == line
    assert message in caught.value.problem.message


def test_text_that_is_not_utf8_names_its_line():
    with pytest.raises(YamlFileError) as caught:
        parse_yaml(b"a: ok\nb: caf\xe9\n", "f.yaml")
    assert (caught.value.problem.line, caught.value.problem.message) == (2, "kein gültiger UTF-8-Text: ein Zeichen dieser Zeile (oft ein Umlaut) wurde von einem anderen "
                                                                  "Programm anders gespeichert; die Zeile im Editor von GitHub neu schreiben")
