"""Health of the scheduled fetch: a source that keeps failing, a rejected token, a source or
a whole wall gone quiet each get one GitHub issue in German, closed again when healthy.

The decisions are pure (`assess`); `apply_with_gh` carries them out with the gh
command-line tool, which reads its token from GH_TOKEN.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from datetime import date
from typing import Any, Callable

LABEL = "wall-health"
FAILURES_BEFORE_ISSUE = 2  # one failed run is weather; two in a row need a person
QUIET_SOURCE_DAYS = 14
TOKEN_WARNING_DAYS = 14
QUIET_REPOSITORY_DAYS = 45  # GitHub disables scheduled workflows after 60 quiet days
WALL = "wall"  # the history key for the repository as a whole


@dataclass(frozen=True)
class Action:
    """One issue to open (or update) or close."""

    key: str  # the source name, or WALL
    kind: str  # 'open' or 'close'
    title: str = ""
    body: str = ""
    closing: str = "Wieder in Ordnung: Der letzte Abruf war erfolgreich."  # the comment when closed


def update_history(history: dict[str, Any], reports: list[dict], today: date) -> dict[str, Any]:
    """The history after one run: consecutive failures and the last day each source brought posts."""
    updated = {key: dict(value) for key, value in history.items()}
    for report in reports:
        entry = updated.setdefault(report["name"], {"failures": 0, "last_new": today.isoformat()})
        entry["last_error"] = report.get("error", "")
        entry["token_expires"] = report.get("token_expires", "")
        entry["error_kind"] = report.get("error_kind", "")
        if report.get("error") and report.get("error_kind") != "missing_token":
            entry["failures"] = entry.get("failures", 0) + 1
        else:
            entry["failures"] = 0
        if report.get("new", 0) > 0:
            entry["last_new"] = today.isoformat()
    return updated


def assess(history: dict[str, Any], today: date, last_commit: date | None) -> list[Action]:
    """What to open and close, from the history and the date of the last commit on main."""
    actions = [_source_action(name, entry, today) for name, entry in sorted(history.items()) if name != WALL]
    if last_commit is not None:
        quiet = (today - last_commit).days
        if quiet >= QUIET_REPOSITORY_DAYS:
            actions.append(Action(WALL, "open", "Die Wall ist still: Der Zeitplan läuft bald ab",
                                  _quiet_wall_text(quiet)))
        else:
            actions.append(Action(WALL, "close", closing="Wieder in Ordnung: Im Repository hat sich wieder etwas "
                                                          "getan, der Zeitplan läuft weiter."))
    return actions


def _source_action(name: str, entry: dict[str, Any], today: date) -> Action:
    kind, error = entry.get("error_kind", ""), entry.get("last_error", "")
    if kind in ("auth", "missing_token"):
        return Action(name, "open", f"Quelle „{name}“: Zugang fehlt oder wurde abgelehnt",
                      _token_text(name, error))
    expires = entry.get("token_expires", "")
    if expires and (date.fromisoformat(expires) - today).days <= TOKEN_WARNING_DAYS:
        return Action(name, "open", f"Quelle „{name}“: Zugang läuft am {_german(expires)} ab",
                      _expiry_text(name, expires))
    if entry.get("failures", 0) >= FAILURES_BEFORE_ISSUE:
        return Action(name, "open", f"Quelle „{name}“: Abruf schlägt wiederholt fehl",
                      _failure_text(name, entry["failures"], error))
    quiet = (today - date.fromisoformat(entry.get("last_new", today.isoformat()))).days
    if quiet >= QUIET_SOURCE_DAYS:
        return Action(name, "open", f"Quelle „{name}“ liefert seit {quiet} Tagen nichts",
                      _quiet_source_text(name, quiet))
    return Action(name, "close")


# What editors should do when a whole workflow run failed, by the workflow's name.
RUN_ADVICE = {
    "Beiträge abrufen": (
        "Es kommen keine neuen Beiträge in den Pull Request „Neue Beiträge zur Freigabe“, bis das "
        "behoben ist; gespeicherte Beiträge und die Wall online sind unverändert. Steht im Protokoll "
        "„does not merge cleanly“, haben Sie `config.yaml` (oder eine andere Datei außer den "
        "Beiträgen) im Pull Request und auf `main` unterschiedlich geändert: im Pull Request auf "
        "„Resolve conflicts“ klicken und die gewünschte Fassung behalten. Sonst bitte die technische "
        "Betreuung informieren."),
    "Wall veröffentlichen": (
        "Die Wall online ist unverändert (die letzte gute Fassung bleibt stehen). Im Protokoll beim "
        "Schritt, der rot ist, nachsehen: Beim Bauen („Build“) nennt die Meldung eine Datei und eine "
        "Zeile, z. B. `content/posts/x/123.yaml:7: …` – diese Zeile auf `main` über einen kleinen Pull Request "
        "korrigieren (wie bei roten „Checks“, siehe `docs/redaktion.md`). Beim Hochladen („Publish“) heißt "
        "„enthalten noch Platzhalter“: In Impressum, Datenschutz oder Barrierefreiheit (`content/pages/`) steht "
        "noch ein `[Bitte ergänzen: …]`; ergänzen Sie die Angabe. Sonst liegt es beim Hochladen oder bei der "
        "Prüfung danach am Webserver: bitte die technische Betreuung informieren. Ist die Ursache behoben, im "
        "Protokoll oben rechts „Re-run jobs“ wählen oder auf den nächsten Lauf warten."),
}


def run_action(workflow: str, outcome: str, run_url: str) -> Action:
    """The issue for a whole workflow run: opened when it failed, closed when a later one succeeds.

    A cancelled run (a newer one replaced it) changes nothing.
    """
    key = f"workflow:{workflow}"
    if outcome == "success":
        return Action(key, "close", closing="Wieder in Ordnung: Der letzte Lauf war erfolgreich.")
    if outcome != "failure":
        return Action(key, "none")
    body = (f"Der Ablauf **{workflow}** ist fehlgeschlagen.\n\n{RUN_ADVICE.get(workflow, '')}\n\n"
            f"Protokoll des Laufs: {run_url}\n\nDieses Issue schließt sich beim nächsten erfolgreichen "
            "Lauf selbst.")
    return Action(key, "open", f"Ablauf „{workflow}“ ist fehlgeschlagen", body)


def _token_text(name: str, error: str) -> str:
    return (f"Die Quelle **{name}** kann nicht abgerufen werden, weil der Zugang fehlt oder von der "
            f"Plattform abgelehnt wurde. Die übrigen Quellen laufen weiter.\n\nMeldung: `{_code(error)}`\n\n"
            "**Was tun?** Bitte geben Sie dieses Issue an die technische Betreuung weiter. Für die Technik: "
            "einen neuen Zugangsschlüssel (Token) bei der Plattform erzeugen und unter *Settings → Secrets and "
            "variables → Actions* im Secret der Quelle hinterlegen (welches das ist und die Schritte je "
            "Plattform: `docs/sources/`, Überblick in `docs/betrieb.md`). Dieses Issue schließt sich beim "
            "nächsten erfolgreichen Abruf selbst.")


def _expiry_text(name: str, expires: str) -> str:
    return (f"Der Zugangsschlüssel (Token) der Quelle **{name}** läuft laut `config.yaml` am "
            f"{_german(expires)} ab. Danach kann die Quelle nicht mehr abgerufen werden.\n\n**Was tun?** "
            "Bitte geben Sie dieses Issue an die technische Betreuung weiter. Für die Technik: rechtzeitig einen "
            "neuen Token bei der Plattform erzeugen, das Secret ersetzen und in "
            "`config.yaml` bei der Quelle `token_expires:` auf das neue Ablaufdatum setzen "
            "(Anleitung in `docs/betrieb.md` und `docs/sources/`).")


def _german(iso_date: str) -> str:
    day = date.fromisoformat(iso_date)
    return f"{day.day}.{day.month}.{day.year}"


def _failure_text(name: str, failures: int, error: str) -> str:
    return (f"Der Abruf der Quelle **{name}** ist {failures}-mal hintereinander fehlgeschlagen.\n\n"
            f"Letzte Meldung: `{_code(error)}`\n\n**Was tun?** Oft ist die Plattform nur vorübergehend "
            "gestört; dann hilft Abwarten. Hält der Fehler an, bitte `docs/betrieb.md` lesen oder die "
            "technische Betreuung informieren. Alle anderen Quellen laufen weiter, und keine "
            "gespeicherten Beiträge gehen verloren. Dieses Issue schließt sich beim nächsten "
            "erfolgreichen Abruf selbst.")


def _quiet_source_text(name: str, days: int) -> str:
    return (f"Die Quelle **{name}** hat seit {days} Tagen keine neuen Beiträge geliefert, obwohl der "
            "Abruf ohne Fehler läuft.\n\n**Was tun?** Prüfen, ob auf der Plattform noch Beiträge mit "
            "dem Hashtag erscheinen. Wenn ja, stimmt vielleicht die Einstellung der Quelle in "
            "`config.yaml` nicht mehr (z. B. eine umbenannte Seite oder ein abgeschalteter Server): "
            "Bitte geben Sie das Issue dann an die technische Betreuung weiter. Wenn nicht, ist nichts zu tun. "
            "Dieses Issue schließt sich, sobald wieder Beiträge kommen.")


def _quiet_wall_text(days: int) -> str:
    return (f"Im Repository hat sich seit {days} Tagen nichts getan. GitHub schaltet zeitgesteuerte "
            "Abläufe nach 60 Tagen ohne Aktivität ab – dann holt die Wall keine Beiträge mehr und "
            "wird nicht mehr neu veröffentlicht.\n\n**Was tun?** Den offenen Pull Request mit neuen "
            "Beiträgen zusammenführen oder eine kleine Änderung machen (siehe `docs/betrieb.md`, "
            "Abschnitt „Zeitplan wach halten“). Falls die Abläufe schon abgeschaltet sind: im Reiter "
            "*Actions* den Ablauf auswählen und „Enable workflow“ wählen.")


def _code(text: str) -> str:
    return " ".join(text.replace("`", "'").split())[:300]  # any line break would end the code span


def marker(key: str) -> str:
    """The hidden line that ties an issue to its source."""
    return f"<!-- {LABEL}:{key} -->"


Runner = Callable[[list[str], str | None], str]


def run_gh(args: list[str], stdin: str | None = None) -> str:
    """Run gh; raise on failure."""
    result = subprocess.run(["gh", *args], input=stdin, capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        raise RuntimeError(f"gh {' '.join(args[:2])} failed: {result.stderr.strip()[-300:]}")
    return result.stdout


def apply_with_gh(actions: list[Action], gh: Runner = run_gh) -> list[str]:
    """Open, update or close the health issues; what was done, one line each."""
    issues = json.loads(gh(["issue", "list", "--label", LABEL, "--state", "open", "--json", "number,body",
                            "--limit", "100"], None) or "[]")
    open_by_key = {key: issue["number"] for issue in issues for key in _keys(issue.get("body", ""))}
    done = []
    for action in actions:
        number = open_by_key.get(action.key)
        body = f"{action.body}\n\n{marker(action.key)}\n"
        if action.kind == "open" and number is None:
            gh(["issue", "create", "--title", action.title, "--label", LABEL, "--body-file", "-"], body)
            done.append(f"opened: {action.title}")
        elif action.kind == "open":
            gh(["issue", "edit", str(number), "--title", action.title, "--body-file", "-"], body)
            done.append(f"updated #{number}: {action.title}")
        elif action.kind == "close" and number is not None:
            gh(["issue", "close", str(number), "--comment", action.closing], None)
            done.append(f"closed #{number}")
    return done


def _keys(body: str) -> list[str]:
    prefix = f"<!-- {LABEL}:"
    return [line[len(prefix):-len(" -->")] for line in body.splitlines()
            if line.startswith(prefix) and line.endswith(" -->")]
