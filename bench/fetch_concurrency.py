"""Fetch concurrency: eight sources answering in 200 ms per page against one such source.

Each source is a fake Mastodon instance on 127.0.0.1 (tests/fake_mastodon.py) that
waits 200 ms before every answer.  Sources run concurrently, so eight should take
about as long as the slowest one alone.  The instances run in a process of their own,
as a platform's servers do: in ours, their work would compete with the fetch for the
interpreter.  A ninth instance has a picture on each post, each as slow to come: a source's
images download while its pages load, several at once.  With --stored CONTENT, one source also
fetches into a copy of that content folder (a benchmark wall's, see synth.py): a fetch reads
every stored post, and a wall grows for years.
Run: .venv/bin/python bench/fetch_concurrency.py [--stored bench/.cache/wall-10000-*/content]
(bench/run.py runs it too, on the code it measures, and reports it).
"""

from __future__ import annotations

import json
import multiprocessing
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fake_mastodon import MastodonFake, image_attachment  # noqa: E402
from tests.fakes import FakeServer  # noqa: E402
from wall.config import load_config  # noqa: E402
from wall.fetch import fetch  # noqa: E402

DELAY = 0.2  # seconds per answer
PAGES = 3  # timeline pages each source reads
PICTURES_PER_PAGE = 8  # on the instance with pictures: a post each, and as many posts on a page


def slow_instance(server: FakeServer, pictures: bool = False) -> MastodonFake:
    """A fake instance with PAGES pages of posts, each answer delayed by DELAY; with pictures,
    PICTURES_PER_PAGE posts a page, each with an image of its own (and its answer delayed too)."""
    per_page = PICTURES_PER_PAGE if pictures else 2
    fake = MastodonFake(server, page_size=per_page)
    for number in range(1, per_page * PAGES + 1):
        fake.add(number, media=[image_attachment(fake.base, number, name=f"bild-{number}.webp")] if pictures else None)

    def delayed(answer):
        def handler(request):
            reply = answer(request)
            reply.delay = DELAY
            return reply
        return handler

    server.route("GET", r"/api/v1/timelines/tag/(?P<tag>[^/]+)")(delayed(fake.timeline))
    server.route("GET", r"/media/(?P<name>[^/]+)")(delayed(fake.media) if pictures else fake.media)
    return fake


def serve_instances(count: int, connection) -> None:
    """Run count slow instances and one with pictures; send their addresses through connection
    (the one with pictures last), stop when it says so."""
    servers = [FakeServer().start() for _ in range(count + 1)]
    try:
        connection.send([slow_instance(server, pictures=server is servers[-1]).base for server in servers])
        connection.recv()
    finally:
        for server in servers:
            server.stop()


def timed_fetch(instances: list[str], stored: Path | None = None) -> float:
    """Seconds for one fetch of one source per instance (by address) into a fresh content folder,
    or into a copy of stored (a content folder made with the project's categories)."""
    with tempfile.TemporaryDirectory() as folder:
        content = Path(folder) / "content"
        if stored is not None:
            shutil.copytree(stored, content)
        path = Path(folder) / "config.yaml"
        path.write_text(fetch_config(instances), encoding="utf-8")
        started = time.perf_counter()
        reports = fetch(load_config(path), content, now=lambda: datetime(2020, 4, 1, tzinfo=timezone.utc))
        elapsed = time.perf_counter() - started
        assert all(not report.error for report in reports), [report.error for report in reports]
        return elapsed


def fetch_config(instances: list[str]) -> str:
    """config.yaml with one source per instance and the project's categories (as the benchmark's walls have)."""
    categories = "".join(f"  - {{key: {category.key}, label: {category.label}}}\n"
                         for category in load_config(ROOT / "config.yaml").categories)
    sources = "".join(f"  - name: m{index}\n    type: mastodon\n    instances: [{base}]\n"
                      f"    max_pages: {PAGES}\n" for index, base in enumerate(instances))
    return (f"site:\n  title: Wall\n  base_url: https://www.ewg.de/essenarbeitetzusammen/\n"
            f"hashtags: [EssenArbeitetZusammen]\ncategories:\n{categories}sources:\n{sources}")


def measure(runs: int = 3, stored: Path | None = None) -> dict:
    """Median seconds of a fetch from one slow source and from eight at once; with stored (a
    content folder), also of one source into a copy of it."""
    context = multiprocessing.get_context("spawn")  # no copy of this process's threads
    ours, theirs = context.Pipe()
    servers = context.Process(target=serve_instances, args=(8, theirs), daemon=True)
    servers.start()
    try:
        *instances, with_pictures = ours.recv()
        one = statistics.median(timed_fetch(instances[:1]) for _ in range(runs))
        eight = statistics.median(timed_fetch(instances) for _ in range(runs))
        pictures = statistics.median(timed_fetch([with_pictures]) for _ in range(runs))
        into_wall = statistics.median(timed_fetch(instances[:1], stored) for _ in range(runs)) if stored else None
    finally:
        ours.send("stop")
        servers.join(10)
    wall = {"stored": sum(1 for _ in (stored / "posts").rglob("*.yaml")), "into_wall": into_wall} if stored else {}
    return {"one": one, "eight": eight, "pages": PAGES, "delay": DELAY, "runs": runs, "pictures": pictures,
            "pictures_per_page": PICTURES_PER_PAGE, **wall}


def main() -> None:
    """Print the measurement; with --json as JSON (bench/run.py reads that)."""
    arguments = sys.argv[1:]
    stored = Path(arguments[arguments.index("--stored") + 1]) if "--stored" in arguments else None
    result = measure(stored=stored)
    if "--json" in arguments:
        print(json.dumps(result))
        return
    print(f"one source: {result['one']:.2f} s, eight sources: {result['eight']:.2f} s, "
          f"ratio {result['eight'] / result['one']:.2f} ({PAGES} pages of {DELAY * 1000:.0f} ms each per source, "
          f"median of {result['runs']})")
    print(f"one source with {PAGES * PICTURES_PER_PAGE} posts, each with a picture as slow to come: "
          f"{result['pictures']:.2f} s")
    if "into_wall" in result:
        print(f"one source into a wall of {result['stored']:,} posts: {result['into_wall']:.2f} s")


if __name__ == "__main__":
    main()
