#!/usr/bin/env python3
"""Command line of the #EssenArbeitetZusammen wall: build, check and serve."""

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
    ):
        command = commands.add_parser(name, help=summary, description=summary)
        command.set_defaults(command=handler)
        _common_options(command)
        if name in ("build", "serve"):
            command.add_argument("--out", type=Path, default=ROOT / "site",
                                 help="the built site (default: site/)")
        if name == "serve":
            command.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    return parser


def _common_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--config", type=Path, default=ROOT / "config.yaml",
                         help="configuration file (default: config.yaml)")
    command.add_argument("--content", type=Path, default=ROOT / "content",
                         help="content folder with posts/ and pages/ (default: content/)")
    command.add_argument("--debug", action="store_true", help="show tracebacks and debug messages")


if __name__ == "__main__":
    sys.exit(main())
