"""The safety net over pages made of shared parts: each part checked once, nothing let through."""

from __future__ import annotations

import pytest

from wall.composed import PLACE_END, PLACE_START, ROOT_MARK, Composed, Part, place
from wall.verify import SafetyNet, check_page

CSP = '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'">'
CARD = (f'<article class="post"><a href="{ROOT_MARK}beitrag/a/">A</a>'
        f'<img src="{ROOT_MARK}media/a.webp" alt=""></article>')
OTHER_CARD = CARD.replace("beitrag/a/", "beitrag/b/").replace("a.webp", "b.webp")


def page(*places: str, around: str = '<div class="posts">{}</div>') -> str:
    """A skeleton with the places inside `around`."""
    return f"<!doctype html><html><head>{CSP}</head><body><main>{around.format(''.join(places))}</main></body></html>"


def listing(root: str, *texts: str, around: str = '<div class="posts">{}</div>') -> Composed:
    return Composed(page(*(place(n) for n in range(len(texts))), around=around),
                    tuple(Part(text, root) for text in texts))


def test_a_page_of_good_parts_passes_and_reads_as_its_text():
    made = listing("../", CARD, OTHER_CARD)
    assert SafetyNet().problems("seite/1/index.html", made) == []
    text = str(made)
    assert '<a href="../beitrag/a/">' in text and '<img src="../media/b.webp"' in text and "wall-part" not in text
    assert check_page("seite/1/index.html", text) == []


@pytest.mark.parametrize("part, problem", [
    ('<p onclick="x()">a</p>', "<p onclick> is not allowed"),
    ('<img src="https://tracker.example/p.gif">', "loads from another host"),
    ('<img src="./a.webp" srcset="./a.webp 1x, https://tracker.example/p.gif 2x">', "loads from another host"),
    ('<a href="javascript:alert(1)">a</a>', "<a href> not allowed"),
    ("<script>alert(1)</script>", "<script> is allowed only"),
    ("<iframe></iframe>", "<iframe> is not allowed"),
    # Browsers drop tabs and newlines anywhere in a URL: '/\t/host' is '//host', another host.
    ('<img src="/\t/tracker.example/p.gif">', "loads from another host"),
    ('<a href="/\n/evil.example/">a</a>', "<a href> not allowed"),
    ('<link rel="stylesheet" href="/\t/evil.example/x.css">', "<link href> not allowed"),
    ('<form><button formaction="/\t/evil.example/x">b</button></form>', "<button formaction> loads from another host"),
    ('<a href="./a" ping="./x https://tracker.example/p">a</a>', "<a ping> loads from another host"),  # a list
    ('<meta http-equiv="refresh" content="0;url=https://evil.example">', "<meta http-equiv> not allowed"),
    ('<meta http-equiv="Set-Cookie" content="a=b">', "<meta http-equiv> not allowed"),
    # Only <meta charset="utf-8"> says the encoding: another one (ISO-2022-JP) turns bytes into markup.
    ('<meta http-equiv="Content-Type" content="text/html; charset=iso-2022-jp">', "<meta http-equiv> not allowed"),
])
def test_a_bad_part_is_caught_on_every_page_that_shows_it(part, problem):
    net = SafetyNet()
    for path in ("index.html", "seite/1/index.html"):  # not remembered as checked after failing
        problems = net.problems(path, listing("../" if "/" in path else "", CARD, part))
        assert any(problem in found for found in problems), problems


@pytest.mark.parametrize("text, allowed", [
    ('<a href="https://example.org/a">a</a>', True),
    ('<a href="http://example.org/a">a</a>', True),
    ('<a href="mailto:info@example.org?subject=a%20b">a</a>', True),
    ('<a href="HTTPS://example.org/a">a</a>', True),  # the long way: schemes are read in any case
    ('<a href="javascript:alert(1)//https://example.org/">a</a>', False),
    ('<a href=" https://example.org/a">a</a>', True),  # browsers skip the space
    ('<link rel="stylesheet" href="https://evil.example/x.css">', False),  # only a link may lead away
    ('<area href="https://example.org/a">', True),
    ('<a href>a</a>', True),  # no value at all: nothing to follow
    ('<img src="https://tracker.example/p.gif" alt="">', False),
])
def test_links_may_lead_to_other_sites_and_nothing_may_load_from_them(text, allowed):
    made = listing("", CARD, text)
    problems = SafetyNet().problems("index.html", made) + check_page("index.html", str(made))
    assert (problems == []) == allowed, problems


