"""The fetch stage: run every source, merge what they found into content/, record the state.

Sources run concurrently; each one's failure is its own.  Nothing a source
returns can change what editors decided (status, category, pin, note; the rules
are in merge.py), and a failing source never removes or changes a stored post.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Mapping, NamedTuple
from urllib.parse import urlsplit

from connectors import ConnectorError, connector_class
from connectors.base import SourceContext
from connectors.http import HttpClient

from .config import Config, Source
from .history import removed_post_files
from .ingest import admitted
from .media import MediaStore, Withdrawn, remove_media_except, used_media, withdrawn_pictures
from .merge import arrival, platform_changed, updated
from .moderate import deny_reason
from .post import Post, post_filename
from .state import read_state, write_state
from .store import read_posts
from .text import one_line
from .urls import comparable
from .workers import usable_cpus
from .writing import post_file, remove_partial_files, write_atomic
from .yamlfile import Problem, display_path

log = logging.getLogger(__name__)

# Sources still running after this are left behind, so that the others' posts are written
# well within the fetch job's 20 minutes.
FETCH_SECONDS = 10 * 60
PARALLEL_SOURCES = 8
# Posts of one source prepared at once (their images downloaded, their files made): an image
# host takes 100-300 ms per image, and a source's first run can bring hundreds.
PREPARED_AT_ONCE = 4


@dataclass
class SourceReport:
    """What one source did in one run."""

    name: str
    type: str
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0  # by the source's rules or the deny list
    removed: int = 0  # deleted upstream
    error: str = ""  # why the source failed, '' when it did not
    error_kind: str = ""  # 'auth', 'rate_limit', 'network', 'server', 'response', 'missing_token'
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    token_expires: str = ""  # from the source's settings, for the health check

    @property
    def failed(self) -> bool:
        return bool(self.error) and self.error_kind != "missing_token"

    def summary(self) -> str:
        if self.error_kind == "missing_token":
            return f"{self.name}: skipped: {self.error}"
        if self.error:
            return f"{self.name}: FAILED ({self.error_kind}): {self.error}"
        return (f"{self.name}: {self.new} new, {self.updated} updated, {self.unchanged} unchanged, "
                f"{self.skipped} skipped by rule, {self.removed} removed, 0 errors, {self.seconds:.1f} s")


@dataclass
class _Outcome:
    """A source's finished work, applied to content/ by the main thread."""

    report: SourceReport
    writes: list[tuple[Post, bytes]] = field(default_factory=list)  # each with its file, made in the worker
    gone: list[Post] = field(default_factory=list)
    state: dict[str, Any] | None = None


def fetch(config: Config, content_dir: Path, *, only: tuple[str, ...] = (),
          environ: Mapping[str, str] = os.environ, new_status: str = "pending",
          now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
          max_wait: float = 120, time_limit: float = FETCH_SECONDS) -> list[SourceReport]:
    """Run the sources (all, or those named in only) and write what changed into content_dir."""
    sources = [source for source in config.sources if not only or source.name in only]
    remove_partial_files(content_dir, recursive=True)  # what a killed run was writing
    stored, unreadable = _stored_posts(config, content_dir)
    state = read_state(content_dir)
    moment = now().replace(microsecond=0)
    names = {post.slug: post.id for post in stored.values()}
    addresses = {comparable(post.url): post.id for post in stored.values() if post.platform == "manual"}
    run = _SourceRun(config, content_dir, stored, names, addresses, unreadable, removed_post_files(content_dir),
                     withdrawn_pictures(content_dir, config.moderation), state, environ, new_status, moment, max_wait,
                     time.monotonic() + time_limit)
    outcomes = _run_sources(run, sources, time_limit)
    changed = False
    written: set[str] = set()
    current = dict(stored)  # the posts in content/ as this run leaves them
    for outcome in outcomes:
        changed |= _apply(outcome, content_dir, state, written, current)
    # Only now that every source's post files are written (before, a later source's new images
    # would look unused), and at every run: a run killed after removing a post left its images.
    if not unreadable:  # an unreadable post might use any file: delete nothing
        remove_media_except(content_dir, used_media(current.values()))
    if changed:
        state["last_fetch"] = moment.isoformat()
    write_state(content_dir, state)
    return [outcome.report for outcome in outcomes]


