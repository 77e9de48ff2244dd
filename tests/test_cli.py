"""generate.py as editors and the scheduled job call it."""

from __future__ import annotations

import pstats
import re
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from .conftest import ROOT, tree, write


def run(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "generate.py"), *args],
                          capture_output=True, text=True, timeout=timeout)


def src_args(src: Path) -> list[str]:
    return ["--config", str(src / "config.yaml"), "--content", str(src / "content")]


def test_a_build_under_a_profiler_leaves_its_profile(site_src, tmp_path):
    # generate.py skips the interpreter's clean-up at exit, except where a tool needs it.
    stats = tmp_path / "build.prof"
    result = subprocess.run([sys.executable, "-m", "cProfile", "-o", str(stats), str(ROOT / "generate.py"), "build",
                             *src_args(site_src), "--out", str(tmp_path / "out")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "build" in str(pstats.Stats(str(stats)).stats)  # type: ignore[attr-defined]


@pytest.mark.parametrize("command", ["build", "check", "serve"])
def test_every_command_has_help_with_the_common_options(command):
    result = run(command, "--help")
    assert result.returncode == 0
    for option in ("--config", "--content", "--debug"):
        assert option in result.stdout


def test_build_prints_a_one_line_summary(site_src, tmp_path):
    result = run("build", *src_args(site_src), "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert re.search(r"5 posts read, 4 shown, 0 hidden by rule, 1 not approved, \d+ files changed in "
                     r"[\d.]+ s", result.stderr)
    assert (tmp_path / "out/index.html").is_file()


def test_check_lists_every_problem_as_file_line_message(site_src):
    write(site_src / "content/posts/x/1240000000000000001.yaml",
          (site_src / "content/posts/x/1240000000000000001.yaml").read_text(encoding="utf-8")
          .replace("status: approved", "status: ok") + "colour: red\n")
    write(site_src / "content/posts/bluesky/3kabc.yaml", b"text: \xff\n")
    result = run("check", *src_args(site_src))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert lines[-1] == "2 Fehler, 1 Warnung(en)"
    assert any(re.fullmatch(r".*posts/bluesky/3kabc\.yaml:1: kein gültiger UTF-8-Text: .*Umlaut.*", line) for line in lines)
    assert any(re.fullmatch(r".*posts/x/1240000000000000001\.yaml:9: status: unbekannter Wert 'ok'; "
                            r"erlaubt: approved, pending, rejected", line) for line in lines)
    assert any(line.endswith("1240000000000000001.yaml:13: Warnung: colour: unbekanntes Feld, wird ignoriert")
               for line in lines)


def test_check_names_each_gap_left_to_fill_in_on_the_editors_pages(site_src):
    page = site_src / "content/pages/impressum.md"
    write(page, page.read_text(encoding="utf-8") + "\nUSt-IdNr.: **[Bitte ergänzen: USt-IdNr.]**\n\n[Rechtlich prüfen]\n")
    count = len(page.read_text(encoding="utf-8").splitlines())
    result = run("check", *src_args(site_src))
    assert result.returncode == 0, "a warning: the wall can be built and previewed, publish refuses it"
    lines = result.stderr.strip().splitlines()
    assert lines[-1] == "0 Fehler, 2 Warnung(en)"
    assert lines[0].endswith(f"impressum.md:{count - 2}: Warnung: noch auszufüllen: '[Bitte ergänzen: USt-IdNr.]' "
                             "(die Wall geht erst online, wenn jeder Platzhalter ersetzt ist)")
    assert f"impressum.md:{count}: Warnung: noch auszufüllen: '[Rechtlich prüfen]'" in lines[1]


HOSTILE_KEY = "zz\n::error file=config.yaml,line=1::Alles kaputt\n::stop-commands::abc"


def test_check_escapes_key_and_file_names_so_no_line_becomes_a_workflow_command(site_src):
    # GitHub Actions reads a line of the log starting with '::' as a command; a terminal obeys ESC.
    config = site_src / "config.yaml"
    quoted = HOSTILE_KEY.replace("\n", "\\n")  # as YAML writes a line break in double quotes
    config.write_text(config.read_text(encoding="utf-8") + f'"{quoted}": 1\n', encoding="utf-8")
    result = run("check", *src_args(site_src), "--format", "github")
    assert result.returncode == 1
    assert f"config.yaml:25: {HOSTILE_KEY!r}: unbekannter Schlüssel" in result.stderr
    (annotation,) = result.stdout.splitlines()  # one problem, one workflow command
    assert annotation.startswith("::error file=")
    assert not [line for line in result.stderr.splitlines() if line.startswith("::")]


def test_check_escapes_control_characters_of_keys_and_file_names_in_post_files(site_src):
    post = site_src / "content/posts/x/1240000000000000001.yaml"
    post.write_text(post.read_text(encoding="utf-8") + '"farbe\\e[2J": rot\n', encoding="utf-8")
    write(site_src / "content/posts/x/neu\n::error::x.yml", "text: x\n")
    result = run("check", *src_args(site_src))
    lines = result.stderr.splitlines()
    assert result.returncode == 0 and "\x1b" not in result.stderr
    assert any(line.endswith("1240000000000000001.yaml:13: Warnung: 'farbe\\x1b[2J': unbekanntes Feld, wird ignoriert")
               for line in lines)
    assert any(line.endswith("posts/x/neu\\n::error::x.yml:1: Warnung: wird ignoriert: Beitragsdateien müssen auf .yaml enden")
               for line in lines)
    assert not [line for line in lines if line.startswith("::")]


def test_pending_prints_an_authors_name_on_one_line_without_control_characters(site_src):
    post = site_src / "content/posts/rss/news-42.yaml"
    post.write_text(post.read_text(encoding="utf-8").replace("Hotel Ruhrblick", '"Hotel\\e]0;x\\a\\tRuhr\\nblick"'),
                    encoding="utf-8")
    result = run("pending", *src_args(site_src))
    assert result.returncode == 0
    assert result.stdout.startswith("rss:news-42\t2020-03-26\tHotel]0;x Ruhr – blick\tNoch nicht freigegeben.\n")


def test_check_passes_on_good_content(site_src):
    result = run("check", *src_args(site_src))
    assert (result.returncode, result.stderr.strip()) == (0, "0 Fehler, 0 Warnung(en)")


def test_failed_build_exits_1_with_the_reason_and_keeps_the_site(site_src, tmp_path):
    out = tmp_path / "out"
    assert run("build", *src_args(site_src), "--out", str(out)).returncode == 0
    before = tree(out)
    config = site_src / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("posts_per_page: 1", "posts_per_page: -1"),
                      encoding="utf-8")
    result = run("build", *src_args(site_src), "--out", str(out))
    assert result.returncode == 1
    assert "config.yaml:7: site.posts_per_page: erwartet: eine ganze Zahl von 1 bis 500, gefunden: -1" in result.stderr
    assert "Traceback" not in result.stderr
    assert tree(out) == before


@pytest.mark.parametrize("command", ["build", "preview"])
def test_build_and_preview_refuse_a_folder_holding_other_files(site_src, tmp_path, command):
    victim = write(tmp_path / "victim/important/thesis.txt", "x").parent.parent
    result = run(command, *src_args(site_src), "--out", str(victim))
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        f"error: refusing to build into {victim}: it is not empty and holds no site built by generate.py, "
        "and a build deletes whatever else is in its folder: choose a new or empty folder")
    assert tree(victim) == {"important/thesis.txt": b"x"}


