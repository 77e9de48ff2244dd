"""The built wall, checked structurally: what a visitor sees on each kind of page."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import parse_qs, unquote, urljoin, urlsplit

import pytest
from bs4 import BeautifulSoup

from wall.dates import german_span, local
from wall.feeds import LATER_WORDS, SEARCH_TEXT, later_words
from wall.pagination import sort_newest_first
from wall.pipeline import build
from wall.platforms import network_labels
from wall.store import load_content
from wall.text import excerpt

from .conftest import FIXTURE_SITE, ROOT, sitemap_parts
from .test_incremental import add, make_wall

STATIC = ROOT / "static"
BASE = "https://www.ewg.de/essenarbeitetzusammen/"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("built") / "site"
    build(FIXTURE_SITE / "config.yaml", FIXTURE_SITE / "content", out, demo_dir=None, static=STATIC)
    return out


def page(site: Path, relative: str) -> BeautifulSoup:
    return BeautifulSoup((site / relative).read_text(encoding="utf-8"), "html.parser")


def card(soup: BeautifulSoup, slug: str):
    return soup.find("article", attrs={"aria-labelledby": f"titel-{slug}"})


def test_wall_lists_approved_posts_newest_first_with_pinned_on_top(site):
    soup = page(site, "index.html")
    pinned = soup.find("section", attrs={"aria-labelledby": "hervorgehoben"})
    newest = soup.find("section", attrs={"aria-labelledby": "beitraege"})
    assert [a["aria-labelledby"] for a in pinned.find_all("article")] == ["titel-x-1240000000000000001"]
    assert [a["aria-labelledby"] for a in newest.find_all("article")] == ["titel-manual-ewg-1"]
    older, folder = [], site
    while (link := soup.find("a", rel="next")) is not None:  # "Ältere Beiträge", one post a page here
        folder = (folder / link["href"]).resolve()
        soup = BeautifulSoup((folder / "index.html").read_text(encoding="utf-8"), "html.parser")
        older += [a["aria-labelledby"] for a in soup.find_all("article")]
    assert older == ["titel-x-1240000000000000001", "titel-bluesky-3kabc",  # pinned, and in its place
                     "titel-mastodon-ruhr.social.example-1001-2aecf2c8"]
    assert folder == (site / "seite/2020-03-23-0915").resolve()  # named after the minute of its newest post


def test_the_archive_names_every_month_with_posts_and_leads_to_its_newest_post(tmp_path):
    wall = make_wall(tmp_path, 0)  # five posts a page
    months = {(2020, 2): 4, (2020, 3): 13, (2020, 5): 1, (2021, 1): 7}  # (year, month) -> posts shown
    number = 0
    for (year, month), count in months.items():
        for day in range(count):
            add(wall, number, published=datetime(year, month, 2 + day, 9, tzinfo=timezone.utc))
            number += 1
    # 1 March in Essen, still February in UTC; a rejected post alone in April; one awaiting approval
    add(wall, number, published=datetime(2020, 2, 29, 23, 30, tzinfo=timezone.utc))
    add(wall, number + 1, published=datetime(2020, 4, 9, tzinfo=timezone.utc), status="rejected")
    add(wall, number + 2, published=datetime(2020, 6, 9, tzinfo=timezone.utc), status="pending")
    months[(2020, 3)] += 1
    out = tmp_path / "site"
    build(wall / "config.yaml", wall / "content", out, demo_dir=None, static=STATIC)

    archive = page(out, "archiv/index.html")
    assert [h2.get_text() for h2 in archive.find("main").find_all("h2")] == ["2021", "2020"]
    links = archive.select(".archive-months a")
    assert [a.find(class_="month").get_text() for a in links] == ["Januar 2021", "Mai 2020", "März 2020",
                                                                   "Februar 2020"]
    assert [a.find(class_="count").get_text() for a in links] == ["7 Beiträge", "1 Beitrag", "14 Beiträge",
                                                                   "4 Beiträge"]
    assert archive.find(class_="summary").get_text().startswith("26 Beiträge")
    assert archive.find("a", attrs={"aria-current": "page"}).get_text() == "Archiv"
    shown = sort_newest_first(post for post in load_content(wall / "content", ["angebot", "gesuch"]).posts
                              if post.status == "approved")
    for link, (year, month) in zip(links, sorted(months, reverse=True)):
        newest = next(post for post in shown if (local(post.published).year, local(post.published).month)
                      == (year, month))
        target, _, fragment = urljoin("https://wall.example/archiv/", link["href"]).partition("#")
        holding = page(out, urlsplit(target).path.lstrip("/") + "index.html")
        assert fragment == f"titel-{newest.slug}" and holding.find(id=fragment) is not None, link
    front = page(out, "index.html").find("a", string="Archiv")
    assert front["href"] == "archiv/" and not front.has_attr("aria-current")


def test_the_archive_of_a_wall_with_nothing_shown_says_so(tmp_path):
    wall = make_wall(tmp_path, 0)
    add(wall, 1, status="pending")
    build(wall / "config.yaml", wall / "content", tmp_path / "site", demo_dir=None, static=STATIC)
    main = page(tmp_path / "site", "archiv/index.html").find("main")
    assert main.find(class_="empty") is not None and main.find(class_="summary") is None
    assert main.find("h2") is None


def test_pending_post_appears_nowhere(site):
    assert not (site / "beitrag/rss-news-42").exists()
    read = 0
    for path in site.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".xml", ".json"):
            assert "Noch nicht freigegeben" not in path.read_text(encoding="utf-8"), path
            read += 1
    assert read > 10


def test_card_shows_author_platform_date_text_and_image(site):
    article = card(page(site, "seite/2020-03-23-0915/index.html"), "mastodon-ruhr.social.example-1001-2aecf2c8")
    assert article.find(class_="post-author").get_text() == "Backstube Krümel"
    assert article.find(class_="platform").get_text() == "Mastodon"
    assert article.find("time")["datetime"] == "2020-03-23T09:15:00+01:00"
    assert article.find("time").get_text() == "23. März 2020"
    assert article.find(class_="post-text")["lang"] == "de"
    links = {a.get_text(): a["href"] for a in article.find(class_="post-text").find_all("a")}
    assert links == {
        "#Essen": "https://ruhr.social.example/tags/Essen",
        "@anna@ruhr.social.example": "https://ruhr.social.example/@anna",
        "baeckerei-kruemel.example/angebot": "https://baeckerei-kruemel.example/angebot",
        "#EssenArbeitetZusammen": "https://ruhr.social.example/tags/EssenArbeitetZusammen",
    }
    assert len(article.find(class_="post-text").find_all("br")) == 1
    image = article.find(class_="post-media").find("img")
    assert (image["src"], image["alt"], image["width"], image["height"], image["loading"]) == (
        "../../media/0a/0a1b2c3d.webp", "Brote im Regal", "8", "6", "lazy")
    assert (site / "media/0a/0a1b2c3d.webp").is_file()


def test_every_outside_link_carries_rel_nofollow_ugc_noopener_noreferrer(site):
    checked = 0
    for path in site.rglob("*.html"):
        for link in page(site, str(path.relative_to(site))).find_all("a", href=True):
            if urlsplit(link["href"]).scheme in ("http", "https"):
                assert set(link.get("rel", [])) >= {"nofollow", "ugc", "noopener", "noreferrer"}, (path, link)
                checked += 1
    assert checked > 20


def test_contact_and_removal_links_name_the_post_and_its_permalink(site):
    for soup in (page(site, "seite/2020-03-24-1100/index.html"), page(site, "beitrag/bluesky-3kabc/index.html")):
        article = card(soup, "bluesky-3kabc")
        contact = urlsplit(article.find("a", class_="contact")["href"])
        removal = urlsplit(article.find("a", class_="removal")["href"])
        assert contact.scheme == removal.scheme == "mailto"
        assert contact.path == removal.path == "info@ewg.de"
        query = parse_qs(contact.query)
        assert query["subject"] == ["#EssenArbeitetZusammen: Kontakt zum Beitrag von Druckerei Altenessen "
                                    "· Bluesky · 24. März 2020"]
        assert f"{BASE}beitrag/bluesky-3kabc/" in query["body"][0]
        assert "https://bsky.app/profile/druck.example/post/3kabc" in query["body"][0]
        assert "\r\n" in query["body"][0]
        removal_query = parse_qs(removal.query)
        assert "Entfernung beantragen" in removal_query["subject"][0]
        assert "Druckerei Altenessen" in removal_query["subject"][0]
        assert f"{BASE}beitrag/bluesky-3kabc/" in removal_query["body"][0]


def test_content_warning_keeps_text_collapsed(site):
    article = card(page(site, "index.html"), "manual-ewg-1")
    details = article.find("details")
    assert "Corona-Fallzahlen" in details.find("summary").get_text()
    assert details.find(class_="post-text")["lang"] == "en"
    assert not details.has_attr("open")


def test_platform_and_category_pages(site):
    angebot = page(site, "kategorie/angebot/index.html")
    assert angebot.find("h1").get_text() == "Angebot"
    assert [a["aria-labelledby"] for a in angebot.find_all("article")] == ["titel-x-1240000000000000001"]
    older = page(site, "kategorie/angebot/seite/2020-03-23-0915/index.html")  # one post a page in this wall
    assert older.find("h1").get_text(" ", strip=True) == "Angebot – 23. März 2020"
    assert [a["aria-labelledby"] for a in older.find_all("article")] == [
        "titel-mastodon-ruhr.social.example-1001-2aecf2c8"]
    bluesky = page(site, "plattform/bluesky/index.html")
    assert [a["aria-labelledby"] for a in bluesky.find_all("article")] == ["titel-bluesky-3kabc"]
    assert not (site / "plattform/rss").exists()
    current = page(site, "kategorie/gesuch/index.html").find("a", attrs={"aria-current": "page"})
    assert current.get_text(" ", strip=True) == "Gesuch"
    assert "1 Beitrag" in page(site, "kategorie/gesuch/index.html").find(class_="summary").get_text()


def test_alle_leads_back_from_a_filter_to_all_posts(site):
    # Kategorien start with "Alle": the way back to all posts from a category or platform.
    for path, root in (("kategorie/gesuch/index.html", "../../"), ("plattform/x/index.html", "../../"),
                       ("beitrag/bluesky-3kabc/index.html", "../../"), ("index.html", "./"),
                       ("seite/2020-03-23-0915/index.html", "../../"), ("impressum/index.html", "../")):
        rows = page(site, path).find("nav", class_="filters").find_all("ul")
        first = rows[0].find("a")
        assert (first.get_text(), first["href"]) == ("Alle", root), path
        assert "Alle" not in [a.get_text() for a in rows[1].find_all("a")]
        current = [a.get_text() for a in rows[0].find_all("a", attrs={"aria-current": "page"})]
        assert current == (["Alle"] if path.startswith(("index", "seite")) else ["Gesuch"] if "gesuch" in path else [])
    assert page(site, "404.html").find("nav", class_="filters").find("a", attrs={"aria-current": "page"}) is None


def test_a_page_in_leichte_sprache_is_linked_at_the_top_of_every_page(site, site_src, tmp_path):
    assert not [a for a in page(site, "index.html").find(class_="site-links").find_all("a")
                if "leichte-sprache" in a["href"]], "no link without the page"
    (site_src / "content/pages/leichte-sprache.md").write_text(
        "---\ntitle: Leichte Sprache\n---\n\nDiese Seite ist in Leichter Sprache.\n", encoding="utf-8")
    out = tmp_path / "out"
    build(site_src / "config.yaml", site_src / "content", out, demo_dir=None, static=STATIC)
    for path, root in (("index.html", ""), ("beitrag/bluesky-3kabc/index.html", "../../"),
                       ("seite/2020-03-23-0915/index.html", "../../"), ("impressum/index.html", "../"),
                       ("leichte-sprache/index.html", "../"), ("404.html", "/essenarbeitetzusammen/")):
        links = page(out, path).find(class_="site-links").find_all("a")
        assert [(a.get_text(), a["href"]) for a in links][-1] == ("Leichte Sprache", f"{root}leichte-sprache/"), path
        current = [a.get_text() for a in links if a.get("aria-current") == "page"]
        assert current == (["Leichte Sprache"] if path.startswith("leichte") else []), path


def test_editor_page_escapes_raw_html_and_drops_script_links(site):
    soup = page(site, "impressum/index.html")
    assert soup.find("h1").get_text() == "Impressum"
    assert soup.find("script") is None
    assert not any(a["href"].startswith("javascript") for a in soup.find_all("a", href=True))
    assert "<script>alert(1)</script>" in soup.find(class_="prose").get_text()


def test_every_page_has_csp_first_referrer_and_footer_links(site):
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 10
    for path in pages:
        soup = page(site, str(path.relative_to(site)))
        head = [tag for tag in soup.head.children if getattr(tag, "name", None)]
        assert head[0].get("charset") == "utf-8"
        assert head[1].get("http-equiv") == "Content-Security-Policy"
        assert "default-src 'none'" in head[1]["content"] and "unsafe-inline" not in head[1]["content"]
        assert soup.find("meta", attrs={"name": "referrer"})["content"] == "no-referrer"
        footer = soup.find("footer", class_="site-footer")
        assert "Impressum" in [a.get_text() for a in footer.find_all("a")]


def test_stand_comes_from_the_newest_post_not_the_clock(site):
    summary = page(site, "index.html").find(class_="summary")
    assert summary.find("time").get_text() == "27. März 2020"


def resolve_local(site: Path, page_path: Path, href: str, root_path: str) -> Path | None:
    """The file a same-site link leads to, None for links elsewhere."""
    if urlsplit(href).scheme or href.startswith("#"):
        return None
    if href.startswith("/"):
        assert href.startswith(root_path), href
        target = site / unquote(href[len(root_path):].split("?")[0])
    else:
        url = urljoin("/" + str(page_path.relative_to(site)), href.split("?")[0].split("#")[0])
        target = site / unquote(url.lstrip("/"))
    return target / "index.html" if target.is_dir() or url_is_dir(href) else target


def url_is_dir(href: str) -> bool:
    return href.split("?")[0].endswith("/") or href in ("", "./")


@pytest.mark.parametrize("base_url", [BASE, "https://wall.example/"])
def test_every_internal_link_resolves_under_a_sub_path_and_at_root(tmp_path, base_url):
    config = (FIXTURE_SITE / "config.yaml").read_text(encoding="utf-8").replace(BASE, base_url)
    (tmp_path / "config.yaml").write_text(config, encoding="utf-8")
    out = tmp_path / "site"
    build(tmp_path / "config.yaml", FIXTURE_SITE / "content", out, demo_dir=None, static=STATIC)
    root_path = urlsplit(base_url).path
    checked = 0
    for path in out.rglob("*.html"):
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        for tag, attribute in (("a", "href"), ("link", "href"), ("img", "src"), ("script", "src")):
            for element in soup.find_all(tag, attrs={attribute: True}):
                target = resolve_local(out, path, element[attribute], root_path)
                if target is not None:
                    assert target.is_file(), (path, element[attribute])
                    checked += 1
    assert checked > 100
    assert page(out, "404.html").find("a", string="Zur Startseite der Wall")["href"] == root_path


def test_feeds_sitemap_and_robots(site):
    atom = ET.parse(site / "feed.xml").getroot()
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = atom.findall("a:entry", ns)
    assert [e.find("a:id", ns).text for e in entries] == [
        f"{BASE}beitrag/manual-ewg-1/", f"{BASE}beitrag/x-1240000000000000001/",
        f"{BASE}beitrag/bluesky-3kabc/", f"{BASE}beitrag/mastodon-ruhr.social.example-1001-2aecf2c8/"]
    assert atom.find("a:updated", ns).text == "2020-03-27T10:00:00+01:00"
    feed = json.loads((site / "feed.json").read_text(encoding="utf-8"))
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert [item["id"] for item in feed["items"]] == [e.find("a:id", ns).text for e in entries]
    assert feed["items"][3]["image"] == f"{BASE}media/0a/0a1b2c3d.webp"
    listed = [path for paths in sitemap_parts(site, BASE).values() for path in paths]
    pages = sorted(str(path.parent.relative_to(site)) + "/" for path in site.rglob("index.html"))
    assert sorted(listed) == [path.removeprefix("./") for path in pages if path != "wall/"]  # every page once
    robots = {path: page(site, path + "index.html").find("meta", attrs={"name": "robots"}) for path in pages}
    assert [path for path, meta in robots.items() if meta] == ["wall/"]  # the screen mode: not for search results
    assert robots["wall/"]["content"] == "noindex"
    assert {"", "seite/2020-03-23-0915/", "impressum/", "kategorie/angebot/", "beitrag/bluesky-3kabc/"} <= set(listed)
    assert f"Sitemap: {BASE}sitemap.xml" in (site / "robots.txt").read_text(encoding="utf-8")


def test_link_previews_use_self_hosted_images(site):
    post_page = page(site, "beitrag/mastodon-ruhr.social.example-1001-2aecf2c8/index.html")
    assert post_page.find("meta", property="og:image")["content"] == f"{BASE}media/0a/0a1b2c3d.webp"
    assert post_page.find("meta", property="og:title")["content"].startswith("Beitrag von Backstube Krümel")
    front = page(site, "index.html")
    assert front.find("meta", property="og:image")["content"] == f"{BASE}static/vorschau.png"
    assert front.find("meta", attrs={"name": "twitter:card"})["content"] == "summary_large_image"
    for path in site.rglob("*.html"):
        image = page(site, str(path.relative_to(site))).find("meta", property="og:image")["content"]
        assert image.startswith(BASE), (path, image)


def test_related_offers_appear_on_the_newer_need(site_src, tmp_path):
    from .conftest import write
    write(site_src / "content/posts/manual/suche-papier.yaml",
          "id: manual:suche-papier\nplatform: manual\nurl: https://firma.example/papier\nauthor:\n  name: Papierhaus\n"
          "published: '2020-03-30T10:00:00+02:00'\nstatus: approved\ncategory: angebot\n"
          "text: Wir liefern Papier an Druckereien #Papier\nhashtags: [Papier]\n")
    write(site_src / "content/posts/bluesky/3kabc.yaml", (site_src / "content/posts/bluesky/3kabc.yaml")
          .read_text(encoding="utf-8").replace("2020-03-24", "2020-03-31")
          .replace('"Wir suchen Papierlieferanten. #EssenArbeitetZusammen"',
                   '"Wir suchen Papier. #Papier #EssenArbeitetZusammen"\nhashtags: [Papier]'))
    build(site_src / "config.yaml", site_src / "content", tmp_path / "out", demo_dir=None, static=STATIC)
    need = page(tmp_path / "out", "beitrag/bluesky-3kabc/index.html").find("section", class_="related")
    assert need.find("h2").get_text() == "Passende Angebote"
    assert [a.get_text() for a in need.find_all("a")] == ["Papierhaus"]
    # Separated as in the search results, not "Papierhaus Angebot Direkt eingereicht, 30. März 2020".
    assert need.find("li").get_text(" ", strip=True).startswith("Papierhaus Angebot · Direkt eingereicht · 30. März 2020")


def test_large_images_come_with_a_small_copy_for_phones(site_src, tmp_path):
    from PIL import Image
    from .conftest import webp_bytes, write
    write(site_src / "content/media/0a/0a1b2c3d.webp", webp_bytes(1200, 900))
    post = site_src / "content/posts/mastodon/ruhr.social.example-1001-2aecf2c8.yaml"
    post.write_text(post.read_text(encoding="utf-8").replace("width: 8\n    height: 6",
                                                             "width: 1200\n    height: 900"), encoding="utf-8")
    out = tmp_path / "out"
    build(site_src / "config.yaml", site_src / "content", out, demo_dir=None, static=STATIC)
    image = page(out, "seite/2020-03-23-0915/index.html").find(class_="post-media").find("img")
    assert image["srcset"] == ("../../media/0a/0a1b2c3d-640w.webp 640w, "
                               "../../media/0a/0a1b2c3d.webp 1200w")
    with Image.open(out / "media/0a/0a1b2c3d-640w.webp") as small:
        assert small.size == (640, 480) and small.format == "WEBP"
    avatar = page(out, "seite/2020-03-23-0915/index.html").find("img", class_="avatar")
    assert avatar["src"] == "../../media/0a/0a1b2c3d.webp" and not avatar.has_attr("srcset")


def test_the_front_page_and_the_pages_name_every_network_the_wall_reads(site):
    # The intro is rendered from the platform registry; the Markdown pages are checked against it.
    networks = network_labels()
    assert "Threads" in networks and "X (Twitter)" in networks
    intro = page(site, "index.html").find(class_="intro").find("p").get_text()
    assert f"auf {', '.join(networks)} und in eigenen Nachrichten" in intro
    pages = {name: (ROOT / f"content/pages/{name}.md").read_text(encoding="utf-8") for name in ("ueber", "datenschutz")}
    source = pages["datenschutz"].split("### Quelle der Daten", 1)[1].split("\n#", 1)[0]  # GDPR Art. 14
    for name, text in (("ueber", pages["ueber"]), ("datenschutz: Quelle der Daten", source)):
        assert [network for network in networks if network not in text] == [], name
        assert "früher Twitter" not in text and "X," not in text, name


def test_posts_sent_in_directly_are_labelled_so_under_their_old_address(site):
    # "Eingereicht" alone read like a participle; the address plattform/manual/ stays as it was.
    listing = page(site, "plattform/manual/index.html")
    assert listing.find("h1").get_text(strip=True) == "Direkt eingereicht"
    chip = page(site, "index.html").find("a", href="plattform/manual/")
    assert chip.get_text() == "Direkt eingereicht"
    assert page(site, "beitrag/manual-ewg-1/index.html").find(class_="platform").get_text() == "Direkt eingereicht"


def test_titles_name_the_wall_and_read_as_german_without_nested_brackets(site):
    # Found in an audit: the front page was titled "Alle Beiträge", archive pages read
    # "Alle Beiträge – 28. März – 23. April 2020 – …" and posts "(X (Twitter))".
    def titles(path: str) -> tuple[str, str]:
        soup = page(site, path)
        return soup.title.get_text(), soup.find("meta", property="og:title")["content"]
    assert titles("index.html") == ("Essen arbeitet zusammen – #EssenArbeitetZusammen", "Essen arbeitet zusammen")
    assert titles("seite/2020-03-24-1100/index.html")[1] == "Alle Beiträge vom 24. März 2020"
    assert titles("beitrag/x-1240000000000000001/index.html") == (
        "Beitrag von Zollwerk IT · X (Twitter) – #EssenArbeitetZusammen", "Beitrag von Zollwerk IT · X (Twitter)")
    subject = parse_qs(urlsplit(card(page(site, "index.html"), "x-1240000000000000001")
                                .find("a", class_="removal")["href"]).query)["subject"][0]
    assert subject == ("#EssenArbeitetZusammen: Entfernung beantragen – Beitrag von Zollwerk IT · X (Twitter) · "
                       "25. März 2020")


@pytest.mark.parametrize("first, last, expected", [
    ("2020-03-24T09:00:00+01:00", "2020-03-24T18:00:00+01:00", "vom 24. März 2020"),
    ("2020-03-20T09:00:00+01:00", "2020-03-24T09:00:00+01:00", "vom 20. bis 24. März 2020"),
    ("2020-03-28T09:00:00+01:00", "2020-04-23T09:00:00+02:00", "vom 28. März bis 23. April 2020"),
    ("2020-12-30T09:00:00+01:00", "2021-01-04T09:00:00+01:00", "vom 30. Dezember 2020 bis 4. Januar 2021"),
])
def test_a_span_of_dates_in_a_title_reads_from_and_to(first, last, expected):
    assert german_span(datetime.fromisoformat(first), datetime.fromisoformat(last)) == expected



def test_a_long_text_is_cut_on_cards_and_shown_whole_on_its_own_page(tmp_path):
    from wall.views import CARD_TEXT
    wall = make_wall(tmp_path, 0)
    link = "https://firma.example/" + "pfad/" * 20
    long = ("Wir bieten Hilfe beim Umzug. " * 20)[: CARD_TEXT - 40] + f" mehr unter {link} und " + "viel Text " * 200
    add(wall, 1, text=long)
    add(wall, 2, text="Wir suchen Kisten.")
    build(wall / "config.yaml", wall / "content", wall / "site", demo_dir=None, static=ROOT / "static")
    front = BeautifulSoup((wall / "site/index.html").read_text(encoding="utf-8"), "html.parser")
    cut, short = (front.find("article", attrs={"aria-labelledby": f"titel-{slug}"}) for slug in ("bluesky-1", "x-2"))
    shown = cut.select_one(".post-text").get_text(" ", strip=True)
    assert len(shown) < CARD_TEXT + 60 and "…" in shown and "viel Text viel" not in shown
    assert [a["href"] for a in cut.select(".post-text a") if "firma.example" in a["href"]] in ([], [link]), \
        "a link is shown whole or not at all"
    assert cut.select_one(".read-more a")["href"] == "beitrag/bluesky-1/"
    assert short.select_one(".read-more") is None and short.select_one(".post-text").get_text(strip=True) == \
        "Wir suchen Kisten."
    own = BeautifulSoup((wall / "site/beitrag/bluesky-1/index.html").read_text(encoding="utf-8"), "html.parser")
    assert own.select_one(".read-more") is None
    assert own.select_one(".post-text").get_text(" ", strip=True).count("viel Text") == 200


def test_the_search_index_adds_the_words_beyond_its_excerpt_each_once_and_within_a_cap():
    text = "Wir bieten Werkzeug. " + "Wir reparieren alles, was Räder hat. " * 12 + "Auch Schubkarren, 45127 Essen, Öl!"
    shown = excerpt(text, SEARCH_TEXT)
    assert later_words(text, shown) == "Auch Schubkarren 45127 Essen", "new words of three letters or more, once"
    assert later_words("Kurz und gut.", "Kurz und gut.") == ""
    assert later_words("Kurz. Dann Fu\u00adß\u200bball", "Kurz.") == "Dann Fußball", "one word, as a visitor types it"
    endless = " ".join(f"Wort{number}" for number in range(1_000))
    capped = later_words(endless, "")
    assert LATER_WORDS - 10 < len(capped) <= LATER_WORDS
    assert endless.startswith(capped + " "), "cut after a whole word"
