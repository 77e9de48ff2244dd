"""One function per subcommand of generate.py: call the stages, print what people need to know.

Each takes the parsed arguments and returns the exit code.  Errors that are the
user's (bad config, bad content) are raised and printed by generate.py.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import asdict
from pathlib import Path

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
    names = selected_sources(config, args)
    if names is None:
        return 1
    return report_fetch(fetch_selected(config, args, names, args.status), args.report_json)


def selected_sources(config, args: argparse.Namespace) -> tuple[str, ...] | None:
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


def fetch_selected(config, args: argparse.Namespace, names: tuple[str, ...], new_status: str) -> list:
    from .fetch import fetch
    return fetch(config, args.content, only=names, new_status=new_status) if names else []


def report_fetch(reports, report_json: Path | None) -> int:
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
