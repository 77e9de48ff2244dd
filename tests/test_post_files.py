"""Post files: every malformed input gives one clear `file:line: message`."""

from __future__ import annotations

import os
import re
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from wall.pages import EASY_LANGUAGE
from wall.post import Author, Media, Post, post_filename
from wall.store import load_content, read_posts
from wall.writing import UnreadablePost, dump_post, write_post

from .conftest import ROOT, VALID_POST, webp_bytes, write

CATEGORIES = {"angebot", "gesuch"}


def problems_for(tmp_path: Path, files: dict[str, str | bytes]) -> list[str]:
    for relative, text in files.items():
        write(tmp_path / "content" / relative, text)
    content = load_content(Path("content"), CATEGORIES)
    return [str(problem) for problem in content.problems]


def edited(replace: str, by: str) -> str:
    assert replace in VALID_POST
    return VALID_POST.replace(replace, by)


def test_valid_post_is_read_with_all_fields(tmp_path):
    content_dir = tmp_path / "content"
    write(content_dir / "media/ab/abcd.webp", webp_bytes())
    write(content_dir / "posts/x/1.yaml", VALID_POST + (
        "category: angebot\npinned: true\ncontent_warning: CW\nlanguage: de-DE\n"
        "hashtags: [Essen]\nsource: x-search\nfetched_at: '2020-03-24T00:00:00Z'\n"
        "edited_at: '2020-03-23T11:00:00+01:00'\nnote: geprüft\n"
        "media:\n  - path: media/ab/abcd.webp\n    alt: Brot\n    width: 800\n    height: 600\n"))
    content = load_content(Path("content"), CATEGORIES)
    assert content.problems == ()
    (post,) = content.posts
    assert post.id == "x:1" and post.native_id == "1"
    assert post.published == datetime(2020, 3, 23, 9, 0, tzinfo=timezone.utc)
    assert post.media == (Media(path="media/ab/abcd.webp", alt="Brot", width=800, height=600),)
    assert (post.category, post.pinned, post.language, post.hashtags) == ("angebot", True, "de-DE", ("Essen",))
    assert post.fetched_at == datetime(2020, 3, 24, tzinfo=timezone.utc)


