#!/usr/bin/env python3
"""Command line of the #EssenArbeitetZusammen wall.

Build and preview: build, check, serve.  Posts: fetch, add.  Editors: pending,
approve, reject, deny.  The scheduled workflows: review, health, intake, publish.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from wall import commands, workflow_commands
from wall.config import ConfigError
from wall.editorial import DENY_KINDS
from wall.pipeline import ROOT, BuildError, ContentError

CONFIG = ROOT / "config.yaml"
CONTENT = ROOT / "content"
SITE = ROOT / "site"


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
        print(f"Fehler: {len(error.problems)} Problem(e) in den Dateien; nichts wurde geändert", file=sys.stderr)
        return 1
    except (BuildError, OSError) as error:
        if args.debug:
            raise
        print(f"error: {error}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="generate.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    subcommands = parser.add_subparsers(required=True, metavar="COMMAND")
    for name, handler, summary, options in COMMANDS:
        command = subcommands.add_parser(name, help=summary, description=summary)
        command.set_defaults(command=handler)
        command.add_argument("--config", type=Path, default=CONFIG, help="configuration file (default: config.yaml)")
        command.add_argument("--content", type=Path, default=CONTENT,
                             help="content folder with posts/ and pages/ (default: content/)")
        command.add_argument("--debug", action="store_true", help="show tracebacks and debug messages")
        for flags, settings in options:
            command.add_argument(*flags, **settings)
    return parser


OUT = (("--out",), dict(type=Path, default=SITE, help="the built site (default: site/)"))
ONLY = (("--only",), dict(nargs="+", default=[], metavar="NAME", help="only these sources"))
HOURLY = (("--hourly",), dict(action="store_true", help="only sources marked hourly: true"))
REPORT_JSON = (("--report-json",), dict(type=Path, metavar="FILE", help="write each source's report as JSON"))
BRANCH = (("--branch",), dict(default="redaktion/neue-beitraege", help="the review branch"))
BASE = (("--base",), dict(default="main", help="the branch the site is published from (default: main)"))

COMMANDS = [
    ("build", commands.build_command, "build the static wall into --out (atomically, only what changed)",
     [OUT, (("--full",), dict(action="store_true", help="render every page, ignoring the build cache")),
      (("--jobs",), dict(type=int, metavar="N", help="processes rendering pages (default: one per CPU)"))]),
    ("preview", commands.preview_command,
     "build --out for the editors: the front page and the posts changed since --since, with their "
     "images (the download stays small)",
     [(("--out",), dict(type=Path, default=Path("preview"), help="where (default: preview/)")),
      (("--since",), dict(default="HEAD^1", metavar="REF",
                          help="git revision before the changes under review (default: HEAD^1, the base of "
                               "a pull request's merge commit)"))]),
    ("check", commands.check_command, "validate config.yaml and all content; print file:line problems",
     [(("--format",), dict(choices=("text", "github"), default="text",
                           help="github: also print annotations for GitHub Actions"))]),
    ("serve", commands.serve_command, "preview the built site on http://127.0.0.1",
     [OUT, (("--port",), dict(type=int, default=8000, help="port (default: 8000)"))]),
    ("fetch", commands.fetch_command, "fetch new posts from the sources in config.yaml into --content",
     [ONLY, HOURLY, REPORT_JSON,
      (("--status",), dict(choices=("pending", "approved"), default="pending",
                           help="status of new posts (default: pending; allow-listed authors are approved)"))]),
    ("add", commands.add_command, "scaffold a pending manual post from a public page's Open Graph data",
     [(("url",), dict(metavar="URL", help="the page, e.g. a Facebook or LinkedIn post")),
      (("--category",), dict(default="", metavar="KEY", help="category (default: suggested from the text)")),
      (("--author",), dict(default="", metavar="NAME", help="author name (default: og:site_name or the host)"))]),
    ("pending", commands.pending_command, "list the posts waiting for review", []),
    ("approve", commands.approve_command, "approve posts by id",
     [(("ids",), dict(nargs="+", metavar="ID")), (("--note",), dict(default=None, help="an editor's note"))]),
    ("reject", commands.reject_command, "reject posts by id (they never come back)",
     [(("ids",), dict(nargs="+", metavar="ID")), (("--note",), dict(default=None, help="why"))]),
    ("deny", commands.deny_command, "add a rule to moderation.deny in config.yaml, keeping its comments",
     [(("kind",), dict(choices=tuple(DENY_KINDS))), (("value",), dict(metavar="VALUE"))]),
    ("review", workflow_commands.review_command,
     "fetch into the review branch, commit, push, write the PR text; posts deleted upstream leave the base at once",
     [ONLY, HOURLY, REPORT_JSON, BRANCH, BASE,
      (("--body-file",), dict(type=Path, metavar="FILE", help="write the pull request text here")),
      (("--no-push",), dict(action="store_true", help="commit but do not push (nor remove anything from the base)")),
      (("--previous-pull-request",), dict(default="", metavar="NUMBER STATE",
                                          help="the branch's newest pull request and its state (OPEN, CLOSED, "
                                               "MERGED), as gh tells it: a deleted branch is taken up again"))]),
    ("health", workflow_commands.health_command,
     "open or close health issues from a fetch report, or for a whole workflow run (--workflow)",
     [(("--report",), dict(type=Path, metavar="FILE", help="the JSON from --report-json")),
      (("--history",), dict(type=Path, metavar="FILE", help="kept between runs (with --report)")), BASE,
      (("--workflow",), dict(metavar="NAME", help="the workflow whose run ended (instead of --report)")),
      (("--outcome",), dict(choices=("success", "failure", "cancelled"), help="how the run ended (job.status)")),
      (("--run-url",), dict(default="", metavar="URL", help="the run's page, for the issue")),
      (("--apply",), dict(action="store_true", help="open and close the issues with gh"))]),
    ("intake", workflow_commands.intake_command, "turn a 'Beitrag einreichen' issue into a post on its own branch",
     [(("--event",), dict(type=Path, required=True, metavar="FILE", help="the GitHub event JSON")),
      (("--comment-file",), dict(type=Path, metavar="FILE", help="write the answer to the issue here"))]),
    ("publish", commands.publish_command, "upload --out to the web host in config.yaml (publish:)",
     [OUT, (("--rollback",), dict(action="store_true", help="switch back to the previous release"))]),
]


def _observed() -> bool:
    """True while a profiler, tracer or coverage tool is attached."""
    if sys.getprofile() or sys.gettrace():
        return True
    monitoring = getattr(sys, "monitoring", None)  # Python 3.12+: cProfile uses it, coverage can
    return monitoring is not None and any(monitoring.get_tool(tool) for tool in range(6))


if __name__ == "__main__":
    code = main()
    if _observed():  # a profiler or coverage writes its results at exit
        sys.exit(code)
    # Leave without freeing a build's objects one by one (half a second at 50,000 posts, after
    # the work is done): the operating system takes the memory back at once.
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
