"""Moderation: shown if and only if approved and no deny rule matches."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

import pytest

from wall.config import Moderation
from wall.moderate import author_listed, deny_reason, is_shown, moderate, without_withdrawn_pictures
from wall.post import Author, Media, Post

POST = Post(id="mastodon:ruhr.social.example:1", platform="mastodon",
            url="https://ruhr.social.example/@kruemel/1",
            author=Author(name="Backstube Krümel", handle="kruemel@ruhr.social.example",
                          url="https://ruhr.social.example/@kruemel"),
            published=datetime(2020, 3, 23, tzinfo=timezone.utc),
            text="Ich biete Brot. Bestellung: https://shop.baeckerei.example/brot #Essen",
            status="approved")


@pytest.mark.parametrize("status, shown", [("approved", True), ("pending", False), ("rejected", False)])
def test_only_approved_posts_are_shown(status, shown):
    assert is_shown(replace(POST, status=status), Moderation()) is shown


@pytest.mark.parametrize("rules", [
    Moderation(deny_ids=("mastodon:ruhr.social.example:1",)),
    Moderation(deny_authors=("@Kruemel@ruhr.social.example",)),
    Moderation(deny_authors=("https://ruhr.social.example/@kruemel/",)),
    Moderation(deny_keywords=("BROT",)),
    Moderation(deny_keywords=("ich biete",)),
    Moderation(deny_domains=("baeckerei.example",)),
    Moderation(deny_domains=("shop.baeckerei.example",)),
    Moderation(deny_domains=("ruhr.social.example",)),
])
def test_each_deny_rule_hides_an_approved_post(rules):
    assert deny_reason(POST, rules)
    assert moderate([POST], rules) == []


@pytest.mark.parametrize("rules", [
    Moderation(deny_ids=("mastodon:ruhr.social.example:2",)),
    Moderation(deny_authors=("kruemel",)),
    Moderation(deny_keywords=("Bro",)),  # whole words only
    Moderation(deny_keywords=("Esse",)),
    Moderation(deny_domains=("ckerei.example",)),  # whole labels only
])
def test_rules_that_do_not_match_leave_the_post(rules):
    assert deny_reason(POST, rules) is None


def test_a_parent_domain_covers_its_subdomains():
    assert deny_reason(POST, Moderation(deny_domains=("example",)))


def test_deny_wins_over_allow():
    rules = Moderation(allow_authors=("kruemel@ruhr.social.example",),
                       deny_authors=("kruemel@ruhr.social.example",))
    assert author_listed(POST, rules.allow_authors)
    assert not is_shown(POST, rules)


def test_denying_an_author_removes_all_their_posts_and_keeps_order():
    others = [replace(POST, id=f"mastodon:ruhr.social.example:{n}",
                      author=Author(name=f"Firma {n}", handle=f"firma{n}@ruhr.social.example"))
              for n in range(3)]
    mine = [replace(POST, id=f"mastodon:ruhr.social.example:{n}") for n in range(10, 13)]
    posts = [others[0], mine[0], others[1], mine[1], mine[2], others[2]]
    assert moderate(posts, Moderation(deny_authors=("kruemel@ruhr.social.example",))) == others


def test_denied_images_leave_the_posts_and_nothing_else():
    pictured = replace(POST, author=replace(POST.author, avatar="media/aa/avatar.webp"),
                       media=(Media(path="media/bb/brot.webp"), Media(path="media/cc/laden.webp")))
    rules = Moderation(deny_images=("media/aa/avatar.webp", "media/bb/brot.webp"))
    [kept] = without_withdrawn_pictures([pictured], rules)
    assert kept.author.avatar == "" and [item.path for item in kept.media] == ["media/cc/laden.webp"]
    assert replace(kept, author=pictured.author, media=pictured.media) == pictured
    assert without_withdrawn_pictures([pictured], Moderation(deny_images=("media/dd/other.webp",))) == [pictured]


@pytest.mark.parametrize("listed", ["kruemel@ruhr.social.example", "@Kruemel@ruhr.social.example",
                                    "https://ruhr.social.example/@kruemel/"])
def test_an_author_on_the_avatar_list_keeps_posts_and_images_but_not_the_avatar(listed):
    pictured = replace(POST, author=replace(POST.author, avatar="media/aa/avatar.webp",
                                            url="https://ruhr.social.example/@kruemel"),
                       media=(Media(path="media/bb/brot.webp"),))
    other = replace(pictured, id="mastodon:ruhr.social.example:2",
                    author=replace(pictured.author, handle="baeckerei@ruhr.social.example", url=""))
    kept, untouched = without_withdrawn_pictures([pictured, other], Moderation(deny_avatars=(listed,)))
    assert kept.author.avatar == "" and kept.media == pictured.media and kept.text == pictured.text
    assert untouched == other
    assert moderate([kept], Moderation(deny_avatars=(listed,))) == [kept], "the posts stay on the wall"
