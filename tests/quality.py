"""Quality checks in a real browser: the walls under test, the pinned npm tools and how to run them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Iterator, NamedTuple
from urllib.parse import unquote, urlsplit

import pytest
import yaml

from wall.pipeline import build
from wall.writing import write_post

from .browser import CHROMIUM_ARGS, chromium_path, served
from .conftest import FIXTURE_SITE, IN_CI, ROOT, write

BASE = "https://www.ewg.de/essenarbeitetzusammen/"
TOOLS = ROOT / "tools" / "quality"
MODULES = TOOLS / "node_modules"
ARTIFACTS = ROOT / "artifacts"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
LIGHTHOUSE_CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
FOCUSABLE = "a[href], button, summary"


class PageType(NamedTuple):
    """A kind of page: a path (or glob) below the site root; `has` picks the first match containing it."""

    name: str
    pattern: str
    has: str = ""
    status: int = 200
    query: str = ""


# Every kind of page the wall has. Adding a page type is one line here.
PAGE_TYPES = [
    PageType("front", ""),
    PageType("archive", "seite/*/"),
    PageType("months", "archiv/"),
    PageType("post", "beitrag/*/", has='class="post-media"'),
    PageType("post-warning", "beitrag/*/", has='class="content-warning"'),
    PageType("platform", "plattform/mastodon/"),
    PageType("category", "kategorie/angebot/"),
    PageType("editor", "impressum/"),
    PageType("easy-language", "leichte-sprache/"),
    PageType("404", "gibt-es-nicht/", status=404),
    PageType("search", "suche/"),
    PageType("search-results", "suche/", query="?q=essen"),
    PageType("screen", "wall/"),
]


def page_type(name: str) -> PageType:
    """The page type called name."""
    return next(kind for kind in PAGE_TYPES if kind.name == name)


def build_mixed_site(root: Path) -> Path:
    """The fixture wall with the hostile posts mixed in (as tests/test_browser.py builds it)."""
    from .test_hostile import hostile_posts
    content = root / "content"
    shutil.copytree(FIXTURE_SITE / "content", content)
    for post in hostile_posts():
        write_post(content, post)
    write(content / "media/ev/il.webp", (FIXTURE_SITE / "content/media/0a/0a1b2c3d.webp").read_bytes())
    shutil.copy(ROOT / "content/pages/leichte-sprache.md", content / "pages")  # linked from every page's header
    build(FIXTURE_SITE / "config.yaml", content, root / "site", demo_dir=None)
    return root / "site"


def build_demo_site(root: Path) -> Path:
    """The demo wall with the real config.yaml and pages, 12 posts a page so archive pages exist."""
    config = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    config["site"]["posts_per_page"] = 12
    write(root / "config.yaml", yaml.safe_dump(config, allow_unicode=True))
    shutil.copytree(ROOT / "content" / "pages", root / "content" / "pages")
    (root / "content" / "posts").mkdir()
    build(root / "config.yaml", root / "content", root / "site")
    return root / "site"


SITE_BUILDERS = {"fixture": build_mixed_site, "demo": build_demo_site}


@contextmanager
def serve_all(sites: dict[str, Path]) -> Iterator[dict[str, str]]:
    """Serve every built wall on 127.0.0.1 (tests/browser.py's served): name -> front page address."""
    with ExitStack() as stack:
        yield {name: stack.enter_context(served(site, BASE)) for name, site in sites.items()}


def page_path(site: Path, kind: PageType) -> str:
    """The address of a page type below the site root; fails when the site has no such page."""
    if kind.status == 404:
        return kind.pattern
    for folder in sorted(site.glob(kind.pattern)) if kind.pattern else [site]:
        index = folder / "index.html"
        if index.is_file() and kind.has in index.read_text(encoding="utf-8"):
            return folder.relative_to(site).as_posix() + "/" if folder != site else ""
    pytest.fail(f"{site.parent.name}: no page for page type {kind.name!r} ({kind.pattern} containing {kind.has!r})")


def page_url(front: str, site: Path, kind: PageType) -> str:
    """The served address of a page type, with its query."""
    return front + page_path(site, kind) + kind.query


def page_file(site: Path, kind: PageType) -> Path:
    """The HTML file the server sends for a page type."""
    if kind.status == 404:
        return site / "404.html"
    return site / page_path(site, kind) / "index.html"


def missing(reason: str) -> None:
    """A tool is missing: fail in CI, skip locally."""
    if IN_CI:
        pytest.fail(f"{reason}: make test runs npm ci in tools/quality, .ci/run installs chromium and java")
    pytest.skip(f"{reason} (make test installs it)")


def node() -> str:
    """The node executable."""
    path = shutil.which("node")
    if path is None:
        missing("node is not installed")
    return path


def package(name: str) -> Path:
    """An npm package installed in tools/quality/node_modules."""
    folder = MODULES / name
    if not (folder / "package.json").is_file():
        missing(f"tools/quality/node_modules/{name} is missing")
    return folder


def java() -> str:
    """The java executable."""
    path = shutil.which("java")
    if path is None:
        missing("java is not installed (Debian package openjdk-17-jre-headless)")
    return path


def axe_source() -> str:
    """The pinned axe-core script."""
    return (package("axe-core") / "axe.min.js").read_text(encoding="utf-8")


def axe_violations(page, source: str) -> list[dict]:
    """Inject axe into a loaded page (its context needs bypass_csp) and run the WCAG 2.1 A/AA rules."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=source)
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"], "url": v["helpUrl"],
             "nodes": [(n["target"], n["failureSummary"], n["html"][:200]) for n in v["nodes"]]}
            for v in result["violations"]]


def merge_violations(first: list[dict], second: list[dict]) -> list[dict]:
    """Both runs' violations, each failing node once (the second run with <details> opened)."""
    merged = {v["id"]: dict(v, nodes=list(v["nodes"])) for v in first}
    for v in second:
        entry = merged.setdefault(v["id"], dict(v, nodes=[]))
        entry["nodes"] += [node for node in v["nodes"] if node[0] not in [seen[0] for seen in entry["nodes"]]]
    return list(merged.values())


def describe_violations(violations: list[dict]) -> str:
    """Violations as readable lines: id, impact, help, then each failing node."""
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} <{v['url']}>")
        for target, summary, html in v["nodes"]:
            lines.append(f"    {' '.join(map(str, target))}: {html}")
            lines += [f"        {line}" for line in (summary or "").splitlines()]
    return "\n".join(lines)