@pytest.mark.parametrize("part", [
    '<a title="',  # leaves an attribute open: the markup after it would be read as its value
    "<div>",  # leaves an element open
    "<!--",  # leaves a comment open
    "<textarea>",  # turns everything after it into text
    "</div></main><div>",  # closes elements of the page it sits in
])
def test_a_part_that_does_not_close_what_it_opens_is_refused(part):
    problems = SafetyNet().problems("index.html", listing("", CARD, part, CARD))
    assert any("shared part" in found for found in problems), problems


@pytest.mark.parametrize("around", [
    '<a title="{}">x</a>',  # inside an attribute
    "<title>{}</title>",  # inside text
    "<table><tr><td>{}</td></tr></table>",  # where the parser reads markup by other rules
    "<select>{}</select>",
    "<p>{}</p>",  # inside an element that is not a plain container
    "<ul><li>{}</li></ul>",
])
def test_a_place_must_be_a_plain_element_of_its_own(around):
    problems = SafetyNet().problems("index.html", listing("", CARD, around=around))
    assert problems, around


def test_a_part_checked_behind_one_folder_depth_is_checked_again_at_the_site_root():
    # Behind '../' the src stays on the site; at the root it would load from another host.
    part = f'<img src="{ROOT_MARK}//tracker.example/p.gif" alt="">'
    net = SafetyNet()
    assert net.problems("seite/1/index.html", listing("../", part)) == []
    assert net.problems("kategorie/a/seite/1/index.html", listing("../../", part)) == []
    assert any("loads from another host" in found for found in net.problems("index.html", listing("", part)))


def test_a_part_is_checked_again_once_it_left_the_window():
    net = SafetyNet(window=1)
    assert net.problems("a/index.html", listing("../", CARD)) == []
    assert net.problems("b/index.html", listing("../", OTHER_CARD)) == []
    # The first card left the window: checked again, in a place where it is wrong.
    assert net.problems("c/index.html", listing("../", CARD, around="<p>{}</p>"))


def test_a_malformed_place_is_refused():
    made = Composed(page(f"{PLACE_START}x{PLACE_END}"), (Part(CARD, ""),))
    assert SafetyNet().problems("index.html", made) == ["index.html: a place for a shared part is malformed"]


def test_the_marks_of_the_build_are_not_allowed_in_a_finished_page():
    assert check_page("index.html", page(str(place(0)))) == [
        "index.html: <wall-part> is a mark of the build, not allowed in a page"]


def test_a_policy_outside_the_head_does_not_count():
    text = f"<!doctype html><html><head></head><body>{CSP}</body></html>"
    assert check_page("index.html", text) == ["index.html: no Content-Security-Policy meta tag"]


@pytest.mark.parametrize("head, problems", [
    ('<meta http-equiv="Refresh" content="0;url=https://evil.example">',
     ["index.html: <meta http-equiv> not allowed: 'Refresh'"]),
    ('<link rel="stylesheet" href="/\t/evil.example/x.css">',
     ["index.html: <link href> not allowed: '/\\t/evil.example/x.css'"]),
    ('<meta http-equiv="content-type" content="text/html; charset=utf-8">', []),
    ('<link rel="stylesheet" href="static/wall.css">', []),
])
def test_the_head_is_checked_like_the_body(head, problems):
    text = f"<!doctype html><html><head>{CSP}{head}</head><body><main></main></body></html>"
    assert check_page("index.html", text) == problems


@pytest.mark.parametrize("hiding, hidden", [
    # A form left open keeps the parser's form pointer set: a second <form> is then dropped, with its action.
    ('<div><form></div>', '<form action="https://evil.example/x"><button>b</button></form>'),
    # <body> and <html> tags in the body only add the attributes the element does not have yet.
    ('<body background="./a.gif">', '<body background="https://tracker.example/p.gif">'),
    ('<HTML data="./a">', '<html data="https://tracker.example/m">'),
    # The root mark between '<' and the tag's name: '<form' only once the part is shown at the root.
    (f'<div><{ROOT_MARK}form></div>', f'<{ROOT_MARK}form action="https://evil.example/x"><button>b</button></form>'),
])
def test_a_part_is_not_hidden_by_another_part_on_the_page_where_it_is_checked(hiding, hidden):
    # Checked once after the first part, the second would be shown unchecked on pages without it.
    net = SafetyNet()
    net.problems("index.html", listing("", hiding, hidden))
    problems = net.problems("impressum/index.html", listing("", hidden))
    assert problems, "a shared part that reads differently on other pages went unchecked"


