"""Archive pages that stay put: cut by the posts themselves, so a post arriving or going moves no other."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from wall.pagination import paginate, sort_newest_first

START = datetime(2020, 3, 16, 8, 0, tzinfo=timezone.utc)


@dataclass(frozen=True)
class FakePost:
    """What paginate reads of a post: its id and when it was published."""

    id: str
    published: datetime


def posts_every(hours: float, count: int, prefix: str = "post") -> list[FakePost]:
    """count posts, one every `hours`, newest first like the wall."""
    made = [FakePost(f"{prefix}-{n:04d}", START + timedelta(hours=hours * n)) for n in range(count)]
    return sort_newest_first(made)


def pages_of(posts, per_page=10, shows=None) -> dict[str, list]:
    return {page.path: page.posts for page in paginate(posts, per_page, "", shows)}


@pytest.mark.parametrize("count", [0, 1, 5, 9, 10, 11, 19, 20, 21, 47, 300])
def test_every_post_is_on_exactly_one_page_and_pages_are_neither_tiny_nor_huge(count):
    posts = posts_every(5, count)
    pages = paginate(posts, 10, "")
    assert sorted(post.id for page in pages for post in page.posts) == sorted(post.id for post in posts)
    assert min(count, 10) <= len(pages[0].posts) < 30  # a page's worth whenever there is one, not three
    assert all(5 <= len(page.posts) <= 20 for page in pages[1:])
    for page in pages:
        assert page.posts == sorted(page.posts, key=lambda post: post.published, reverse=True)
    if count == 300:
        assert 20 <= len(pages) <= 45  # about ten posts a page


def test_archive_pages_are_named_after_the_minute_of_their_newest_post_in_essen():
    posts = posts_every(1, 400)
    archive = paginate(posts, 10, "kategorie/angebot/")[1:]
    assert len(archive) > 20
    for page in archive:  # the posts run past the switch to summer time on 29 March 2020
        assert page.name == f"{page.posts[0].published.astimezone(ZoneInfo('Europe/Berlin')):%Y-%m-%d-%H%M}"
        assert page.path == f"kategorie/angebot/seite/{page.name}/"


def test_pages_ending_in_the_same_minute_get_a_number():
    same_minute = sort_newest_first(FakePost(f"post-{n:04d}", START) for n in range(200))
    names = [page.name for page in paginate(same_minute, 10, "")[1:]]
    assert names[:3] == ["2020-03-16-0900", "2020-03-16-0900-2", "2020-03-16-0900-3"]
    assert len(set(names)) == len(names)


def test_links_run_from_the_first_page_through_every_archive_page_and_back():
    front, *archive = paginate(posts_every(5, 200), 10, "")  # the archive oldest first
    newest_first = archive[::-1]
    assert front.newer is None and front.older == newest_first[0].path
    for newer, page, older in zip([front] + newest_first, newest_first, newest_first[1:] + [None]):
        assert page.newer == newer.path and page.older == (older.path if older else None)
        assert newer.posts[-1].published > page.posts[0].published


def test_new_posts_change_no_archive_page():
    posts = posts_every(5, 200)
    before = pages_of(posts)
    assert len(before) > 10
    for extra in range(1, 60):
        after = pages_of(posts_every(5, 200 + extra))
        assert {path: after[path] for path in before if path and path in after} == \
            {path: before[path] for path in before if path and path in after}
        assert all(path in after for path in before if path), "no archive page disappears"
        before = after


def test_a_post_dated_back_changes_the_page_it_lands_on_and_almost_no_other():
    posts = posts_every(5, 1000)
    before = pages_of(posts)
    assert len(before) > 50
    changed_counts = []
    for position in range(0, 1000, 7):
        old_post = FakePost(f"late-{position}", posts[position].published - timedelta(minutes=1))
        after = pages_of(sort_newest_first(posts + [old_post]))
        changed = [path for path in before.keys() | after.keys() if path and before.get(path) != after.get(path)]
        changed_counts.append(len(changed))
        assert any(old_post in after.get(path, []) for path in changed) or old_post in after[""]
    # Where a page holding 2 * per_page posts had to be cut by count, the next one moves too: rarely a few.
    assert max(changed_counts) <= 12
    assert sum(changed_counts) / len(changed_counts) < 2.5  # cutting by count: 50 pages on average


def test_a_removed_post_changes_its_own_page_and_almost_no_other():
    posts = posts_every(5, 1000)
    before = pages_of(posts)
    assert len(before) > 50
    for position in range(0, 1000, 11):
        after = pages_of(posts[:position] + posts[position + 1:])
        changed = [path for path in before.keys() | after.keys() if path and before.get(path) != after.get(path)]
        assert len(changed) <= 12, position


def test_hidden_posts_keep_their_places_so_no_other_post_changes_page():
    posts = posts_every(5, 300)
    before = pages_of(posts)
    assert len(before) > 20
    hidden = set(random.Random(3).sample(posts, 4))
    after = pages_of(posts, shows=lambda post: post not in hidden)
    changed = {path for path in before if before[path] != after.get(path)}
    assert changed == {path for path, shown in before.items() if hidden & set(shown)}
    assert sorted(post.id for shown in after.values() for post in shown) == \
        sorted(post.id for post in posts if post not in hidden)


def test_an_archive_page_left_empty_is_left_out_and_its_neighbours_link_past_it():
    posts = posts_every(5, 300)
    full = paginate(posts, 10, "")
    emptied = set(full[3].posts) | set(full[5].posts)
    pages = paginate(posts, 10, "", lambda post: post not in emptied)
    paths = [page.path for page in pages]
    assert paths == [page.path for index, page in enumerate(full) if index not in (3, 5)]
    # The archive runs oldest first: full[4] sits between the emptied full[3] and full[5].
    assert pages[3].older == full[2].path and pages[2].newer == full[4].path
    assert pages[3].newer == full[6].path


def test_a_wall_smaller_than_a_page_is_one_page():
    pages = paginate(posts_every(5, 7), 10, "")
    assert len(pages) == 1 and len(pages[0].posts) == 7 and pages[0].older is None