MALFORMED = [
    ("missing required field", {"posts/x/1.yaml": edited("url: https://x.com/anna/status/1\n", "")},
     ["content/posts/x/1.yaml:1: url: Pflichtfeld fehlt"]),
    ("missing author name", {"posts/x/1.yaml": edited("  name: Anna\n", "  handle: anna\n")},
     ["content/posts/x/1.yaml:5: author.name: Pflichtfeld fehlt"]),
    ("wrong type", {"posts/x/1.yaml": edited("text: Hallo Essen", "text: [Hallo]")},
     ["content/posts/x/1.yaml:8: text: erwartet: Text, gefunden: ['Hallo']"]),
    ("text that YAML reads as a boolean", {"posts/x/1.yaml": edited("text: Hallo Essen", "text: no")},
     ["content/posts/x/1.yaml:8: text: erwartet: Text, gefunden: false"]),
    ("unknown platform", {"posts/myspace/1.yaml": edited("id: x:1\nplatform: x", "id: myspace:1\nplatform: myspace")},
     ["content/posts/myspace/1.yaml:2: platform: unbekannter Wert 'myspace'; erlaubt: "
      "bluesky, facebook, instagram, linkedin, manual, mastodon, rss, threads, x"]),
    ("unknown status", {"posts/x/1.yaml": edited("status: approved", "status: published")},
     ["content/posts/x/1.yaml:7: status: unbekannter Wert 'published'; erlaubt: "
      "approved, pending, rejected"]),
    ("unknown category", {"posts/x/1.yaml": VALID_POST + "category: spam\n"},
     ["content/posts/x/1.yaml:9: category: unbekannter Wert 'spam'; erlaubt: angebot, gesuch"]),
    ("duplicate id", {"posts/x/1.yaml": VALID_POST, "posts/x/copy.yaml": VALID_POST},
     ["content/posts/x/copy.yaml:1: id: die id 'x:1' steht auch in content/posts/x/1.yaml"]),
    # 'ABC' is no safe name: it becomes 'abc' and the hash of 'ABC', which another id can spell out.
    ("two ids, one page", {"posts/mastodon/1.yaml": edited("id: x:1\nplatform: x", "id: mastodon:ABC\nplatform: mastodon"),
                           "posts/mastodon/2.yaml": edited("id: x:1\nplatform: x",
                                                           "id: mastodon:abc-b5d4045c\nplatform: mastodon")},
     ["content/posts/mastodon/2.yaml:1: id: 'mastodon:abc-b5d4045c' bekäme dieselbe Seite und denselben "
      "Dateinamen (mastodon-abc-b5d4045c) wie 'mastodon:ABC' in content/posts/mastodon/1.yaml"]),
    ("invalid YAML", {"posts/x/1.yaml": edited("text: Hallo Essen", 'text: "Hallo')},
     ["content/posts/x/1.yaml:9: kein gültiges YAML: die Datei endet mitten in einem Wert; fehlt ein "
      "schließendes Anführungszeichen?"]),
    # The mistake editors make most (docs/redaktion.md warns of it), said in their words.
    ("a note with a colon, unquoted", {"posts/x/1.yaml": VALID_POST + "note: Abgelehnt: Werbung\n"},
     ["content/posts/x/1.yaml:9: kein gültiges YAML: ein Doppelpunkt mit Leerzeichen mitten in einem Wert; den "
      'Wert in Anführungszeichen setzen (z. B. note: "Abgelehnt: Werbung"). Oder die Zeile ist weiter eingerückt '
      "als die Zeile darüber"]),
    ("non-UTF-8 bytes", {"posts/x/1.yaml": edited("text: Hallo Essen", "text: Gr\xfc\xdfe").encode("latin-1")},
     ["content/posts/x/1.yaml:8: kein gültiger UTF-8-Text: ein Zeichen dieser Zeile (oft ein Umlaut) wurde von "
      "einem anderen Programm anders gespeichert; die Zeile im Editor von GitHub neu schreiben"]),
    ("time without offset", {"posts/x/1.yaml": edited('"2020-03-23T10:00:00+01:00"', '"2020-03-23T10:00:00"')},
     ["content/posts/x/1.yaml:6: published: erwartet: eine Zeitangabe mit Zeitzone wie "
      "'2020-03-23T10:15:00+01:00', gefunden: '2020-03-23T10:00:00'"]),
    # Past the last day (or before the first) that Essen's clock can show: the build stopped with an OverflowError.
    ("a date in the year 9999", {"posts/x/1.yaml": edited("2020-03-23T10:00:00+01:00", "9999-12-31T23:30:00+00:00")},
     ["content/posts/x/1.yaml:6: published: erwartet: eine Zeitangabe in den Jahren 2000 bis 2099, "
      "gefunden: '9999-12-31T23:30:00+00:00'"]),
    ("a date before the year 1 in UTC", {"posts/x/1.yaml": edited("2020-03-23T10:00:00+01:00",
                                                                  "0001-01-01T00:00:00+23:59")},
     ["content/posts/x/1.yaml:6: published: erwartet: eine Zeitangabe in den Jahren 2000 bis 2099, "
      "gefunden: '0001-01-01T00:00:00+23:59'"]),
    ("an edit before 2000", {"posts/x/1.yaml": VALID_POST + "edited_at: '1999-12-31T23:59:59Z'\n"},
     ["content/posts/x/1.yaml:9: edited_at: erwartet: eine Zeitangabe in den Jahren 2000 bis 2099, "
      "gefunden: '1999-12-31T23:59:59Z'"]),
    ("javascript URL", {"posts/x/1.yaml": edited("https://x.com/anna/status/1", "javascript:alert(1)")},
     ["content/posts/x/1.yaml:3: url: erwartet: eine http- oder https-Adresse, gefunden: 'javascript:alert(1)'"]),
    ("id of another platform", {"posts/x/1.yaml": edited("id: x:1", "id: bluesky:1")},
     ["content/posts/x/1.yaml:1: id: muss mit 'x:' beginnen, passend zu platform"]),
    ("file in another platform's folder", {"posts/bluesky/1.yaml": VALID_POST},
     ["content/posts/bluesky/1.yaml:2: platform: ein Beitrag von x muss in content/posts/x/ liegen"]),
    ("media path leaving content/", {"posts/x/1.yaml": VALID_POST + "media:\n  - path: ../../.github/x.webp\n"},
     ["content/posts/x/1.yaml:10: media[0].path: erwartet: ein Pfad unter content/ wie "
      "'media/ab/abcd1234.webp', gefunden: '../../.github/x.webp'"]),
    ("duplicate key", {"posts/x/1.yaml": VALID_POST + "status: rejected\n"},
     ["content/posts/x/1.yaml:9: kein gültiges YAML: der Schlüssel 'status' kommt doppelt vor; eine der beiden Zeilen "
      "löschen"]),
    ("not a mapping", {"posts/x/1.yaml": "- just\n- a list\n"},
     ["content/posts/x/1.yaml:1: Datei: erwartet: Zeilen der Form 'schlüssel: wert', gefunden: ['just', 'a list']"]),
    ("a number of 5,000 digits", {"posts/x/1.yaml": VALID_POST + "media:\n  - path: media/a.webp\n    width: "
                                  + "1" * 5000 + "\n", "media/a.webp": b"x"},
     ["content/posts/x/1.yaml:11: kein gültiges YAML: eine Zahl darf höchstens 100 Ziffern haben"]),
    # Editors' words for a status, and a capital letter (the option meant is named).
    ("status in German", {"posts/x/1.yaml": edited("status: approved", "status: abgelehnt")},
     ["content/posts/x/1.yaml:7: status: unbekannter Wert 'abgelehnt'; erlaubt: approved, pending, rejected. "
      "Gemeint ist wohl: status: rejected"]),
    ("category with a capital", {"posts/x/1.yaml": VALID_POST + "category: Angebot\n"},
     ["content/posts/x/1.yaml:9: category: unbekannter Wert 'Angebot'; erlaubt: angebot, gesuch. "
      "Gemeint ist wohl: category: angebot"]),
    ("a status line without its space", {"posts/x/1.yaml": edited("status: approved", "status:rejected")},
     ["content/posts/x/1.yaml:8: kein gültiges YAML: in dieser oder der Zeile darüber fehlt ein ':' oder das "
      "Leerzeichen danach (richtig ist 'schlüssel: wert'), oder die Zeile ist falsch eingerückt"]),
    ("a note in typographic quotes", {"posts/x/1.yaml": VALID_POST + "note: „Abgelehnt: Werbung“\n"},
     ["content/posts/x/1.yaml:9: kein gültiges YAML: ein Doppelpunkt mit Leerzeichen mitten in einem Wert; den "
      'Wert in Anführungszeichen setzen (z. B. note: "Abgelehnt: Werbung"). Oder die Zeile ist weiter eingerückt '
      'als die Zeile darüber; in dieser Zeile stehen typografische Anführungszeichen („…“), YAML braucht gerade ("…")']),
    ("bad media size", {"posts/x/1.yaml": VALID_POST + "media:\n  - path: media/a.webp\n    width: -5\n",
                        "media/a.webp": b"x"},
     ["content/posts/x/1.yaml:11: media[0].width: erwartet: eine ganze Zahl von 1 bis 20000, gefunden: -5"]),
]