def _run_sources(run: _SourceRun, sources: list[Source], time_limit: float) -> list[_Outcome]:
    """Each source's outcome, several sources at a time; one still running after time_limit fails.

    A server can keep a source busy for ever (a byte now and then keeps every read within its
    timeout), so the workers are daemon threads that are not waited for beyond the limit.  One
    left behind sends no further request (run.give_up_at) and its outcome is dropped.
    """
    waiting: queue.SimpleQueue[Source] = queue.SimpleQueue()
    for source in sources:
        waiting.put(source)
    finished: dict[str, _Outcome] = {}

    def work() -> None:
        while True:
            try:
                source = waiting.get_nowait()
            except queue.Empty:
                return
            finished[source.name] = run(source)

    workers = [threading.Thread(target=work, name="fetch", daemon=True)
               for _ in range(max(1, min(PARALLEL_SOURCES, len(sources))))]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(max(0.0, run.give_up_at - time.monotonic()))
    return [finished.get(source.name) or _left_behind(source, time_limit) for source in sources]


def _left_behind(source: Source, time_limit: float) -> _Outcome:
    report = SourceReport(source.name, source.type, token_expires=source.settings.token_expires,
                          error=f"not finished after {time_limit:g} s: left behind, nothing of it written",
                          error_kind="network", seconds=time_limit)
    log.info("%s", report.summary())
    return _Outcome(report)


def _stored_posts(config: Config, content_dir: Path) -> tuple[dict[str, Post], set[str]]:
    problems: list[Problem] = []
    # On every core: a wall of 10,000 posts takes seconds to read, longer than its sources
    # take to answer.  Before the sources' threads start, so the fork copies none of them.
    posts = read_posts(content_dir, set(config.category_keys), problems, jobs=usable_cpus())
    # A file that does not read cleanly might be any post: never overwrite it.
    unreadable = {problem.path for problem in problems if problem.severity == "error"}
    return {post.id: post for post in posts}, unreadable


