"""Editors' terminal commands: approve, reject, pending, and deny rules that keep config.yaml's comments."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from wall.config import load_config
from wall.editorial import EditorialError, add_deny_rule, pending_posts, set_status
from wall.store import load_content

from .conftest import ROOT

CATEGORIES = {"angebot", "gesuch"}


def test_approve_and_reject_change_only_status_and_note(site_src):
    content = site_src / "content"
    before = (content / "posts/rss/news-42.yaml").read_text(encoding="utf-8")
    set_status(content, CATEGORIES, ["rss:news-42"], "approved")
    after = (content / "posts/rss/news-42.yaml").read_text(encoding="utf-8")
    assert after == before.replace("status: pending", "status: approved")
    set_status(content, CATEGORIES, ["rss:news-42", "bluesky:3kabc"], "rejected", note="Werbung")
    posts = {post.id: post for post in load_content(content, CATEGORIES).posts}
    assert (posts["rss:news-42"].status, posts["rss:news-42"].note) == ("rejected", "Werbung")
    assert posts["bluesky:3kabc"].status == "rejected"


def test_unknown_id_changes_nothing(site_src):
    content = site_src / "content"
    before = (content / "posts/rss/news-42.yaml").read_bytes()
    with pytest.raises(EditorialError, match="kein Beitrag mit der id x:nope; nichts wurde geändert"):
        set_status(content, CATEGORIES, ["rss:news-42", "x:nope"], "approved")
    assert (content / "posts/rss/news-42.yaml").read_bytes() == before


def test_pending_lists_posts_waiting_for_review(site_src):
    assert [post.id for post in pending_posts(site_src / "content", CATEGORIES)] == ["rss:news-42"]


@pytest.fixture
def shipped_config(tmp_path) -> Path:
    path = tmp_path / "config.yaml"
    shutil.copy(ROOT / "config.yaml", path)
    return path


@pytest.mark.parametrize("kind, value, key", [
    ("author", "@spam@ruhr.social", "deny_authors"), ("keyword", 'Krypto "Gewinn"', "deny_keywords"),
    ("domain", "spam.example", "deny_domains"), ("id", "x:123", "deny_ids"),
    ("avatar", "@kruemel@ruhr.social", "deny_avatars"),
])
def test_deny_rule_is_added_and_every_comment_kept(shipped_config, kind, value, key):
    before = shipped_config.read_text(encoding="utf-8")
    assert add_deny_rule(shipped_config, kind, value)
    after = shipped_config.read_text(encoding="utf-8")
    assert getattr(load_config(shipped_config).moderation, key) == (value,)
    comments = [line.split("#", 1)[1] for line in before.splitlines() if "#" in line]
    assert all(comment in after for comment in comments)
    assert len(after.splitlines()) == len(before.splitlines())
    assert not add_deny_rule(shipped_config, kind, value), "a second time changes nothing"
    assert add_deny_rule(shipped_config, kind, value + "2")
    assert getattr(load_config(shipped_config).moderation, key) == (value, value + "2")


def test_an_image_is_denied_by_its_path_and_nothing_else(shipped_config):
    assert add_deny_rule(shipped_config, "image", "media/ab/abcd1234ef567890.webp")
    assert load_config(shipped_config).moderation.deny_images == ("media/ab/abcd1234ef567890.webp",)
    before = shipped_config.read_bytes()
    with pytest.raises(EditorialError, match="ungültig"):
        add_deny_rule(shipped_config, "image", "https://cdn.example/bild.webp")
    assert shipped_config.read_bytes() == before


def test_deny_rule_in_a_block_list(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("site: {title: W, base_url: https://w.example/}\nmoderation:\n  deny:\n"
                    "    authors:\n      - erster   # warum\n    keywords: []\n", encoding="utf-8")
    add_deny_rule(path, "author", "zweiter")
    assert path.read_text(encoding="utf-8").splitlines()[4:6] == ["      - erster   # warum", '      - "zweiter"']
    assert load_config(path).moderation.deny_authors == ("erster", "zweiter")
