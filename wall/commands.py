"""One function per subcommand of generate.py: call the stages, print what people need to know.

Each takes the parsed arguments and returns the exit code.  Errors that are the
user's (bad config, bad content) are raised and printed by generate.py.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from dataclasses import asdict
from datetime import date, datetime, timezone
from pathlib import Path
from urllib.parse import quote

from .config import load_config
from .pipeline import build, check
from .yamlfile import display_path, printable

log = logging.getLogger("wall")


def build_command(args: argparse.Namespace) -> int:
    log.info("building the wall from %s into %s ...", display_path(args.content), display_path(args.out))
    report = build(args.config, args.content, args.out, full=args.full, jobs=args.jobs)
    if report.demo:
        log.info("no posts in %s yet: built from the demo posts in demo/", display_path(args.content))
    log.info("%s", report.summary())
    return 0


def preview_command(args: argparse.Namespace) -> int:
    from .preview import keep_only
    from .review import ReviewError
    from .review_pr import posts_for_review
    report = build(args.config, args.content, args.out, full=True)
    try:
        changed = posts_for_review(args.content, load_config(args.config), args.since)
    except ReviewError as error:  # a preview is no reason to fail a check
        log.warning("warning: no comparison with %s (%s): the preview holds the front page only",
                    args.since, error)
        changed = []
    pages = ["index.html", *(f"beitrag/{item.post.slug}/index.html" for item in changed)]
    left_out = keep_only(args.out, pages)
    log.info("%s; preview of the front page and of %d posts changed since %s (files left out: %d)",
             report.summary(), len(changed), args.since, left_out)
    return 0


def check_command(args: argparse.Namespace) -> int:
    content, problems = check(args.config, args.content)
    if content is not None and content.demo:
        log.info("no posts in %s yet: checked the demo posts in demo/", display_path(args.content))
    for problem in problems:
        if args.format == "github":  # annotations on the pull request's files
            level = "warning" if problem.severity == "warning" else "error"
            message = _annotation(printable(problem.message))
            print(f"::{level} file={_property(problem.path)},line={problem.line}::{message}")
        print(problem, file=sys.stderr)
    errors = [problem for problem in problems if problem.severity == "error"]
    print(f"{len(errors)} Fehler, {len(problems) - len(errors)} Warnung(en)", file=sys.stderr)
    return 1 if errors else 0


def _annotation(message: str) -> str:
    return message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(value: str) -> str:
    # A property of a workflow command escapes ':' and ',' too (actions/toolkit, escapeProperty).
    return _annotation(value).replace(":", "%3A").replace(",", "%2C")


def serve_command(args: argparse.Namespace) -> int:
    from .serve import serve
    serve(args.out, load_config(args.config).site.base_url, args.port)
    return 0


def fetch_command(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    names = _selected_sources(config, args)
    if names is None:
        return 1
    return _report_fetch(_fetch_selected(config, args, names, args.status), args.report_json)


def _selected_sources(config, args: argparse.Namespace) -> tuple[str, ...] | None:
    """The names of the sources to run; None (after an error message) when one is unknown."""
    unknown = sorted(set(args.only) - {source.name for source in config.sources})
    if unknown:
        print(f"error: no source named {', '.join(unknown)} in {display_path(args.config)}", file=sys.stderr)
        return None
    selected = tuple(source.name for source in config.sources if not args.only or source.name in args.only)
    if getattr(args, "hourly", False):
        selected = tuple(s.name for s in config.sources if s.name in selected and s.settings.hourly)
    if not selected:
        log.info("no sources to fetch in %s", display_path(args.config))
    return selected


def _fetch_selected(config, args: argparse.Namespace, names: tuple[str, ...], new_status: str) -> list:
    from .fetch import fetch
    return fetch(config, args.content, only=names, new_status=new_status) if names else []


def _report_fetch(reports, report_json: Path | None) -> int:
    for report in reports:
        for warning in report.warnings:
            log.warning("%s: warning: %s", report.name, warning)
    failed = [report.name for report in reports if report.failed]
    log.info("%d sources: %d new, %d updated, %d failed%s", len(reports), sum(r.new for r in reports),
             sum(r.updated for r in reports), len(failed), f" ({', '.join(failed)})" if failed else "")
    if report_json:
        report_json.write_text(json.dumps([asdict(report) for report in reports], ensure_ascii=False, indent=1),
                               encoding="utf-8")
    return 2 if failed else 0


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
    names = _selected_sources(config, args)
    if names is None:
        return 1
    reports = _fetch_selected(config, args, names, "approved")
    code = _report_fetch(reports, args.report_json)
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
    from .media import MediaStore
    from .review import Git, commit_review, submission_taken_over
    from .writing import write_post
    from connectors.http import USER_AGENT
    config = load_config(args.config)
    submission = parse_issue(json.loads(args.event.read_text(encoding="utf-8")))
    try:
        post = submission_post(submission, config)
    except IntakeError as error:
        _write_comment(args.comment_file, f"Danke für Ihren Vorschlag! Leider fehlt noch etwas: {error} "
                                          "Bitte bearbeiten Sie das Issue; wir prüfen es dann erneut.")
        _github_output(branch="")
        return 0
    branch = f"einreichung/issue-{submission.number}"
    repo = Git(args.content)
    handled = submission_taken_over(repo, args.content, post.id, branch, config.site.contact_email)
    if handled:
        _write_comment(args.comment_file, handled)
        _github_output(branch="")
        return 0
    media = MediaStore(args.content, frozenset(), {"User-Agent": USER_AGENT})
    post, warnings = media.localise(post)
    repo.run("switch", "--quiet", "-C", branch)
    write_post(args.content, post)
    if commit_review(repo, f"Einreichung aus Issue #{submission.number}", (".",)):
        repo.run("push", "--quiet", "--force", "origin", branch)
    _write_comment(args.comment_file, "Danke für Ihren Vorschlag! Die Redaktion prüft ihn; nach der Freigabe "
                                      "erscheint er auf der Wall." + ("" if not warnings else
                                      " Das Bild konnten wir leider nicht übernehmen."))
    _github_output(branch=branch)
    return 0


def _write_comment(path: Path | None, text: str) -> None:
    if path:
        path.write_text(text + "\n", encoding="utf-8")
    log.info("%s", text)


def publish_command(args: argparse.Namespace) -> int:
    from .host import PublishError
    from .publish import LiveCheckFailed, publish
    from .sftp import UploadStopped
    config = load_config(args.config)
    settings = config.publish
    if settings is None:
        print(f"error: {display_path(args.config)} has no publish section", file=sys.stderr)
        return 1
    live_url = (settings.check_url or config.site.base_url) if settings.check else ""
    try:
        report = publish(args.out, settings, rollback=args.rollback, live_url=live_url)
    except (LiveCheckFailed, UploadStopped) as error:  # they say what is live
        print(f"error: {error}", file=sys.stderr)
        return 1
    except PublishError as error:
        print(f"error: {error}; the live site is unchanged", file=sys.stderr)
        return 1
    log.info("%s", report.summary())
    return 0


def approve_command(args: argparse.Namespace) -> int:
    return _set_status(args, "approved")


def reject_command(args: argparse.Namespace) -> int:
    return _set_status(args, "rejected")


def _set_status(args: argparse.Namespace, status: str) -> int:
    from .editorial import STATUS_WORDS, EditorialError, set_status
    config = load_config(args.config)
    try:
        paths = set_status(args.content, set(config.category_keys), args.ids, status, args.note)
    except EditorialError as error:
        print(f"Fehler: {error}", file=sys.stderr)
        return 1
    for path in paths:
        log.info("%s: %s (status: %s)", display_path(path), STATUS_WORDS[status], status)
    return 0


def pending_command(args: argparse.Namespace) -> int:
    from .editorial import pending_posts
    from .text import excerpt
    config = load_config(args.config)
    posts = pending_posts(args.content, set(config.category_keys))
    for post in posts:
        # The name on one line without control characters: it is the author's, and goes to a terminal.
        print(f"{post.id}\t{post.published:%Y-%m-%d}\t{excerpt(post.author.name, 60)}\t{excerpt(post.text, 60)}")
    log.info("%s auf Prüfung", "1 Beitrag wartet" if len(posts) == 1 else f"{len(posts)} Beiträge warten")
    return 0


def deny_command(args: argparse.Namespace) -> int:
    from .editorial import DENY_KINDS, EditorialError, add_deny_rule
    try:
        added = add_deny_rule(args.config, args.kind, args.value)
    except EditorialError as error:
        print(f"Fehler: {error}", file=sys.stderr)
        return 1
    where = f"moderation.deny.{DENY_KINDS[args.kind]} in {display_path(args.config)}"
    log.info("%s %s", args.value, f"steht jetzt in {where}" if added else f"stand schon in {where}")
    return 0


def add_command(args: argparse.Namespace) -> int:
    from connectors.opengraph import AddError, add_post
    config = load_config(args.config)
    try:
        path, warnings = add_post(config, args.content, args.url, category=args.category, author=args.author)
    except AddError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for warning in warnings:
        log.warning("warning: %s", warning)
    print(display_path(path))
    print(f"Bitte prüfen und ergänzen Sie den Text in {display_path(path)} und setzen Sie dann status: approved.",
          file=sys.stderr)
    return 0