def test_build_refuses_the_working_folder(site_src, tmp_path):
    before = tree(tmp_path)
    result = run("build", *src_args(site_src), "--out", ".")
    assert (result.returncode, result.stderr.splitlines()[-1]) == (
        1, "error: refusing to build into .: it is the working folder")
    assert tree(tmp_path) == before


def test_a_date_past_year_9999_in_essen_fails_the_build_with_its_line_not_a_traceback(site_src, tmp_path):
    post = site_src / "content/posts/manual/ewg-1.yaml"
    post.write_text(post.read_text(encoding="utf-8").replace("2020-03-27T10:00:00+01:00", "9999-12-31T23:30:00+00:00"),
                    encoding="utf-8")
    result = run("build", *src_args(site_src), "--out", str(tmp_path / "out"))
    assert result.returncode == 1
    assert re.search(r"posts/manual/ewg-1\.yaml:6: published: erwartet: eine Zeitangabe in den Jahren 2000 bis 2099", result.stderr)
    assert "Traceback" not in result.stderr


def test_serve_previews_the_site_under_its_base_path(site_src, tmp_path):
    out = tmp_path / "out"
    assert run("build", *src_args(site_src), "--out", str(out)).returncode == 0
    server = subprocess.Popen([sys.executable, str(ROOT / "generate.py"), "serve", *src_args(site_src),
                               "--out", str(out), "--port", "0"], stderr=subprocess.PIPE, text=True)
    try:
        line = server.stderr.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/essenarbeitetzusammen/", line)
        assert match, line
        base = f"http://127.0.0.1:{match.group(1)}"
        with urllib.request.urlopen(f"{base}/essenarbeitetzusammen/", timeout=10) as response:
            assert "Essen arbeitet zusammen" in response.read().decode("utf-8")
        with urllib.request.urlopen(f"{base}/", timeout=10) as response:
            assert response.url.endswith("/essenarbeitetzusammen/")
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"{base}/essenarbeitetzusammen/gibt-es-nicht/", timeout=10)
        assert missing.value.code == 404
        assert "Seite nicht gefunden" in missing.value.read().decode("utf-8")
    finally:
        server.terminate()
        server.wait(timeout=10)
