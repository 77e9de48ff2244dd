"""The review pull request: the posts it proposes and its description, in German."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .config import Config
from .dates import german_date
from .fetch import SourceReport
from .platforms import PLATFORMS
from .post import Post
from .landing import Removals, Trusted
from .review import Git, posts_in_german
from .store import read_post
from .text import excerpt


@dataclass(frozen=True)
class Proposed:
    """A post file the review branch adds or changes."""

    post: Post
    path: str  # relative to the repository's top, e.g. 'content/posts/x/123-ab12cd34.yaml'
    new: bool  # False: on main already, changed on its platform since


def posts_for_review(content_dir: Path, config: Config, base: str = "origin/main") -> list[Proposed]:
    """The posts the review branch adds or changes against base, newest first."""
    git = Git(content_dir)
    prefix = git.run("rev-parse", "--show-prefix").strip()
    listing = git.run("diff", "--relative", "--name-status", "--diff-filter=AM", f"{base}...HEAD", "--", "posts")
    proposed = []
    for line in listing.splitlines():
        change, _, name = line.partition("\t")
        post = read_post(content_dir / name, content_dir, set(config.category_keys), [])
        if post is not None:
            proposed.append(Proposed(post, prefix + name, new=change == "A"))
    return sorted(proposed, key=lambda item: (item.post.published, item.post.id), reverse=True)


STATUS_WORDS = {"approved": "", "rejected": "abgelehnt", "pending": "wartet"}
FAILURE_WORDS = {"auth": "Zugang abgelehnt", "rate_limit": "zu viele Anfragen", "network": "keine Verbindung",
                 "server": "Fehler bei der Plattform", "response": "unerwartete Antwort der Plattform"}


def pr_body(proposed: list[Proposed], reports: list[SourceReport], config: Config,
            removals: Removals = Removals(), settled: tuple[str, ...] = (), files_at: str = "",
            trusted: Trusted = Trusted()) -> str:
    """The review pull request's description, in German, safe against hostile post text.

    files_at: where the branch's files are shown ('https://github.com/<repo>/blob/<branch>/'),
    for a link from each row to its file; '' for none.
    """
    keys = [f"`{key}`" for key in config.category_keys]
    lines = [
        "## Neue Beiträge zur Freigabe",
        "",
        _intro(proposed),
        "",
        "- **Ablehnen:** die Datei des Beitrags öffnen (Link „Datei“), auf den Stift klicken, "
        "`status: approved` in `status: rejected` ändern und darunter `note: \"Grund der Ablehnung\"` ergänzen. "
        "Dann „Commit changes…“ → „Commit directly to the redaktion/neue-beitraege branch“. "
        "Abgelehnte Beiträge kommen nicht wieder.",
        "- **Kategorie ändern:** in der Datei `category:` auf "
        + (", ".join(keys[:-1]) + " oder " + keys[-1] if len(keys) > 1 else "".join(keys)) + " setzen. "
        "Steht in der Tabelle „–“, fehlt die Zeile: direkt unter `status:` ergänzen.",
        "- Vor dem Zusammenführen die Seite neu laden: Ein Abruf kann inzwischen Beiträge ergänzt haben.",
        "- Anleitung: `docs/redaktion.md`.",
        *_settled_lines(settled),
        "",
        "| Art | Plattform | Von | Datum | Auszug | Bilder | Kategorie | Links |",
        "|---|---|---|---|---|---|---|---|",
    ]
    categories = config.category_keys
    denied_images = frozenset(config.moderation.deny_images)
    rows = []
    for item in proposed:
        post = item.post
        category = categories[post.category].label if post.category in categories else "–"
        words = ("neu" if item.new else "geändert", STATUS_WORDS.get(post.status, post.status))
        kind = ", ".join(word for word in words if word)
        links = f"[Original]({_url_cell(post.url)})" + (f" · [Datei]({_url_cell(files_at + item.path)})"
                                                         if files_at else "")
        rows.append("| " + " | ".join([
            kind, PLATFORMS[post.platform].label, _author_cell(post), german_date(post.published),
            _cell(excerpt(post.text, 120)) or "–", str(sum(image.path not in denied_images for image in post.media)),
            category, links]) + " |")
    after = [*_removal_lines(removals), *_trusted_lines(trusted), "", "### Abruf", "",
             *(f"- {_report_line(report)}" for report in reports)]
    return _within_limit(lines, rows, after)


def _author_cell(post: Post) -> str:
    """The name, and the handle an editor needs to block the author (config.yaml's deny.authors)."""
    handle = post.author.handle.lstrip("@")
    return _cell(post.author.name) + (f" ({_cell('@' + handle)})" if handle else "")


def _intro(proposed: list[Proposed]) -> str:
    """How many posts wait, and what merging does with them."""
    waiting = [item for item in proposed if item.post.status == "approved"]
    rejected = len(proposed) - len(waiting)
    already = f" ({posts_in_german(rejected)} haben Sie schon abgelehnt)" if rejected else ""
    if not waiting:
        return (f"**Kein Beitrag** wartet auf Ihre Freigabe{already}. Das Zusammenführen (Merge) übernimmt, "
                "was unten steht.")
    one = len(waiting) == 1
    return (f"**{posts_in_german(len(waiting))}** {'wartet' if one else 'warten'} auf Ihre Prüfung{already}. "
            f"**Mit dem Zusammenführen (Merge) dieses Pull Requests {'wird er' if one else 'werden sie'} "
            f"freigegeben** und {'erscheint' if one else 'erscheinen'} beim nächsten Veröffentlichen auf der Wall."
            + (" Beiträge „geändert“ stehen schon auf der Wall: Die Verfasser haben sie auf der Plattform "
               "bearbeitet, das Zusammenführen übernimmt die Änderungen." if any(not item.new for item in proposed)
               else ""))


def _settled_lines(settled: tuple[str, ...]) -> list[str]:
    if not settled:
        return []
    names = ", ".join(f"`{path.rsplit('/', 1)[-1]}`" for path in settled[:10]) + (" …" if len(settled) > 10 else "")
    verb = "wurde" if len(settled) == 1 else "wurden"
    return ["", f"**Gleichzeitig geändert:** {posts_in_german(len(settled))} {verb} hier und auf `main` bearbeitet. "
                f"Es gilt die Fassung von `main`: {names}. Bitte öffnen Sie {'die Datei' if len(settled) == 1 else 'diese Dateien'} "
                "hier im Pull Request; fehlt eine Ihrer Änderungen, nehmen Sie sie hier noch einmal vor."]


def _report_line(report: SourceReport) -> str:
    """One source's run, in German; the technical reason of a failure as the connector gives it."""
    name = f"**{_cell(report.name)}**"
    if report.error_kind == "missing_token":
        return (f"{name}: nicht abgerufen, der Zugangsschlüssel fehlt – bitte der technischen Betreuung sagen "
                f"(für die Technik: {_cell(report.error)})")
    if report.error:
        reason = FAILURE_WORDS.get(report.error_kind, "Fehler")
        after = ("bitte der technischen Betreuung sagen" if report.error_kind == "auth" else
                 "der nächste Abruf versucht es erneut, hält der Fehler an, öffnet sich ein Issue")
        return (f"{name}: **fehlgeschlagen** ({reason}) – {after} (für die Technik: {_cell(report.error)})")
    seconds = f"{report.seconds:.1f}".replace(".", ",")
    return (f"{name}: {report.new} neu, {report.updated} geändert, {report.unchanged} unverändert, "
            f"{report.skipped} nach Regeln übersprungen, {report.removed} auf der Plattform gelöscht ({seconds} s)")


# GitHub refuses a pull request description over 65,536 characters (counted in bytes here, to be
# safe): a new source's backlog or a review left open for weeks holds hundreds of posts.
BODY_LIMIT = 60_000
MORE_ROOM = 200  # for the line naming the posts left out


def _within_limit(before: list[str], rows: list[str], after: list[str]) -> str:
    """The description with as many table rows (newest first) as fit, and a line for the rest."""
    used = sum(len(line.encode()) + 1 for line in before + after) + MORE_ROOM
    shown = 0
    for row in rows:
        used += len(row.encode()) + 1
        if used > BODY_LIMIT:
            break
        shown += 1
    more = len(rows) - shown
    rest = ["", f"… und {posts_in_german(more)} mehr (ältere), zu lang für diese Beschreibung: alle im Reiter "
                "„Files changed“."] if more else []
    return "\n".join(before + rows[:shown] + rest + after) + "\n"


def _removal_lines(removals: Removals) -> list[str]:
    lines = []
    if removals.landed:
        lines += ["", f"**Auf der Plattform gelöscht:** {posts_in_german(len(removals.landed))} – dort gelöscht "
                  "oder verborgen und deshalb ohne Freigabe sofort von der Wall genommen."]
    if removals.waiting:
        lines += ["", f"**Auf der Plattform gelöscht:** {posts_in_german(len(removals.waiting))} der Wall – dort "
                  "gelöscht oder verborgen. Ihre Dateien stehen unter „Files changed“ als gelöscht; die Beiträge "
                  "verschwinden von der Wall, sobald Sie diesen Pull Request zusammenführen. Die Plattformen "
                  "verlangen das: bitte bald zusammenführen. Sind es auffällig viele (etwa alle einer Quelle), "
                  "vorher die technische Betreuung fragen."]
    return lines


def _trusted_lines(trusted: Trusted) -> list[str]:
    if not trusted.landed:
        return []
    return ["", f"**Vertrauenswürdige Absender:** {posts_in_german(len(trusted.landed))} ohne Freigabe auf die Wall "
                "gestellt (`config.yaml`, `moderation.allow.authors`)."]


AUTOLINKED_WORD = re.compile(r"(?<![A-Za-z0-9])(www|gh)([.-])", re.IGNORECASE)  # '_www.' links too


def _cell(text: str) -> str:
    """Post text inside a Markdown table: no markup, no links, no @mentions or #references."""
    text = " ".join(text.split()).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    for character in "\\`*_[]()|!~$":
        text = text.replace(character, "\\" + character)
    # GitHub links @user, #123, GH-123, http... and www.host even when escaped; a zero-width space breaks that.
    text = text.replace("@", "@\u200b").replace("#", "#\u200b").replace("http", "http\u200b")
    return AUTOLINKED_WORD.sub("\\1\u200b\\2", text)


def _url_cell(url: str) -> str:
    return url.replace("(", "%28").replace(")", "%29").replace(" ", "%20").replace("|", "%7C")