@pytest.mark.parametrize("files, expected", [case[1:] for case in MALFORMED], ids=[c[0] for c in MALFORMED])
def test_malformed_post_names_file_and_line(tmp_path, files, expected):
    assert problems_for(tmp_path, files) == expected


def test_a_missing_image_is_left_out_with_a_warning_and_the_post_stays(tmp_path):
    # Deleting an image file (a GDPR request; an avatar that other posts of the author share)
    # must not stop the whole wall's build: the posts naming it are shown without it.
    write(tmp_path / "content/media/ab/da.webp", webp_bytes())
    write(tmp_path / "content/posts/x/1.yaml", edited("author:\n  name: Anna", "author:\n  name: Anna\n"
                                                      "  avatar: media/ab/weg.webp")
          + "media:\n  - path: media/ab/gone.webp\n  - path: media/ab/da.webp\n")
    content = load_content(Path("content"), CATEGORIES)
    assert [str(problem) for problem in content.problems] == [
        "content/posts/x/1.yaml:4: Warnung: author: Mediendatei nicht gefunden: content/media/ab/weg.webp; "
        "ohne dieses Bild gezeigt",
        "content/posts/x/1.yaml:10: Warnung: media: Mediendatei nicht gefunden: content/media/ab/gone.webp; "
        "ohne dieses Bild gezeigt"]
    (post,) = content.posts
    assert post.author.avatar == "" and [media.path for media in post.media] == ["media/ab/da.webp"]