@dataclass(frozen=True)
class _SourceRun:
    """Fetches one source and decides what to write; runs in a worker thread."""

    config: Config
    content_dir: Path
    stored: dict[str, Post]  # every readable stored post by id
    names: dict[str, str]  # their ids by the name of their page and file
    addresses: dict[str, str]  # the ids of manual posts (a form's, an editor's) by address (see urls.comparable)
    unreadable: set[str]  # post files with errors: never overwritten
    removed: frozenset[str]  # post files editors deleted (relative to content/): rejected for good
    withdrawn: Withdrawn  # pictures editors deleted or denied (see media.withdrawn_pictures): never stored again
    state: dict[str, Any]  # content/state.yaml as read before the run
    environ: Mapping[str, str]  # where tokens come from
    new_status: str  # status of posts that arrive
    now: datetime  # this run's time, for fetched_at and edited_at
    max_wait: float  # longest wait on a rate limit, seconds
    give_up_at: float  # time.monotonic() after which a source sends no request: it is left behind

    def __call__(self, source: Source) -> _Outcome:
        started = time.perf_counter()
        report = SourceReport(source.name, source.type, token_expires=source.settings.token_expires)
        outcome = _Outcome(report)
        log.info("%s: fetching ...", source.name)
        try:
            self._fetch(source, outcome)
        except ConnectorError as error:
            report.error, report.error_kind = str(error), error.kind
        except Exception as error:  # a bug in one connector must not stop the others
            log.debug("%s failed", source.name, exc_info=True)
            report.error, report.error_kind = f"{type(error).__name__}: {error}", "error"
        # Errors and warnings quote what servers sent; they go into logs, where a line starting
        # '::' is a workflow command, and into issues, where a line break ends a code span.
        report.error, report.warnings = one_line(report.error), [one_line(warning) for warning in report.warnings]
        report.seconds = time.perf_counter() - started
        log.info("%s", report.summary())
        return outcome

    def _fetch(self, source: Source, outcome: _Outcome) -> None:
        cls = connector_class(source.type)
        settings = source.settings
        token = self.environ.get(settings.token_env, "") if settings.token_env else ""
        if cls.needs_token and not token:
            outcome.report.error = f"the environment variable {settings.token_env or '(token_env)'} is not set"
            outcome.report.error_kind = "missing_token"
            return
        api_base = settings.api_base or cls.default_api_base
        http = HttpClient(timeout=settings.timeout, retries=settings.retries, token_env=settings.token_env,
                          max_wait=self.max_wait, deadline=self.give_up_at,
                          missing_wait=getattr(cls, "missing_rate_limit_wait", 60.0))
        media = MediaStore(self.content_dir, _allowed_hosts(api_base, settings), http.session.headers,
                           timeout=settings.timeout, give_up_at=self.give_up_at, withdrawn=self.withdrawn)
        work = _SourceWork(source.name, media)
        # Ahead, only the work is kept: what a post counts as is decided when the connector is done.
        head_start = _HeadStart(lambda post: self._take(post, work, _Outcome(SourceReport(source.name, source.type))))
        context = SourceContext(name=source.name, hashtags=settings.hashtags or self.config.hashtags,
                                http=http, state=dict(self.state.get("sources", {}).get(source.name, {})),
                                token=token, now=self.now, hand_over=head_start.hand_over)
        connector = cls(replace(settings, api_base=api_base), context)
        known = [post for post in self.stored.values() if post.source == source.name]
        with head_start:
            result = connector.fetch(known)
        outcome.report.skipped = result.skipped
        outcome.report.warnings.extend(result.warnings)
        for fetched in result.posts:
            self._take(fetched, work, outcome)
        outcome.gone = [self.stored[i] for i in result.gone if i in self.stored]
        outcome.state = result.state

    def _take(self, fetched: Post, work: _SourceWork, outcome: _Outcome) -> None:
        post, warnings = admitted(replace(fetched, source=work.source), self.now)
        outcome.report.warnings.extend(warnings)
        if post is not None:
            self._merge(post, work, outcome)

    def _merge(self, fetched: Post, work: _SourceWork, outcome: _Outcome) -> None:
        report = outcome.report
        if deny_reason(fetched, self.config.moderation):
            report.skipped += 1  # blocked content is not stored at all
            return
        stored = self.stored.get(fetched.id)
        path = display_path(self.content_dir / post_filename(fetched.id))
        if stored is None and path in self.unreadable:
            report.warnings.append(f"{fetched.id}: {path} has errors; left as it is")
            return
        if stored is None and post_filename(fetched.id) in self.removed:
            report.skipped += 1  # an editor deleted this post's file: rejected for good
            return
        same_page = self.addresses.get(comparable(fetched.url), fetched.id)
        if stored is None and same_page != fetched.id:  # the same post came in through the form, or by hand
            report.skipped += 1
            report.warnings.append(f"{fetched.id}: left out: {same_page} shows the same address ({fetched.url})")
            return
        if stored is None and self._name_taken(fetched):
            report.warnings.append(f"{fetched.id}: left out: another post has its page and file name ({fetched.slug})")
            return
        if stored is None:
            report.new += _queued(work, arrival(fetched, self.config, self.new_status, self.now), outcome)
        elif stored.status == "rejected" or not platform_changed(stored, fetched):
            report.unchanged += 1
        else:
            report.updated += _queued(work, updated(stored, fetched, self.now), outcome)

    def _name_taken(self, post: Post) -> bool:
        # Distinct ids can share a name ('mastodon:ABC', 'mastodon:abc-b5d4045c'): never write over another post.
        return post.slug in self.names or os.path.exists(self.content_dir / post_filename(post.id))