@pytest.mark.parametrize("made", [
    # A part that ends in '<' passes where it is checked (its end mark follows), but in the page
    # the '<' and the text after it make a tag: here the next part's.
    listing("", "<", 'img src="https://tracker.example/p.gif" alt="">'),
    # The same with the '<' in the skeleton just before a place.
    listing("", 'img src="https://tracker.example/p.gif" alt="">', around='<div class="posts">x<{}</div>'),
])
def test_a_tag_is_not_made_across_the_edge_of_a_part(made):
    assert check_page("index.html", str(made))  # the page as written loads from another host
    assert SafetyNet().problems("index.html", made), "a tag made across the edge of a part went unchecked"


def test_a_part_does_not_end_the_form_the_skeleton_left_open():
    # A </form> resets the parser's form pointer: the skeleton's second <form> is then no longer dropped.
    net = SafetyNet()
    net.problems("index.html", listing("", "</form>"))  # harmless here: no form open
    around = '<div><form></div><div class="posts">{}</div><form action="https://evil.example/x"><button>b</button></form>'
    made = listing("", "</form>", around=around)
    assert check_page("suche/index.html", str(made))
    assert net.problems("suche/index.html", made), "a part that ends the skeleton's form went unchecked"


def test_a_frameset_in_a_part_is_refused_even_where_the_parser_drops_it():
    # After an explicit <body> (or any text) the parser drops a <frameset>; before them it replaces the body.
    part = '<frameset onload="x()">'
    net = SafetyNet()
    net.problems("index.html", listing("", part))
    made = Composed(f"<!doctype html><html><head>{CSP}</head><main>{place(0)}</main></html>", (Part(part, ""),))
    assert check_page("impressum/index.html", str(made))
    assert net.problems("impressum/index.html", made), "a <frameset> dropped where it was checked went unchecked"


FORGED = '<wall-part-start data-n="1"></wall-part-start><wall-part-end data-n="1"></wall-part-end>'
EVIL_IMAGE = '<img src="https://tracker.example/p.gif" alt="">'
HIDING = '<a title="--><img src=https://tracker.example/p.gif>">a</a>'  # breaks out of a comment around it


@pytest.mark.parametrize("first", [
    # Marks written by a part or by the skeleton stand for a part that is not in the page:
    # the net took it as checked.
    Composed(page(str(place(0))), (Part(FORGED, ""), Part(EVIL_IMAGE, ""))),
    Composed(page(str(place(0)) + FORGED), (Part(CARD, ""), Part(EVIL_IMAGE, ""))),
])
def test_a_part_is_not_taken_as_checked_by_marks_the_build_did_not_make(first):
    net = SafetyNet()
    assert check_page("index.html", str(first))  # the forged marks are in the page
    assert net.problems("index.html", first), "forged marks passed"
    assert net.problems("impressum/index.html", listing("", EVIL_IMAGE)), "a part never checked went unchecked"


@pytest.mark.parametrize("second_place", [str(place(0)), '<WALL-PART data-n="0"></wall-part>'])
def test_a_part_has_one_place_and_a_hidden_one_does_not_count(second_place):
    # The part's first place is in a comment, where the net sees no mark; the second, seen, stands
    # in for it.  In the page the part ends the comment early and the rest of it is markup.
    net = SafetyNet()
    assert net.problems("index.html", listing("", HIDING)) == []  # harmless as an attribute
    made = listing("", HIDING, around="<div><!--{}-->" + second_place + "</div>")
    assert check_page("archiv/index.html", str(made))
    assert net.problems("archiv/index.html", made), "a part in a comment went unchecked"


@pytest.mark.parametrize("attribute", [
    'attributionsrc="https://tracker.example/r"',  # Chrome fetches it: a loading attribute the net did not know
    'lowsrc="https://tracker.example/p.gif"',
    'dynsrc="https://tracker.example/v.avi"',
])
def test_an_attribute_the_templates_never_write_is_refused(attribute):
    # A list of what loads can never be complete; the attributes the templates write can.
    problems = check_page("index.html", page(f'<img src="./a.webp" alt="" {attribute}>'))
    assert any("not an attribute the wall's templates write" in found for found in problems), problems


def test_the_attributes_the_templates_write_pass():
    markup = ('<video controls preload="none" src="./v.mp4" aria-describedby="x"></video>'
              '<form action="./" method="get" data-index="index.json"><input autocomplete="off" spellcheck="false">'
              '</form><p dir="auto">a</p><script defer src="./static/a.js"></script>')
    assert check_page("index.html", page(markup)) == []
