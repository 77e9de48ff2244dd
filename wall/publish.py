"""Publishing site/ to the EWG web host over SSH: rsync with atomic releases, or plain SFTP.

rsync: deploy/prepare.sh, run on the host, makes this run a hard-link copy of the
live release; rsync brings it up to date (only changed files travel); then
deploy/activate.sh renames it into a release and switches the `current` symlink in
one rename.  An upload that breaks off leaves `current` on the old, complete
release.  `--rollback` points it back.

sftp (hosts without shell or rsync): see wall/sftp.py.

Either way the upload carries RELEASE_MARKER, a file naming this publish (its time
and the site's fingerprint), sent last; the live check asks the web address for it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Mapping

import requests

from .config import PublishSettings
from .host import RELEASE_MARKER, PublishError, PublishReport, run, ssh_identity, target
from .sftp import publish_sftp
from .pages import PLACEHOLDER

DEPLOY_SCRIPTS = Path(__file__).resolve().parent.parent / "deploy"
MIN_FILES = 3


class LiveCheckFailed(PublishError):
    """The upload went through but the live wall did not answer with it; the message says what
    is live now (rsync switches back to the release before)."""


DEMO_MARK = '<meta name="robots" content="noindex">'  # on the front page only of a demo wall


def check_site(site_dir: Path) -> list[Path]:
    """The files to publish; refuses an empty or half-built site."""
    files = sorted(path for path in site_dir.rglob("*") if path.is_file())
    if not (site_dir / "index.html").is_file() or len(files) < MIN_FILES:
        raise PublishError(f"{site_dir} holds no complete site (run 'generate.py build' first)")
    if DEMO_MARK in (site_dir / "index.html").read_text(encoding="utf-8", errors="replace"):
        raise PublishError(f"{site_dir} ist die Demo-Wall (gebaut, als content/posts/ noch keine Beiträge "
                           "enthielt): ihre erfundenen Unternehmen gehen nie online")
    unfilled = [f"{page.parent.name}/: {found}" for page in sorted(site_dir.glob("*/index.html"))
                for found in PLACEHOLDER.findall(page.read_text(encoding="utf-8", errors="replace"))[:1]]
    if unfilled:
        raise PublishError("die Seiten der Redaktion (content/pages/*.md) enthalten noch Platzhalter, die nicht "
                           "online gehen dürfen (ein lückenhaftes Impressum ist ein rechtliches Risiko): "
                           + "; ".join(unfilled))
    return files


def publish(site_dir: Path, settings: PublishSettings, environ: Mapping[str, str] = os.environ,
            *, rollback: bool = False, now: datetime | None = None, live_url: str = "") -> PublishReport:
    """Upload the built site (or roll back) with the configured method.

    live_url: where the wall answers on the web; when given, the upload is followed by
    check_live, and rsync switches back to the release before if the check fails; a
    rollback is followed by a look at the front page.
    """
    with ssh_identity(settings, environ) as options:
        if rollback:
            if settings.method == "sftp":
                raise PublishError("sftp keeps no releases to roll back to; publish an older build instead")
            live = _remote_script(settings, options, "rollback.sh", settings.path)
            answer = _front_page_answer(live_url) if live_url else 200
            if answer != 200:
                raise LiveCheckFailed(f"{live_url} answers {answer} after the rollback to release {live}: "
                                      "check the web host")
            return PublishReport("rsync", live, 0, 0)
        digests = manifest(site_dir, check_site(site_dir))
        release = f"{now or datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}-{_fingerprint(digests)[:7]}"
        with tempfile.TemporaryDirectory(prefix="wall-release-") as folder:
            marker = Path(folder) / RELEASE_MARKER
            marker.write_text(release + "\n", encoding="utf-8")
            if settings.method == "sftp":
                report = publish_sftp(site_dir, digests, marker, settings, options)
            else:
                report = _publish_rsync(site_dir, release, marker, settings, options)
        problem = check_live(live_url, release) if live_url else ""
        if problem:
            raise LiveCheckFailed(f"{live_url} {problem} {_after_failed_check(report, settings, options, live_url)}")
        return report


LIVE_TRIES = 4
LIVE_PAUSE = 5.0  # seconds between tries: a host may take a moment to serve the new release
LIVE_HEADERS = {"Cache-Control": "no-cache", "User-Agent": "wall-publish-check"}


def check_live(url: str, release: str) -> str:
    """'' once url serves the release just uploaded, else what it served instead (after LIVE_TRIES).

    Catches what the upload cannot see: a host answering '500' (a setting of the .htaccess it
    does not allow), a web folder that does not point at the releases, an old copy served.
    The front page must answer, and RELEASE_MARKER must name this publish: it differs with every
    publish, whatever changed (a page, the stylesheet, nothing at all).
    """
    problem = ""
    for attempt in range(LIVE_TRIES):
        if attempt:
            time.sleep(LIVE_PAUSE)
        try:  # the query keeps a cache on the way from answering with what it kept
            front, marker = (requests.get(url + path, params={"neu": release}, timeout=20, headers=LIVE_HEADERS)
                             for path in ("", RELEASE_MARKER))
        except requests.RequestException as error:
            problem = f"did not answer ({type(error).__name__})"
            continue
        served = marker.text.strip()[:60] if marker.status_code == 200 else ""
        if front.status_code != 200:
            problem = f"answered with status {front.status_code}"
        elif served != release:
            shown = repr(served) if served else f"none (status {marker.status_code})"
            problem = f"serves another release than the one just uploaded ({RELEASE_MARKER}: {shown})"
        else:
            return ""
    return problem


def _after_failed_check(report: PublishReport, settings: PublishSettings, options: list[str], url: str) -> str:
    """What happened after the upload, and what is live now (rsync switches back).

    The failed release is deleted on the way, so no later rollback returns to it; the
    release switched back to is asked for its front page, since it may fail too.
    """
    if report.method == "sftp":
        return "after the upload; sftp keeps no release to go back to: check the web host"
    try:
        live = _remote_script(settings, options, "rollback.sh", settings.path, "drop")
    except PublishError:
        return (f"after the switch to release {report.live}; there is no release before it to switch back "
                "to (a first publish): check the web host")
    answer = _front_page_answer(url)
    state = "which is live again" if answer == 200 else f"but the wall still answers {answer}: check the web host"
    return f"after the switch to release {report.live} (now deleted); switched back to release {live}, {state}"


def _front_page_answer(url: str) -> int | str:
    """The status the front page answers with (200 is good), or why it did not answer."""
    for attempt in range(LIVE_TRIES):
        if attempt:
            time.sleep(LIVE_PAUSE)
        try:
            answer = requests.get(url, params={"neu": os.urandom(6).hex()}, timeout=20, headers=LIVE_HEADERS)
            status = answer.status_code
        except requests.RequestException as error:
            status = f"nothing ({type(error).__name__})"
        if status == 200:
            return status
    return status


def _remote_script(settings: PublishSettings, options: list[str], script: str, *args: str) -> str:
    """Run one of deploy/*.sh on the host; the live release it reports."""
    command = ["ssh", *options, target(settings), "sh", "-s", "--", *map(shlex.quote, args)]
    output = run(command, script, stdin=(DEPLOY_SCRIPTS / script).read_bytes())
    lines = [line for line in output.splitlines() if line.startswith("live: ")]
    return lines[-1][len("live: "):] if lines else ""


def _publish_rsync(site_dir: Path, release: str, marker: Path, settings: PublishSettings,
                   options: list[str]) -> PublishReport:
    # A folder of this run's own: two publishes at once (one by hand, say) never mix their files.
    work = f".{release}.{os.urandom(3).hex()}.tmp"
    _remote_script(settings, options, "prepare.sh", settings.path, work, str(settings.keep))
    # Compared by content (each build writes every file anew) and without their times: a file
    # keeps the date it last changed on the host, which the web server sends as Last-Modified,
    # so browsers keep what did not change. No links (-l): the site has none to send.
    command = ["rsync", "-rp", "--checksum", "--delete", "--chmod=D755,F644", "--itemize-changes",
               "-e", shlex.join(["ssh", *options])]
    if settings.bandwidth_limit:
        command.append(f"--bwlimit={settings.bandwidth_limit}")
    destination = f"{target(settings)}:{settings.path}/releases/{work}/"
    output = run([*command, f"{site_dir}/", f"{marker.parent}/", destination], "rsync upload")
    changes = [line for line in output.splitlines() if not line.endswith(f" {RELEASE_MARKER}")]
    live = _remote_script(settings, options, "activate.sh", settings.path, work, release, str(settings.keep))
    return PublishReport("rsync", live, sent=sum(1 for line in changes if line.startswith("<f")),
                         deleted=sum(1 for line in changes if line.startswith("*deleting")))


def _fingerprint(digests: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(digests, sort_keys=True).encode()).hexdigest()


def manifest(site_dir: Path, files: list[Path]) -> dict[str, str]:
    """Every file of the site with the SHA-256 of its bytes."""
    return {path.relative_to(site_dir).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in files}