WITH_IMAGE = VALID_POST + "media:\n  - path: media/ab/leak.webp\n"
SYMLINK_PROBLEM = "die Mediendatei ist ein symbolischer Link (veröffentlicht werden nur Dateien in media/)"


def test_a_media_file_linking_elsewhere_is_an_error(tmp_path):
    # Git stores symbolic links: a pull request could otherwise publish any file the build can read.
    write(tmp_path / "elsewhere/secret.webp", webp_bytes())
    (tmp_path / "content/media/ab").mkdir(parents=True)
    (tmp_path / "content/media/ab/leak.webp").symlink_to(tmp_path / "elsewhere/secret.webp")
    assert problems_for(tmp_path, {"posts/x/1.yaml": WITH_IMAGE}) == [
        f"content/posts/x/1.yaml:9: media: {SYMLINK_PROBLEM}: content/media/ab/leak.webp"]


def test_an_avatar_linking_elsewhere_is_an_error(tmp_path):
    write(tmp_path / "elsewhere/secret.webp", webp_bytes())
    (tmp_path / "content/media/ab").mkdir(parents=True)
    (tmp_path / "content/media/ab/leak.webp").symlink_to(tmp_path / "elsewhere/secret.webp")
    post = edited("  name: Anna\n", "  name: Anna\n  avatar: media/ab/leak.webp\n")
    assert problems_for(tmp_path, {"posts/x/1.yaml": post}) == [
        f"content/posts/x/1.yaml:4: author: {SYMLINK_PROBLEM}: content/media/ab/leak.webp"]


def test_a_media_folder_linking_elsewhere_is_an_error(tmp_path):
    write(tmp_path / "elsewhere/leak.webp", webp_bytes())
    (tmp_path / "content/media").mkdir(parents=True)
    (tmp_path / "content/media/ab").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    assert problems_for(tmp_path, {"posts/x/1.yaml": WITH_IMAGE}) == [
        "content/posts/x/1.yaml:9: media: der Medienordner media/ab/ ist ein symbolischer Link (veröffentlicht "
        "werden nur Dateien in media/): content/media/ab/leak.webp"]