def settle(page) -> None:
    """Let a page with scripts finish its own requests and rendering."""
    if page.evaluate("document.scripts.length"):
        page.wait_for_load_state("networkidle")


def open_all_details(page) -> int:
    """Open every visible closed <details> by clicking its summary; returns how many were opened."""
    closed = page.locator("details:not([open]) > summary").filter(visible=True)
    opened = 0
    while closed.count():  # one at a time: each click takes one out of `closed`
        assert opened < 100, "a <details> does not open when its summary is clicked"
        closed.first.click()
        opened += 1
    return opened


def requests_made(chromium, url: str) -> tuple[list[str], list[str]]:
    """Load url with the CSP bypassed, open details, scroll to the end: (foreign, all) requested URLs.

    Requests to another origin are recorded and aborted, so nothing really leaves the machine.
    """
    own, foreign, loaded = urlsplit(url).netloc, [], []

    def route(request_route):
        loaded.append(request_route.request.url)
        if urlsplit(request_route.request.url).netloc != own:
            foreign.append(request_route.request.url)
            return request_route.abort()
        return request_route.continue_()

    context = chromium.new_context(bypass_csp=True)
    try:
        context.route("**/*", route)
        page = context.new_page()
        page.goto(url, wait_until="load")
        settle(page)
        open_all_details(page)
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        page.wait_for_load_state("networkidle")
    finally:
        context.close()
    return foreign, loaded


def vnu_messages(files: list[Path]) -> list[dict]:
    """The Nu HTML Checker's errors for the given files."""
    jar = package("vnu-jar") / "build" / "dist" / "vnu.jar"
    result = subprocess.run([java(), "-jar", str(jar), "--errors-only", "--format", "json", *map(str, files)],
                            capture_output=True, text=True, timeout=180)
    output = next((text for text in (result.stderr, result.stdout) if text.lstrip().startswith("{")), None)
    assert output is not None, f"vnu gave no JSON ({result.returncode}): {result.stderr[-2000:]}"
    return [dict(m, file=unquote(m.get("url", "").removeprefix("file:"))) for m in json.loads(output)["messages"]]