def _queued(work: _SourceWork, post: Post, outcome: _Outcome) -> int:
    """1 when the post is queued to be written; 0, with a warning, when its file would be refused."""
    prepared = work.prepared(post)
    outcome.report.warnings.extend(prepared.warnings)
    if prepared.problems:
        outcome.report.warnings.append(f"{post.id}: left out: {prepared.problems[0]}")
        outcome.report.skipped += 1
        return 0
    outcome.writes.append((prepared.post, prepared.data))
    return 1


class _Prepared(NamedTuple):
    post: Post  # with its images stored
    data: bytes  # its file
    warnings: list[str]  # images left out
    problems: list[str]  # why the file would be refused


class _SourceWork:
    """One source's images and post files, each made once in a run (see _HeadStart)."""

    def __init__(self, source: str, media: MediaStore):
        self.source = source
        self.media = media
        self._made: dict[str, tuple[Post, _Prepared]] = {}  # by id: the post as asked for, what was made

    def prepared(self, post: Post) -> _Prepared:
        made = self._made.get(post.id)
        if made is None or made[0] != post:  # new, or changed since it was handed over
            localised, warnings = self.media.localise(post)
            data, problems = post_file(localised)
            made = self._made[post.id] = post, _Prepared(localised, data, warnings, problems)
        return made[1]


class _HeadStart:
    """Takes the posts a connector hands over while it reads on (SourceContext.hand_over), in
    threads of their own, several posts at once: their images download while the connector waits
    for its next page.

    What it does only fills _SourceWork: the posts the connector returns are taken again, and
    the ones prepared here cost nothing more.  Its errors are left for that second pass to meet.
    """

    def __init__(self, take: Callable[[Post], None], threads: int = PREPARED_AT_ONCE):
        self._take = take
        self._count = threads
        self._waiting: queue.SimpleQueue[Post | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._discard = False

    def hand_over(self, post: Post) -> None:
        if not self._threads:  # only for connectors that hand posts over
            self._threads = [threading.Thread(target=self._work, name="fetch-head-start", daemon=True)
                             for _ in range(self._count)]
            for thread in self._threads:
                thread.start()
        self._waiting.put(post)

    def __enter__(self) -> _HeadStart:
        return self

    def __exit__(self, failed: type[BaseException] | None, *_: object) -> None:
        """Wait until every post handed over is prepared, or when the connector failed, until the
        ones in hand are (their images may be stored: the fetch removes them with the unused ones)."""
        self._discard = failed is not None
        for _ in self._threads:
            self._waiting.put(None)
        for thread in self._threads:
            thread.join()

    def _work(self) -> None:
        while (post := self._waiting.get()) is not None:
            if self._discard:
                continue
            try:
                self._take(post)
            except Exception:  # the connector's own pass meets it again and reports it
                log.debug("preparing %s ahead failed", post.id, exc_info=True)


def _allowed_hosts(api_base: str, settings: Any) -> frozenset[str]:
    # Only the source's own API host may be a local address (the loopback fakes in tests).
    urls = [api_base, getattr(settings, "auth_base", ""), *getattr(settings, "instances", ()),
            *getattr(settings, "feeds", ())]
    return frozenset(urlsplit(url).netloc.lower() for url in urls if url)


def _apply(outcome: _Outcome, content_dir: Path, state: dict[str, Any], written: set[str],
           current: dict[str, Post]) -> bool:
    """Write one source's results; True when any post file changed.  current (the posts in
    content/ by id) is kept up to date."""
    changed = False
    for post, data in outcome.writes:
        if post.id in written:  # two sources found the same post: the first one wins
            continue
        written.add(post.id)
        current[post.id] = post
        path = content_dir / post_filename(post.id)
        if not path.is_file() or path.read_bytes() != data:
            write_atomic(path, data)
            changed = True
    for post in outcome.gone:
        (content_dir / post_filename(post.id)).unlink(missing_ok=True)
        current.pop(post.id, None)
        outcome.report.removed += 1
        changed = True
    if outcome.state is not None and not outcome.report.error:
        state.setdefault("sources", {})[outcome.report.name] = outcome.state
    return changed