@pytest.mark.parametrize("media_type, data, problem", [
    ("image", b"secret=hunter2\n", "die Mediendatei ist kein JPEG-, PNG-, WebP- oder GIF-Bild (nach ihrem Inhalt)"),
    ("image", b"\x00\x00\x00\x18ftypmp42", "die Mediendatei ist kein JPEG-, PNG-, WebP- oder GIF-Bild (nach ihrem Inhalt)"),
    ("video", webp_bytes(), "die Mediendatei ist kein MP4- oder WebM-Video (nach ihrem Inhalt)"),
    ("video", b"\x00\x00\x00\x18ftypmp42", None),
    ("video", b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81", None),
])
def test_a_media_file_must_be_what_the_post_says_by_its_bytes(tmp_path, media_type, data, problem):
    post = VALID_POST + f"media:\n  - path: media/ab/leak.webp\n    type: {media_type}\n"
    expected = [f"content/posts/x/1.yaml:9: media: {problem}: content/media/ab/leak.webp"] if problem else []
    assert problems_for(tmp_path, {"media/ab/leak.webp": data, "posts/x/1.yaml": post}) == expected


def test_every_bad_file_is_reported_in_one_run(tmp_path):
    problems = problems_for(tmp_path, {
        "posts/x/1.yaml": edited("status: approved", "status: maybe"),
        "posts/x/2.yaml": edited("id: x:1", "id: x:2").replace("text: Hallo Essen", "text: [1]"),
    })
    assert [p.split(":")[0] for p in problems] == ["content/posts/x/1.yaml", "content/posts/x/2.yaml"]


def test_unknown_key_is_a_warning_and_the_post_still_counts(tmp_path):
    write(tmp_path / "content/posts/x/1.yaml", VALID_POST + "mood: sunny\n")
    content = load_content(Path("content"), CATEGORIES)
    assert [str(p) for p in content.problems] == [
        "content/posts/x/1.yaml:9: Warnung: mood: unbekanntes Feld, wird ignoriert"]
    assert content.errors == [] and len(content.posts) == 1


def test_a_value_a_hashtag_comment_cut_short_is_a_warning(tmp_path):
    # ' #' starts a YAML comment: an editor's unquoted note loses its hashtag and all after it.
    write(tmp_path / "content/posts/x/1.yaml", VALID_POST.replace("  name: Anna\n", "  name: Anna #Essen\n")
          .replace("status: approved\n", "status: approved # geprüft am 3. April\n")
          + "note: Abgelehnt #Spam, siehe Mail vom 2. April  \ncontent_warning: 'Gewalt #tw'\nsource: zwei\n  Zeilen\t#x\n")
    content = load_content(Path("content"), CATEGORIES)
    assert [str(p) for p in content.problems] == [
        "content/posts/x/1.yaml:5: Warnung: author.name: der Text ab '#Essen' gilt in YAML als Kommentar und fehlt; "
        "den Wert in Anführungszeichen setzen",
        "content/posts/x/1.yaml:9: Warnung: note: der Text ab '#Spam, siehe Mail vom 2. April' gilt in YAML als "
        "Kommentar und fehlt; den Wert in Anführungszeichen setzen",
        "content/posts/x/1.yaml:11: Warnung: source: der Text ab '#x' gilt in YAML als Kommentar und fehlt; den Wert in "
        "Anführungszeichen setzen"]
    (post,) = content.posts  # a warning: the post still counts, with what YAML read
    assert (post.note, post.author.name, post.status, post.content_warning, post.source) == (
        "Abgelehnt", "Anna", "approved", "Gewalt #tw", "zwei Zeilen")


def test_a_key_out_of_place_is_named_where_it_belongs(tmp_path):
    write(tmp_path / "content/posts/x/1.yaml", VALID_POST + "media:\n- path: media/a.webp\nalt: Brot\nkategorie: angebot\n")
    write(tmp_path / "content/media/a.webp", webp_bytes())
    content = load_content(Path("content"), CATEGORIES)
    assert [str(p) for p in content.problems] == [
        "content/posts/x/1.yaml:11: Warnung: alt: unbekanntes Feld, wird ignoriert; gehört zu einem Bild: unter "
        "media: mit derselben Einrückung wie path: darüber",
        "content/posts/x/1.yaml:12: Warnung: kategorie: unbekanntes Feld, wird ignoriert; gemeint ist wohl category"]


def test_a_text_longer_than_a_fetch_keeps_is_a_warning(tmp_path):
    write(tmp_path / "content/posts/x/1.yaml", edited("text: Hallo Essen", "text: " + "x" * 20_001))
    content = load_content(Path("content"), CATEGORIES)
    assert [str(p) for p in content.problems] == [
        "content/posts/x/1.yaml:8: Warnung: text: 20.001 Zeichen; abgerufene Beiträge werden bei 20.000 gekürzt"]
    assert len(content.posts) == 1


@pytest.mark.parametrize("native_id", ["../../../etc/passwd", "..", "a/b\\c", "ÄÖÜ ß", ".hidden", "x" * 400])
def test_file_name_from_any_id_stays_in_its_folder(tmp_path, native_id):
    relative = post_filename(f"x:{native_id}")
    folder, name = relative.rsplit("/", 1)
    assert folder == "posts/x"
    assert name != ".yaml" and not name.startswith(".")
    assert set(name) <= set("abcdefghijklmnopqrstuvwxyz0123456789._-")
    post = Post(id=f"x:{native_id}", platform="x", url="https://x.com/a/status/1",
                author=Author(name="A"), published=datetime(2020, 3, 23, tzinfo=timezone.utc),
                text="t", status="pending")
    try:
        path = write_post(tmp_path / "content", post)
    except UnreadablePost:  # an id the file would refuse (a space, say): nothing is written anywhere
        assert not [path for path in tmp_path.rglob("*") if path.is_file()]
    else:
        assert path.resolve().is_relative_to((tmp_path / "content/posts/x").resolve())


def test_a_post_whose_file_would_be_refused_is_not_written(tmp_path):
    post = Post(id="x:1", platform="x", url="https://x.com/a/status/1", author=Author(name="A"),
                published=datetime(2020, 3, 23, tzinfo=timezone.utc), text="t", status="pending")
    for bad in (replace(post, language="de_DE"), replace(post, url="javascript:alert(1)"),
                replace(post, author=Author(name="A", url="https://a.example/\ud800")),
                replace(post, status="published")):
        with pytest.raises(UnreadablePost, match="x:1: not stored, its file would be refused: "):
            write_post(tmp_path / "content", bad)
    assert not (tmp_path / "content").exists()
    assert write_post(tmp_path / "content", post).is_file()


def test_written_post_reads_back_equal_and_writes_identically(tmp_path):
    post = Post(id="mastodon:ruhr.social.example:7", platform="mastodon",
                url="https://ruhr.social.example/@a/7",
                author=Author(name='Anna "A" <b>', handle="a@ruhr.social.example"),
                published=datetime(2020, 3, 23, 10, tzinfo=timezone(timedelta(hours=1))),
                text="Zeile 1  \n\nZeile 3\n", status="pending", category="angebot",
                hashtags=("Essen",), content_warning="yes")
    path = write_post(tmp_path / "content", post)
    (read,) = read_posts(tmp_path / "content", CATEGORIES, problems := [])
    assert problems == []
    assert read == post
    assert dump_post(read) == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("first, second", [
    ("instagram:B9_HC0D1eJF", "instagram:b9_hc0d1ejf"),
    ("rss:a.example:x/y", "rss:a.example:x-y"),
    ("mastodon:a.example:1", "mastodon:a.example-1"),
])
def test_distinct_ids_never_share_a_file(first, second):
    assert post_filename(first) != post_filename(second)


def test_post_files_are_readable_by_others(tmp_path):
    post = Post(id="x:1", platform="x", url="https://x.com/a/status/1", author=Author(name="A"),
                published=datetime(2020, 3, 23, tzinfo=timezone.utc), text="t", status="pending")
    old = os.umask(0o022)
    try:
        path = write_post(tmp_path / "content", post)
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o644


def test_writing_a_file_leaves_the_umask_alone(tmp_path, monkeypatch):
    # The umask is one for the whole process, and a fetch stores images from several threads:
    # one thread setting it to 0 to read it would give another's file the wrong mode.
    post = Post(id="x:1", platform="x", url="https://x.com/a/status/1", author=Author(name="A"),
                published=datetime(2020, 3, 23, tzinfo=timezone.utc), text="t", status="pending")
    old = os.umask(0o027)
    calls = []
    monkeypatch.setattr(os, "umask", lambda *args: calls.append(args) or old)
    try:
        path = write_post(tmp_path / "content", post)
    finally:
        monkeypatch.undo()
        os.umask(old)
    assert calls == [] and path.stat().st_mode & 0o777 == 0o640
    assert [file.name for file in path.parent.iterdir()] == [path.name]  # nothing left beside it


def test_files_that_are_not_yaml_are_reported_not_skipped_silently(tmp_path):
    write(tmp_path / "content/posts/x/1.yml", VALID_POST)
    write(tmp_path / "content/posts/x/.gitkeep", "")
    content = load_content(Path("content"), CATEGORIES)
    assert [str(p) for p in content.problems] == [
        "content/posts/x/1.yml:1: Warnung: wird ignoriert: Beitragsdateien müssen auf .yaml enden"]


def test_a_page_value_cut_short_by_a_yaml_comment_is_a_warning(tmp_path):
    # " #" starts a YAML comment: an unquoted hashtag silently ends the description there.
    write(tmp_path / "content/pages/ueber.md", "---\ntitle: Über\ndescription: Was hinter #EssenArbeitetZusammen steckt\n"
                                               "order: 10 # im Fuß zuerst\n---\nText # kein Kommentar\n")
    write(tmp_path / "content/pages/hilfe.md", "---\ntitle: Hilfe\ndescription: \"Was #EssenArbeitetZusammen ist\"\n"
                                               "# eine Zeile nur mit Kommentar\n---\nText\n")
    content = load_content(Path("content"), CATEGORIES)
    assert [str(p) for p in content.problems] == [
        "content/pages/ueber.md:3: Warnung: description: der Text ab ' #' gilt in YAML als Kommentar und fehlt auf"
        " der Seite; den Wert in Anführungszeichen setzen",
        "content/pages/ueber.md:4: Warnung: order: der Text ab ' #' gilt in YAML als Kommentar und fehlt auf"
        " der Seite; den Wert in Anführungszeichen setzen"]
    assert content.pages[1].description == "Was #EssenArbeitetZusammen ist"


def test_the_shipped_pages_keep_their_whole_descriptions():
    content = load_content(ROOT / "content", CATEGORIES)
    # The placeholders the EWG has to fill in are warned about on purpose (see test_cli).
    assert [str(p) for p in content.problems if "pages" in p.path and "noch auszufüllen" not in p.message] == []
    assert content.pages and all(page.description.endswith(".") for page in content.pages), \
        [p.description for p in content.pages]


def test_the_page_in_leichte_sprache_keeps_to_its_rules():
    """BITV 2.0 Anlage 2 Teil 2: short sentences, one statement each, no abbreviations, no semicolons."""
    page = next(page for page in load_content(ROOT / "content", CATEGORIES).pages if page.slug == EASY_LANGUAGE)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", page.markdown)  # a link's words, not its address
    text = re.sub(r"^(#+|-) |\*\*", "", text, flags=re.M)
    sentences = [s for s in re.split(r"(?<=[.?:!])\s+|\n+", text) if s.strip()]
    assert len(sentences) > 50
    too_long = [s for s in sentences if len(s.split()) > 12]
    assert too_long == []
    assert not re.search(r"\b(z\. ?B|bzw|usw|ggf|d\. ?h|ca|inkl|evtl)\.|;", page.markdown)


@pytest.mark.parametrize("front, expected", [
    ("title: T\norder: " + "1" * 5000 + "\n", "content/pages/ueber.md:3: kein gültiges YAML: eine Zahl darf höchstens 100 Ziffern haben"),
    ("title: T\ndescription: " + "[" * 600 + "]" * 600 + "\n", "content/pages/ueber.md:3: kein gültiges YAML: zu tief verschachtelt"),
])
def test_a_page_whose_front_matter_cannot_be_read_names_file_and_line(tmp_path, front, expected):
    assert problems_for(tmp_path, {"pages/ueber.md": f"---\n{front}---\nText\n"}) == [expected]
