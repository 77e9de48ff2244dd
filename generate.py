#!/usr/bin/env python3
"""Command line of the #EssenArbeitetZusammen wall: build, check, serve, fetch and add."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from wall.config import ConfigError
from wall.pipeline import ROOT, BuildError, ContentError, build, check
from wall.serve import serve
from wall.store import display_path

log = logging.getLogger("wall")


def main(argv: list[str] | None = None) -> int:
    """Run one subcommand; return the process exit code."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.INFO,
                        format="%(message)s", stream=sys.stderr)
    try:
        return args.command(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except (ConfigError, ContentError) as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        print(f"error: {len(error.problems)} problem(s) found; nothing was changed", file=sys.stderr)
        return 1
    except BuildError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        if args.debug:
            raise
        print(f"error: {error}", file=sys.stderr)
        return 1


def run_build(args: argparse.Namespace) -> int:
    log.info("building the wall from %s into %s ...", display_path(args.content), display_path(args.out))
    report = build(args.config, args.content, args.out)
    if report.demo:
        log.info("no posts in %s yet: built from the demo posts in demo/", display_path(args.content))
    log.info("%s", report.summary())
    return 0


def run_check(args: argparse.Namespace) -> int:
    content, problems = check(args.config, args.content)
    if content is not None and content.demo:
        log.info("no posts in %s yet: checked the demo posts in demo/", display_path(args.content))
    for problem in problems:
        print(problem, file=sys.stderr)
    errors = [problem for problem in problems if problem.severity == "error"]
    warnings = len(problems) - len(errors)
    print(f"{len(errors)} error(s), {warnings} warning(s)", file=sys.stderr)
    return 1 if errors else 0


def run_fetch(args: argparse.Namespace) -> int:
    from wall.config import load_config
    from wall.fetch import fetch
    config = load_config(args.config)
    unknown = sorted(set(args.only) - {source.name for source in config.sources})
    if unknown:
        print(f"error: no source named {', '.join(unknown)} in {display_path(args.config)}", file=sys.stderr)
        return 1
    if not config.sources:
        log.info("no sources in %s: nothing to fetch", display_path(args.config))
    reports = fetch(config, args.content, only=tuple(args.only), new_status=args.status)
    for report in reports:
        for warning in report.warnings:
            log.warning("%s: warning: %s", report.name, warning)
    failed = [report.name for report in reports if report.failed]
    new = sum(report.new for report in reports)
    updated = sum(report.updated for report in reports)
    log.info("%d sources: %d new, %d updated, %d failed%s", len(reports), new, updated, len(failed),
             f" ({', '.join(failed)})" if failed else "")
    return 2 if failed else 0


def run_add(args: argparse.Namespace) -> int:
    from connectors.opengraph import AddError, add_post
    from wall.config import load_config
    config = load_config(args.config)
    try:
        path, warnings = add_post(config, args.content, args.url, category=args.category, author=args.author)
    except AddError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for warning in warnings:
        log.warning("warning: %s", warning)
    print(display_path(path))
    print(f"Bitte prüfen und ergänzen Sie den Text in {display_path(path)}, dann status: approved setzen.",
          file=sys.stderr)
    return 0


def run_serve(args: argparse.Namespace) -> int:
    from wall.config import load_config
    base_url = load_config(args.config).site.base_url
    serve(args.out, base_url, args.port)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="generate.py", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    for name, handler, summary in (
        ("build", run_build, "build the static wall into --out (atomically)"),
        ("check", run_check, "validate config.yaml and all content; print file:line problems"),
        ("serve", run_serve, "preview the built site on http://127.0.0.1"),
        ("fetch", run_fetch, "fetch new posts from every source in config.yaml into --content"),
        ("add", run_add, "scaffold a pending manual post from a public page's Open Graph data"),
    ):
        command = commands.add_parser(name, help=summary, description=summary)
        command.set_defaults(command=handler)
        _common_options(command)
        if name in ("build", "serve"):
            command.add_argument("--out", type=Path, default=ROOT / "site",
                                 help="the built site (default: site/)")
        if name == "serve":
            command.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
        if name == "fetch":
            command.add_argument("--only", nargs="+", default=[], metavar="NAME",
                                 help="fetch only these sources")
            command.add_argument("--status", choices=("pending", "approved"), default="pending",
                                 help="status of new posts (default: pending; allow-listed "
                                      "authors are always approved)")
        if name == "add":
            command.add_argument("url", metavar="URL", help="the page, e.g. a Facebook or LinkedIn post")
            command.add_argument("--category", default="", metavar="KEY",
                                 help="category of the post (default: suggested from the text)")
            command.add_argument("--author", default="", metavar="NAME",
                                 help="author name (default: og:site_name or the host)")
    return parser


def _common_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--config", type=Path, default=ROOT / "config.yaml",
                         help="configuration file (default: config.yaml)")
    command.add_argument("--content", type=Path, default=ROOT / "content",
                         help="content folder with posts/ and pages/ (default: content/)")
    command.add_argument("--debug", action="store_true", help="show tracebacks and debug messages")


if __name__ == "__main__":
    sys.exit(main())