def describe_vnu(messages: list[dict], site: Path) -> str:
    """Checker messages as file:line:column: message."""
    lines = []
    for m in messages:
        where = os.path.relpath(m["file"], site) if m["file"].startswith(str(site)) else m["file"]
        lines.append(f"{where}:{m.get('lastLine', '?')}:{m.get('firstColumn', m.get('lastColumn', '?'))}: "
                     f"{m['type']}: {m['message']}  [{m.get('extract', '').strip()}]")
    return "\n".join(lines)


def lighthouse_report(url: str, output: Path, skip: tuple[str, ...] = ()) -> dict:
    """Run Lighthouse (mobile) with Debian's Chromium; writes output.report.{json,html}, returns the report.

    skip: audits left out (ids such as 'is-crawlable').
    """
    cli = package("lighthouse") / "cli" / "index.js"
    flags = " ".join(["--headless=new", *CHROMIUM_ARGS])
    output.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "CHROME_PATH": chromium_path()}
    result = subprocess.run([node(), str(cli), url, "--quiet", "--no-enable-error-reporting", "--form-factor=mobile",
                             f"--only-categories={','.join(LIGHTHOUSE_CATEGORIES)}", f"--chrome-flags={flags}",
                             "--output=json", "--output=html", f"--output-path={output}",
                             *([f"--skip-audits={','.join(skip)}"] if skip else [])],
                            capture_output=True, text=True, timeout=150, env=env)
    assert result.returncode == 0, f"lighthouse failed ({result.returncode}): {result.stderr[-3000:]}"
    return json.loads(output.with_suffix(".report.json").read_text(encoding="utf-8"))


def median_run(reports: list[dict]) -> dict:
    """The report with the median performance score (of an odd number of runs)."""
    ranked = sorted(reports, key=lambda report: report["categories"]["performance"]["score"] or 0)
    return ranked[len(ranked) // 2]


def lighthouse_shortfalls(report: dict) -> list[str]:
    """Every weighted audit that did not score fully, per category."""
    lines = []
    for key, category in report["categories"].items():
        for ref in category["auditRefs"]:
            audit = report["audits"][ref["id"]]
            if ref["weight"] > 0 and audit["score"] is not None and audit["score"] < 1:
                lines.append(f"  {key}: {ref['id']} score {audit['score']} {audit.get('displayValue', '')}"
                             f" – {audit['title']}")
    return lines


# Marks every visible link, button and summary, and remembers their unfocused outline and shadow.
MARK_TARGETS = """selector => {
  const visible = el => el.checkVisibility({visibilityProperty: true, opacityProperty: true})
      && el.getClientRects().length > 0;
  const look = el => { const s = getComputedStyle(el);
      return [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow].join(' | '); };
  window.__targets = [...document.querySelectorAll(selector)].filter(visible);
  window.__unfocused = window.__targets.map(look);
  window.__look = look;
  return window.__targets.map(el => el.outerHTML.slice(0, 160));
}"""

# Where focus is now: the index among the marked targets, and whether it looks different from unfocused.
FOCUS_STATE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return {index: -2};
  const s = getComputedStyle(el);
  const index = window.__targets.indexOf(el);
  const look = window.__look(el);
  const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
  const shadow = s.boxShadow !== 'none';
  const changed = index < 0 || look !== window.__unfocused[index];
  return {index, html: el.outerHTML.slice(0, 160), look, indicator: changed && (outline || shadow)};
}"""


def tab_walk(page, limit: int = 300) -> dict:
    """Press Tab until focus cycles back (or limit presses); report unreached targets and missing indicators."""
    targets = page.evaluate(MARK_TARGETS, FOCUSABLE)
    page.evaluate("document.activeElement && document.activeElement.blur()")
    reached, no_indicator, strangers, first = set(), [], [], None
    for _ in range(limit):
        page.keyboard.press("Tab")
        state = page.evaluate(FOCUS_STATE)
        key = state["index"] if state["index"] >= 0 else state.get("html")
        if state["index"] == -2 or key == first:
            if reached or strangers:
                break
            continue
        first = key if first is None else first
        if state["index"] >= 0:
            reached.add(state["index"])
        else:
            strangers.append(state["html"])
        if not state["indicator"]:
            no_indicator.append(f"{state['html']}  (focused look: {state['look']})")
    unreached = [html for index, html in enumerate(targets) if index not in reached]
    return {"targets": len(targets), "reached": len(reached), "unreached": unreached,
            "no_indicator": no_indicator, "other_focus_stops": strangers}
