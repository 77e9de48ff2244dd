"""config.yaml: validated at load, every mistake named with file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from wall.config import ConfigError, load_config

from .conftest import ROOT, write

MINIMAL = """\
site:
  title: Wall
  base_url: https://www.ewg.de/essenarbeitetzusammen
categories:
  - key: angebot
    label: Angebot
moderation:
  deny:
    authors: ["@spam"]
"""


PUBLISH = "publish:\n  method: rsync\n  host: web.example\n  user: ewg\n  path: /home/ewg/wall\n"


def errors_for(tmp_path: Path, text: str) -> list[str]:
    write(tmp_path / "config.yaml", text)
    with pytest.raises(ConfigError) as raised:
        load_config(Path("config.yaml"))
    return [str(problem) for problem in raised.value.problems]


def test_the_shipped_config_is_valid():
    config = load_config(ROOT / "config.yaml")
    assert config.site.contact_email == "info@ewg.de"
    assert {"angebot", "gesuch", "idee"} <= set(config.category_keys)


def test_minimal_config_gets_defaults_and_a_trailing_slash(tmp_path):
    write(tmp_path / "config.yaml", MINIMAL)
    config = load_config(Path("config.yaml"))
    assert config.site.base_url == "https://www.ewg.de/essenarbeitetzusammen/"
    assert config.site.posts_per_page == 24 and config.site.language == "de"
    assert config.moderation.deny_authors == ("@spam",)
    assert config.moderation.allow_authors == ()


def test_publishing_checks_the_live_wall_unless_told_not_to(tmp_path):
    write(tmp_path / "config.yaml", MINIMAL + PUBLISH)
    publish = load_config(Path("config.yaml")).publish
    assert publish is not None and (publish.check, publish.check_url) == (True, "")
    write(tmp_path / "config.yaml", MINIMAL + PUBLISH + "  check: false\n  check_url: https://intern.example/\n")
    publish = load_config(Path("config.yaml")).publish
    assert publish is not None and (publish.check, publish.check_url) == (False, "https://intern.example/")


CASES = [
    ("unknown top-level key", MINIMAL + "colour: blue\n", ["config.yaml:10: colour: unbekannter Schlüssel"]),
    ("unknown nested key", MINIMAL.replace("    authors:", "    users:"),
     ["config.yaml:9: moderation.deny.users: unbekannter Schlüssel"]),
    ("wrong type", MINIMAL.replace("  title: Wall\n", "  title: Wall\n  posts_per_page: many\n"),
     ["config.yaml:3: site.posts_per_page: erwartet: eine ganze Zahl, gefunden: 'many'"]),
    ("out of range", MINIMAL.replace("  title: Wall\n", "  title: Wall\n  posts_per_page: 0\n"),
     ["config.yaml:3: site.posts_per_page: erwartet: eine ganze Zahl von 1 bis 500, gefunden: 0"]),
    ("list expected", MINIMAL.replace('["@spam"]', "spam"),
     ["config.yaml:9: moderation.deny.authors: erwartet: eine Liste wie [\"…\", \"…\"], gefunden: 'spam'"]),
    ("bad list item", MINIMAL.replace('["@spam"]', "[1]"),
     ["config.yaml:9: moderation.deny.authors[0]: erwartet: Text, gefunden: 1"]),
    ("missing required", MINIMAL.replace("  base_url: https://www.ewg.de/essenarbeitetzusammen\n", ""),
     ["config.yaml:2: site.base_url: Pflichtfeld fehlt"]),
    ("bad URL", MINIMAL.replace("https://www.ewg.de/essenarbeitetzusammen", "ftp://ewg.de"),
     ["config.yaml:3: site.base_url: erwartet: eine http- oder https-Adresse, gefunden: 'ftp://ewg.de'"]),
    ("odd characters in the address", MINIMAL.replace("essenarbeitetzusammen", 'essen "wall"'),
     ["config.yaml:3: site.base_url: erwartet: eine http- oder https-Adresse, gefunden: 'https://www.ewg.de/essen \"wall\"'"]),
    ("a quote in the address's path", MINIMAL.replace("essenarbeitetzusammen", 'essen"wall'),
     ["config.yaml:3: site.base_url: erwartet: eine Adresse ohne ? und #, deren Pfad nur Buchstaben, Ziffern "
      "und - . _ ~ / enthält, gefunden: 'https://www.ewg.de/essen\"wall'"]),
    ("a query in the address", MINIMAL.replace("essenarbeitetzusammen", "wall?x=1"),
     ["config.yaml:3: site.base_url: erwartet: eine Adresse ohne ? und #, deren Pfad nur Buchstaben, Ziffern "
      "und - . _ ~ / enthält, gefunden: 'https://www.ewg.de/wall?x=1'"]),
    ("bad e-mail", MINIMAL.replace("  title: Wall\n", "  title: Wall\n  contact_email: ewg\n"),
     ["config.yaml:3: site.contact_email: erwartet: eine E-Mail-Adresse, gefunden: 'ewg'"]),
    ("duplicate category", MINIMAL.replace("moderation:", "  - key: angebot\n    label: Nochmal\nmoderation:"),
     ["config.yaml:7: categories[1].key: die Kategorie 'angebot' steht doppelt in der Liste"]),
    ("invalid YAML", MINIMAL + "site: [\n", ["config.yaml:11: kein gültiges YAML: did not find expected node content"]),
    ("unknown source type", MINIMAL + "sources:\n  - name: fb\n    type: myspace\n",
     ["config.yaml:12: sources[0].type: unbekannter Wert 'myspace'; erlaubt: bluesky, facebook, "
      "instagram, linkedin, manual, mastodon, rss, threads, x"]),
    ("a number of 5,000 digits",
     MINIMAL.replace("  title: Wall\n", "  title: Wall\n  posts_per_page: " + "9" * 5000 + "\n"),
     ["config.yaml:3: kein gültiges YAML: eine Zahl darf höchstens 100 Ziffern haben"]),
    ("empty file", "", ["config.yaml:1: site: Pflichtfeld fehlt"]),
    ("a near miss of a key", MINIMAL.replace("    authors:", "    author:"),
     ["config.yaml:9: moderation.deny.author: unbekannter Schlüssel; gemeint ist wohl authors"]),
    # '#' starts a comment: the value is gone.
    ("a title left empty by '#'", MINIMAL.replace("title: Wall", "title: #Wall"),
     ["config.yaml:2: site.title: Pflichtfeld ist leer; bitte einen Wert eintragen (beginnt er mit #, dann in "
      "Anführungszeichen)"]),
    ("a colon in a list item", MINIMAL + "    keywords: [Gewinn: 100%]\n",
     ["config.yaml:10: moderation.deny.keywords[0]: ein Doppelpunkt im Eintrag; den Eintrag in Anführungszeichen "
      "setzen"]),
    ("a list without its comma", MINIMAL + '    keywords: ["Krypto" "Gewinn"]\n',
     ["config.yaml:10: kein gültiges YAML: eine Liste in [ ] ist nicht richtig geschlossen: Fehlt ein Komma "
      "zwischen zwei Einträgen, ein Anführungszeichen oder die schließende Klammer?"]),
    # deny.domains matches a link's host: an address pasted from the browser would match nothing.
    ("a web address as a domain", MINIMAL + '    domains: ["https://spam.example/shop"]\n',
     ["config.yaml:10: moderation.deny.domains[0]: erwartet: der Name einer Webseite wie 'spam.example', ohne "
      "https:// und ohne Pfad, gefunden: 'https://spam.example/shop'"]),
    # A rule one indentation short lands in moderation itself.
    ("a deny rule indented too little", MINIMAL + '  keywords: ["Krypto"]\n',
     ["config.yaml:10: moderation.keywords: unbekannter Schlüssel; gehört eingerückt unter deny: (zwei Leerzeichen "
      "weiter als deny:)"]),
    ("an avatar rule indented too little", MINIMAL + '  avatars: ["@kruemel"]\n',
     ["config.yaml:10: moderation.avatars: unbekannter Schlüssel; gehört eingerückt unter deny: (zwei Leerzeichen "
      "weiter als deny:)"]),
    ("an image outside media/", MINIMAL + '    images: ["https://cdn.example/bild.webp"]\n',
     ["config.yaml:10: moderation.deny.images[0]: erwartet: ein Pfad unter content/ wie 'media/ab/abcd1234.webp', "
      "gefunden: 'https://cdn.example/bild.webp'"]),
    ("a hashtag with '#'", MINIMAL + 'hashtags: ["#Essen"]\n',
     ["config.yaml:10: hashtags[0]: erwartet: ein Hashtag ohne '#' und ohne Leerzeichen, gefunden: '#Essen'"]),
    ("publish check settings", MINIMAL + PUBLISH + "  check: ja\n  check_url: www.ewg.de\n",
     ["config.yaml:15: publish.check: erwartet: true oder false, gefunden: 'ja'",
      "config.yaml:16: publish.check_url: erwartet: eine http- oder https-Adresse, gefunden: 'www.ewg.de'"]),
]


@pytest.mark.parametrize("text, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_config_errors_name_file_line_and_key(tmp_path, text, expected):
    assert errors_for(tmp_path, text) == expected


def test_all_config_errors_are_reported_at_once(tmp_path):
    text = MINIMAL.replace("  title: Wall\n", "  title: 5\n") + "extra: 1\n"
    assert errors_for(tmp_path, text) == ["config.yaml:2: site.title: erwartet: Text, gefunden: 5",
                                          "config.yaml:10: extra: unbekannter Schlüssel"]


def test_missing_config_file_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="nope.yaml:1: Konfigurationsdatei nicht gefunden"):
        load_config(Path("nope.yaml"))
