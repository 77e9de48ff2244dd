"""The build as a whole: deterministic, atomic, moderated, and stable for old pages."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from wall.config import ConfigError
from wall.outdir import refusal
from wall.pipeline import BuildError, ContentError, build

from .conftest import ROOT, tree, write
from .test_incremental import config_edit

STATIC = ROOT / "static"


def build_src(src: Path, out: Path, **options):
    return build(src / "config.yaml", src / "content", out, demo_dir=options.pop("demo_dir", None),
                 static=options.pop("static", STATIC), **options)


def test_two_builds_give_byte_identical_trees(site_src, tmp_path):
    build_src(site_src, tmp_path / "one")
    build_src(site_src, tmp_path / "two")
    assert tree(tmp_path / "one") == tree(tmp_path / "two")


def test_rebuild_replaces_the_old_site_completely(site_src, tmp_path):
    out = tmp_path / "site"
    build_src(site_src, out)
    write(out / "stale.html", "old")
    build_src(site_src, out)
    assert not (out / "stale.html").exists()
    assert not [p for p in tmp_path.glob(".site.*") if p.is_dir()], "no temporary folders are left behind"


def test_a_folder_holding_other_files_is_refused_and_left_alone(site_src, tmp_path):
    out = write(tmp_path / "victim/important/thesis.txt", "x").parent.parent
    with pytest.raises(BuildError, match="victim: it is not empty and holds no site built by generate.py"):
        build_src(site_src, out)
    assert tree(out) == {"important/thesis.txt": b"x"}
    assert not list(tmp_path.glob(".victim*")), "nothing is written beside it either"


def test_an_empty_folder_is_built_into(site_src, tmp_path):
    (tmp_path / "site").mkdir()
    build_src(site_src, tmp_path / "site")
    assert (tmp_path / "site/index.html").is_file()


def test_a_site_built_before_the_build_cache_existed_is_still_rebuilt(site_src, tmp_path):
    out = tmp_path / "site"
    build_src(site_src, out)
    for beside in tmp_path.glob(".site.*"):
        shutil.rmtree(beside) if beside.is_dir() else beside.unlink()
    write(out / "stale.html", "old")
    build_src(site_src, out)
    assert not (out / "stale.html").exists()


@pytest.mark.parametrize("where, problem", [
    ("work", "it is the working folder"),
    ("src", "it holds the config file"),
    ("src/content", "it is the content folder"),
    ("src/content/posts/site", "it is inside the content folder"),
    ("home", "it is the home folder"),
])
def test_folders_a_build_would_destroy_are_refused_even_when_empty_or_missing(site_src, tmp_path, monkeypatch,
                                                                              where, problem):
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    (tmp_path / "home").mkdir()
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    before = tree(tmp_path)
    with pytest.raises(BuildError, match=problem):
        build_src(site_src, tmp_path / where)
    assert tree(tmp_path) == before


def test_the_root_folder_is_refused():
    assert refusal(Path("/"), {}) == "it is the root of the file system"


def test_bad_post_file_fails_the_build_and_leaves_the_old_site(site_src, tmp_path):
    out = tmp_path / "site"
    build_src(site_src, out)
    before = tree(out)
    write(site_src / "content/posts/x/1240000000000000001.yaml", "id: [unclosed\n")
    with pytest.raises(ContentError) as raised:
        build_src(site_src, out)
    assert "1240000000000000001.yaml:2: kein gültiges YAML" in str(raised.value)
    assert tree(out) == before


def test_a_media_file_linking_out_of_the_content_fails_the_build_and_publishes_nothing(site_src, tmp_path):
    out = tmp_path / "site"
    build_src(site_src, out)
    before = tree(out)
    secret = write(tmp_path / "secret.webp", (site_src / "content/media/0a/0a1b2c3d.webp").read_bytes() + b"secret")
    image = site_src / "content/media/0a/0a1b2c3d.webp"
    image.unlink()
    image.symlink_to(secret)
    with pytest.raises(ContentError, match="2aecf2c8.yaml:4: author: die Mediendatei ist ein symbolischer Link"):
        build_src(site_src, out)
    assert tree(out) == before


def test_bad_config_fails_the_build_and_leaves_the_old_site(site_src, tmp_path):
    out = tmp_path / "site"
    build_src(site_src, out)
    before = tree(out)
    config = site_src / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "typo: 1\n", encoding="utf-8")
    with pytest.raises(ConfigError):
        build_src(site_src, out)
    assert tree(out) == before


def test_failure_while_rendering_leaves_the_old_site(site_src, tmp_path):
    out = tmp_path / "site"
    build_src(site_src, out)
    before = tree(out)
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    write(templates / "post.html", "{{ no_such_variable }}")
    with pytest.raises(Exception, match="no_such_variable"):
        build_src(site_src, out, templates=templates)
    assert tree(out) == before
    assert not [p for p in tmp_path.glob(".site.*") if p.is_dir()]


@pytest.mark.parametrize("template, before, after, problem", [
    ("page.html", "{{ body | safe }}", '<img src="https://tracker.example/p.gif">{{ body | safe }}',
     "loads from another host"),
    # A card is a part shared by several pages, checked once: still refused.
    ("_post.html", '<header class="post-head">', '<header class="post-head" onmouseover="x()">', "onmouseover"),
])
def test_unsafe_template_output_is_refused_before_writing(site_src, tmp_path, template, before, after, problem):
    out = tmp_path / "site"
    build_src(site_src, out)
    built = tree(out)
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    changed = templates / template
    changed.write_text(changed.read_text(encoding="utf-8").replace(before, after), encoding="utf-8")
    with pytest.raises(BuildError, match=problem):
        build_src(site_src, out, templates=templates)
    assert tree(out) == built


def test_denied_author_disappears_everywhere_with_their_media(site_src, tmp_path):
    out = tmp_path / "site"
    config_edit(site_src, "    authors: []\n    keywords", "    authors: [kruemel@ruhr.social.example]\n    keywords")
    report = build_src(site_src, out)
    assert (report.shown, report.hidden_by_rule) == (3, 1)
    assert not (out / "beitrag/mastodon-ruhr.social.example-1001-2aecf2c8").exists()
    assert not (out / "media").exists(), "media of hidden posts are not published"
    for path in out.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".xml", ".json"):
            assert "Backstube Krümel" not in path.read_text(encoding="utf-8"), path


def test_a_denied_image_disappears_from_every_post_and_the_posts_stay(site_src, tmp_path):
    out = tmp_path / "site"
    config_edit(site_src, "    domains: []\n", '    domains: []\n    images: ["media/0a/0a1b2c3d.webp"]\n')
    report = build_src(site_src, out)  # the fixture's Mastodon post shows it as its avatar and its image
    assert (report.shown, report.hidden_by_rule) == (4, 0)
    assert (out / "beitrag/mastodon-ruhr.social.example-1001-2aecf2c8/index.html").is_file()
    assert not (out / "media").exists(), "a denied image is not published"
    for path in out.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".xml", ".json"):
            assert "0a1b2c3d" not in path.read_text(encoding="utf-8"), path


def test_an_author_on_the_avatar_list_is_shown_without_the_picture(site_src, tmp_path):
    out = tmp_path / "site"
    build_src(site_src, out)  # with the avatar: the rule must make the next build render those pages again
    config_edit(site_src, "    domains: []\n", '    domains: []\n    avatars: ["https://ruhr.social.example/@kruemel"]\n')
    report = build_src(site_src, out)  # the fixture's Mastodon post shows 0a1b2c3d as avatar and as image
    assert (report.shown, report.hidden_by_rule) == (4, 0)
    page = (out / "beitrag/mastodon-ruhr.social.example-1001-2aecf2c8/index.html").read_text(encoding="utf-8")
    assert 'alt="Brote im Regal"' in page and (out / "media/0a/0a1b2c3d.webp").is_file(), "the post's image stays"
    # It is the fixture's only avatar: the golden site shows it on three pages.
    assert not [path for path in out.rglob("*.html") if 'class="avatar"' in path.read_text(encoding="utf-8")]


def test_stand_prefers_the_recorded_last_fetch(site_src, tmp_path):
    write(site_src / "content/state.yaml", "last_fetch: '2020-04-02T06:00:00+02:00'\n")
    build_src(site_src, tmp_path / "site")
    html = (tmp_path / "site/index.html").read_text(encoding="utf-8")
    assert 'Stand: <time datetime="2020-04-02T06:00:00+02:00">2. April 2020</time>' in html


def test_demo_posts_are_used_and_marked_while_content_has_none(tmp_path, site_src):
    empty = tmp_path / "empty"
    shutil.copytree(site_src / "content/pages", empty / "pages")
    out = tmp_path / "site"
    report = build(site_src / "config.yaml", empty, out, demo_dir=site_src / "content", static=STATIC)
    assert report.demo and report.shown == 4
    assert "Demo-Ansicht" in (out / "index.html").read_text(encoding="utf-8")
    build_src(site_src, tmp_path / "real")
    assert "Demo-Ansicht" not in (tmp_path / "real/index.html").read_text(encoding="utf-8")


def test_a_demo_wall_asks_search_engines_to_stay_away(tmp_path, site_src):
    # The demo's companies are made up: a search result must never lead to them.
    empty = tmp_path / "empty"
    shutil.copytree(site_src / "content/pages", empty / "pages")
    build(site_src / "config.yaml", empty, tmp_path / "demo", demo_dir=site_src / "content", static=STATIC)
    noindex = '<meta name="robots" content="noindex">'
    pages = sorted((tmp_path / "demo").rglob("*.html"))
    assert len(pages) > 10 and [p for p in pages if p.read_text(encoding="utf-8").count(noindex) != 1] == []
    robots = (tmp_path / "demo/robots.txt").read_text(encoding="utf-8")
    assert "User-agent: *\nDisallow: /\n" in robots and "Allow" not in robots and "Sitemap" not in robots
    build_src(site_src, tmp_path / "real")
    assert noindex not in (tmp_path / "real/index.html").read_text(encoding="utf-8")
    assert "Disallow" not in (tmp_path / "real/robots.txt").read_text(encoding="utf-8")


def test_shipped_demo_builds_without_problems(tmp_path):
    report = build(ROOT / "config.yaml", tmp_path / "no-content", tmp_path / "site")
    assert report.demo and report.shown >= 30
    assert len({path.parent.name for path in (tmp_path / "site/plattform").glob("*/index.html")}) >= 8


