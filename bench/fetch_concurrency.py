"""Fetch concurrency: eight sources answering in 200 ms per page against one such source.

Each source is a fake Mastodon instance on 127.0.0.1 (tests/fake_mastodon.py) that
waits 200 ms before every answer.  Sources run concurrently, so eight should take
about as long as the slowest one alone.  The instances run in a process of their own,
as a platform's servers do: in ours, their work would compete with the fetch for the
interpreter.  Run: .venv/bin/python bench/fetch_concurrency.py
(bench/run.py runs it too, on the code it measures, and reports it).
"""

from __future__ import annotations

import json
import multiprocessing
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import FETCH_CONFIG  # noqa: E402
from tests.fake_mastodon import MastodonFake  # noqa: E402
from tests.fakes import FakeServer  # noqa: E402
from wall.config import load_config  # noqa: E402
from wall.fetch import fetch  # noqa: E402

DELAY = 0.2  # seconds per answer
PAGES = 3  # timeline pages each source reads


def slow_instance(server: FakeServer) -> MastodonFake:
    """A fake instance with PAGES pages of posts, each answer delayed by DELAY."""
    fake = MastodonFake(server, page_size=2)
    for number in range(1, 2 * PAGES + 1):
        fake.add(number)
    original = fake.timeline

    def delayed(request):
        reply = original(request)
        reply.delay = DELAY
        return reply

    server.route("GET", r"/api/v1/timelines/tag/(?P<tag>[^/]+)")(delayed)
    server.route("GET", r"/media/(?P<name>[^/]+)")(lambda request: fake.media(request))
    return fake


def serve_instances(count: int, connection) -> None:
    """Run count slow instances, send their addresses through connection, stop when it says so."""
    servers = [FakeServer().start() for _ in range(count)]
    try:
        connection.send([slow_instance(server).base for server in servers])
        connection.recv()
    finally:
        for server in servers:
            server.stop()


def timed_fetch(instances: list[str]) -> float:
    """Seconds for one fetch of one source per instance (by address) into a fresh content folder."""
    with tempfile.TemporaryDirectory() as folder:
        sources = "".join(f"  - name: m{index}\n    type: mastodon\n    instances: [{base}]\n"
                          f"    max_pages: {PAGES}\n" for index, base in enumerate(instances))
        path = Path(folder) / "config.yaml"
        path.write_text(FETCH_CONFIG.format(sources=sources, allow="[]", deny_authors="[]", deny_keywords="[]"),
                        encoding="utf-8")
        started = time.perf_counter()
        reports = fetch(load_config(path), Path(folder) / "content",
                        now=lambda: datetime(2020, 4, 1, tzinfo=timezone.utc))
        elapsed = time.perf_counter() - started
        assert all(not report.error for report in reports), [report.error for report in reports]
        return elapsed


def measure(runs: int = 3) -> dict:
    """Median seconds of a fetch from one slow source and from eight at once."""
    context = multiprocessing.get_context("spawn")  # no copy of this process's threads
    ours, theirs = context.Pipe()
    servers = context.Process(target=serve_instances, args=(8, theirs), daemon=True)
    servers.start()
    try:
        instances = ours.recv()
        one = statistics.median(timed_fetch(instances[:1]) for _ in range(runs))
        eight = statistics.median(timed_fetch(instances) for _ in range(runs))
    finally:
        ours.send("stop")
        servers.join(10)
    return {"one": one, "eight": eight, "pages": PAGES, "delay": DELAY, "runs": runs}


def main() -> None:
    """Print the measurement; with --json as JSON (bench/run.py reads that)."""
    result = measure()
    if "--json" in sys.argv[1:]:
        print(json.dumps(result))
        return
    print(f"one source: {result['one']:.2f} s, eight sources: {result['eight']:.2f} s, "
          f"ratio {result['eight'] / result['one']:.2f} ({PAGES} pages of {DELAY * 1000:.0f} ms each per source, "
          f"median of {result['runs']})")


if __name__ == "__main__":
    main()
