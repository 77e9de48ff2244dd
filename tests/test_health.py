"""Health issues: decided from the history of runs, carried out with a stand-in gh program."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from datetime import date
from pathlib import Path

from wall.health import Action, apply_with_gh, assess, marker, run_gh, update_history

TODAY = date(2020, 6, 1)


def report(name: str, new: int = 0, error: str = "", kind: str = "") -> dict:
    return {"name": name, "new": new, "error": error, "error_kind": kind}


def test_one_failure_is_weather_two_in_a_row_open_an_issue_and_success_closes_it():
    history = update_history({}, [report("mastodon", error="server error HTTP 502", kind="server")], TODAY)
    assert [a.kind for a in assess(history, TODAY, None)] == ["close"]
    history = update_history(history, [report("mastodon", error="server error HTTP 502", kind="server")], TODAY)
    (action,) = assess(history, TODAY, None)
    assert action.kind == "open" and "wiederholt fehl" in action.title and "HTTP 502" in action.body
    history = update_history(history, [report("mastodon", new=3)], TODAY)
    assert [a.kind for a in assess(history, TODAY, None)] == ["close"]


def test_a_rejected_or_missing_token_opens_an_issue_at_once():
    for kind in ("auth", "missing_token"):
        history = update_history({}, [report("x", error="X_BEARER_TOKEN ...", kind=kind)], TODAY)
        (action,) = assess(history, TODAY, None)
        assert action.kind == "open" and "Zugang" in action.title and "Secret" in action.body


def test_a_source_that_brings_nothing_for_two_weeks_is_reported():
    history = {"rss": {"failures": 0, "last_new": "2020-05-10"}}
    history = update_history(history, [report("rss", new=0)], TODAY)
    (action,) = assess(history, TODAY, None)
    assert action.kind == "open" and "seit 22 Tagen nichts" in action.title


def test_a_quiet_repository_is_reported_before_github_stops_the_schedule():
    actions = assess({}, TODAY, date(2020, 4, 10))
    assert [(a.key, a.kind) for a in actions] == [("wall", "open")]
    assert "60 Tagen" in actions[0].body
    [closed] = assess({}, TODAY, date(2020, 5, 20))
    assert (closed.key, closed.kind) == ("wall", "close")
    assert "Abruf" not in closed.closing, "it closes because something happened, not because a fetch succeeded"


def fake_gh(tmp_path: Path, issues: list[dict]) -> Path:
    """A stand-in `gh` program that keeps issues in a JSON file and logs every call."""
    store = tmp_path / "issues.json"
    store.write_text(json.dumps(issues), encoding="utf-8")
    script = tmp_path / "bin" / "gh"
    script.parent.mkdir()
    script.write_text(f"""#!{sys.executable}
import json, sys
store = {str(store)!r}
issues = json.load(open(store))
args = sys.argv[1:]
open({str(tmp_path / 'calls.log')!r}, 'a').write(json.dumps(args) + '\\n')
if args[:2] == ['issue', 'list']:
    print(json.dumps([i for i in issues if i['state'] == 'open']))
elif args[:2] == ['issue', 'create']:
    issues.append({{'number': len(issues) + 1, 'title': args[args.index('--title') + 1],
                   'body': sys.stdin.read(), 'state': 'open'}})
elif args[:2] == ['issue', 'edit']:
    issue = next(i for i in issues if i['number'] == int(args[2]))
    issue['title'], issue['body'] = args[args.index('--title') + 1], sys.stdin.read()
elif args[:2] == ['issue', 'close']:
    next(i for i in issues if i['number'] == int(args[2]))['state'] = 'closed'
json.dump(issues, open(store, 'w'))
""", encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return store


def test_issues_are_opened_once_updated_and_closed_with_gh(tmp_path, monkeypatch):
    store = fake_gh(tmp_path, [{"number": 1, "title": "alt", "body": f"x\n{marker('rss')}\n", "state": "open"}])
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    done = apply_with_gh([Action("mastodon", "open", "Quelle „mastodon“: kaputt", "Text"),
                          Action("rss", "close"), Action("x", "close")], run_gh)
    assert done == ["opened: Quelle „mastodon“: kaputt", "closed #1"]
    again = apply_with_gh([Action("mastodon", "open", "Quelle „mastodon“: immer noch kaputt", "Text 2")], run_gh)
    assert again == ["updated #2: Quelle „mastodon“: immer noch kaputt"]
    issues = json.loads(store.read_text(encoding="utf-8"))
    assert [(i["number"], i["state"]) for i in issues] == [(1, "closed"), (2, "open")]
    assert marker("mastodon") in issues[1]["body"] and "Text 2" in issues[1]["body"]


def test_a_token_about_to_expire_is_announced_two_weeks_ahead():
    soon = update_history({}, [{**report("linkedin", new=1), "token_expires": "2020-06-10"}], TODAY)
    (action,) = assess(soon, TODAY, None)
    assert action.kind == "open" and "läuft am 10.6.2020 ab" in action.title and "token_expires" in action.body
    later = update_history({}, [{**report("linkedin", new=1), "token_expires": "2020-08-01"}], TODAY)
    assert [a.kind for a in assess(later, TODAY, None)] == ["close"]


def test_token_expiry_is_read_from_the_source_settings(tmp_path):
    from .conftest import fetch_config
    config = fetch_config(tmp_path, "  - name: li\n    type: linkedin\n    organizations: ['123']\n"
                                    "    token_expires: '2020-06-10'\n")
    assert config.sources[0].settings.token_expires == "2020-06-10"


def health_run(tmp_path: Path, outcome: str) -> subprocess.CompletedProcess:
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PATH": f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run([sys.executable, str(root / "generate.py"), "health", "--workflow", "Wall veröffentlichen",
                           "--outcome", outcome, "--run-url", "https://github.com/ewg/wall/actions/runs/7", "--apply"],
                          capture_output=True, text=True, env=env, cwd=tmp_path)


def test_a_failed_workflow_run_opens_one_issue_that_the_next_good_run_closes(tmp_path):
    store = fake_gh(tmp_path, [])
    for outcome in ("failure", "failure", "cancelled"):
        assert health_run(tmp_path, outcome).returncode == 0
    (issue,) = json.loads(store.read_text(encoding="utf-8"))
    assert (issue["title"], issue["state"]) == ("Ablauf „Wall veröffentlichen“ ist fehlgeschlagen", "open")
    assert "https://github.com/ewg/wall/actions/runs/7" in issue["body"] and "Die Wall online ist unverändert" in issue["body"]
    assert health_run(tmp_path, "success").returncode == 0
    assert json.loads(store.read_text(encoding="utf-8"))[0]["state"] == "closed"
    calls = [json.loads(line) for line in (tmp_path / "calls.log").read_text(encoding="utf-8").splitlines()]
    assert [call[:2] for call in calls if call[1] != "list"] == [["issue", "create"], ["issue", "edit"], ["issue", "close"]]
    assert "Der letzte Lauf war erfolgreich" in calls[-1][-1]
