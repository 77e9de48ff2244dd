"""The subcommands the GitHub workflows run: review (fetch into the review pull request),
health (issues about failing sources and runs) and intake (the "Beitrag einreichen" form).

Like commands.py: each takes the parsed arguments and returns the exit code.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from datetime import date, datetime, timezone
from pathlib import Path
from urllib.parse import quote

from .commands import fetch_selected, report_fetch, selected_sources
from .config import load_config

log = logging.getLogger("wall")


def review_command(args: argparse.Namespace) -> int:
    from .review import ReviewError
    try:
        return _review(args)
    except ReviewError as error:  # git said no (a conflict for an editor, a push refused): no traceback
        print(f"error: {error}", file=sys.stderr)
        return 1


def _review(args: argparse.Namespace) -> int:
    from .landing import Removals, Trusted, land_removals, land_trusted, record_landed
    from .review import Git, commit_review, push_review, settled_files, start_review
    from .review_pr import posts_for_review, pr_body
    repo = Git(args.content)
    start = start_review(repo, args.branch, args.base, previous=_previous_pull_request(args.previous_pull_request))
    config = load_config(args.config)
    names = selected_sources(config, args)
    if names is None:
        return 1
    reports = fetch_selected(config, args, names, "approved")
    code = report_fetch(reports, args.report_json)
    removals = Removals() if args.no_push else land_removals(repo, set(config.category_keys), args.base)
    trusted = Trusted() if args.no_push else land_trusted(repo, config, args.base)
    day = datetime.now(timezone.utc)
    changed = commit_review(repo, f"Neue Beiträge vom {day:%d.%m.%Y}", (".",))
    record_landed(repo, removals.commit, trusted.commit)  # so the pull request does not list them again
    # settled: so the pull request has no conflicts left; taken up: so it can be opened again
    if (changed or start.settled or start.taken_up) and not args.no_push:
        push_review(repo, args.branch)
    posts = posts_for_review(args.content, config, f"origin/{args.base}")
    if args.body_file:
        body = pr_body(posts, reports, config, removals, settled_files(repo, args.base), _files_at(args.branch),
                       trusted)
        args.body_file.write_text(body, encoding="utf-8")
    # waiting: the pull request must be open (a closed one is opened again: closing rejects nothing);
    # changed: its description is new (only fetch state, or removals already on main, change nothing).
    waiting = bool(posts or removals.waiting)
    _github_output(changed="true" if waiting and (changed or start.settled or start.taken_up) else "false",
                   waiting="true" if waiting else "false", count=str(len(posts)))
    log.info("review branch %s: %s, %d posts for review, %d deleted upstream taken off %s at once, "
             "%d of trusted authors put on it at once", args.branch, "new commit" if changed else "nothing new",
             len(posts), len(removals.landed), args.base, len(trusted.landed))
    return code


def _previous_pull_request(text: str):
    """'12 CLOSED' (from gh in fetch.yml) as a PreviousPullRequest; None for '' or anything else."""
    from .review import PreviousPullRequest
    number, _, state = text.strip().partition(" ")
    return PreviousPullRequest(int(number), state.strip().upper()) if number.isdigit() else None


def _files_at(branch: str) -> str:
    """Where GitHub shows the review branch's files (inside Actions; '' elsewhere)."""
    server, repository = os.environ.get("GITHUB_SERVER_URL", ""), os.environ.get("GITHUB_REPOSITORY", "")
    return f"{server}/{repository}/blob/{quote(branch)}/" if server and repository else ""


def _github_output(**values: str) -> None:
    """Step outputs for GitHub Actions (nothing outside Actions)."""
    path = os.environ.get("GITHUB_OUTPUT")
    if path:
        with open(path, "a", encoding="utf-8") as stream:
            stream.writelines(f"{key}={value}\n" for key, value in values.items())


def health_command(args: argparse.Namespace) -> int:
    from .health import apply_with_gh, assess, run_action, update_history
    from .review import Git
    if args.workflow:
        if not args.outcome:
            print("error: --workflow needs --outcome", file=sys.stderr)
            return 1
        action = run_action(args.workflow, args.outcome, args.run_url)
        for line in apply_with_gh([action]) if args.apply else [f"{action.kind}: {action.title or action.key}"]:
            log.info("%s", line)
        return 0
    if not (args.report and args.history):
        print("error: health needs --report and --history, or --workflow", file=sys.stderr)
        return 1
    reports = json.loads(args.report.read_text(encoding="utf-8"))
    history = json.loads(args.history.read_text(encoding="utf-8")) if args.history.is_file() else {}
    today = date.today()
    history = update_history(history, reports, today)
    args.history.parent.mkdir(parents=True, exist_ok=True)
    args.history.write_text(json.dumps(history, indent=1, sort_keys=True), encoding="utf-8")
    last_commit = Git(args.content).run("log", "-1", "--format=%cs", f"origin/{args.base}", check=False).strip()
    actions = assess(history, today, date.fromisoformat(last_commit) if last_commit else None)
    for action in actions:
        if action.kind == "open":
            log.info("unhealthy: %s", action.title)
    if args.apply:
        for line in apply_with_gh(actions):
            log.info("%s", line)
    return 0


def intake_command(args: argparse.Namespace) -> int:
    from .intake import IntakeError, parse_issue, submission_post
    from .media import MediaStore, withdrawn_pictures
    from .review import Git, commit_review, submission_taken_over
    from .writing import write_post
    from connectors.http import USER_AGENT
    config = load_config(args.config)
    submission = parse_issue(json.loads(args.event.read_text(encoding="utf-8")))
    try:
        post = submission_post(submission, config)
    except IntakeError as error:
        _write_comment(args.comment_file, f"Danke für Ihren Vorschlag! Leider fehlt noch etwas: {error} "
                                          "Bitte bearbeiten Sie das Issue (oben rechts beim Text „…“ → „Edit“); wir prüfen es "
                                          "dann erneut.")
        _github_output(branch="")
        return 0
    branch = f"einreichung/issue-{submission.number}"
    repo = Git(args.content)
    handled = submission_taken_over(repo, args.content, post.id, branch, config.site.contact_email)
    if handled:
        _write_comment(args.comment_file, handled)
        _github_output(branch="")
        return 0
    media = MediaStore(args.content, frozenset(), {"User-Agent": USER_AGENT},
                       withdrawn=withdrawn_pictures(args.content, config.moderation))
    post, warnings = media.localise(post)
    repo.run("switch", "--quiet", "-C", branch)
    write_post(args.content, post)
    if commit_review(repo, f"Einreichung aus Issue #{submission.number}", (".",)):
        repo.run("push", "--quiet", "--force", "origin", branch)
    image_lost = bool(warnings) or submission.image_refused  # a failed download, or a link to elsewhere
    _write_comment(args.comment_file, "Danke für Ihren Vorschlag! Die Redaktion prüft ihn; nach der Freigabe "
                                      "erscheint er auf der Wall." + ("" if not image_lost else
                                      " Das Bild konnten wir leider nicht übernehmen. Sie können "
                                      "das Issue bearbeiten und die Bilddatei (JPEG oder PNG) noch einmal in das "
                                      "Feld „Bild“ ziehen."))
    _github_output(branch=branch)
    return 0


def _write_comment(path: Path | None, text: str) -> None:
    if path:
        path.write_text(text + "\n", encoding="utf-8")
    log.info("%s", text)
