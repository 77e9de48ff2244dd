"""Publishing site/ to the EWG web host over SSH: rsync with atomic releases, or plain SFTP.

rsync: deploy/prepare.sh, run on the host, makes this run a hard-link copy of the
live release; rsync brings it up to date (only changed files travel); then
deploy/activate.sh renames it into a release and switches the `current` symlink in
one rename.  An upload that breaks off leaves `current` on the old, complete
release.  `--rollback` points it back.

sftp (hosts without shell or rsync): a manifest of file hashes on the host says
what changed; new files go up before the pages that link to them, the pages
last, and files that left the site are removed at the very end.  Where the
server can rename over an existing file (OpenSSH's posix-rename; asked before
each upload), each file goes up under a temporary name and then replaces the
old one in one step, so no visitor ever gets half a page; elsewhere files are
written in place.

Either way the upload carries RELEASE_MARKER, a file naming this publish (its time
and the site's fingerprint), sent last; the live check asks the web address for it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import subprocess
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator, Mapping

import requests

from .config import PublishSettings
from .store import PLACEHOLDER

DEPLOY_SCRIPTS = Path(__file__).resolve().parent.parent / "deploy"
MANIFEST = ".wall-manifest.json"
UPLOADING = ".upload"  # an sftp upload's temporary name: the file's own name, a dot before and this after
RENAME_PROBE = ".wall-rename-probe"
RELEASE_MARKER = "wall-release.txt"  # beside the site's files on the host: which publish is live
MIN_FILES = 3


class PublishError(Exception):
    """Publishing stopped; the live site is the one that was live before."""


class UploadStopped(PublishError):
    """An sftp upload stopped partway: files already sent are live beside the old ones."""


class LiveCheckFailed(PublishError):
    """The upload went through but the live wall did not answer with it; the message says what
    is live now (rsync switches back to the release before)."""


@dataclass(frozen=True)
class PublishReport:
    """What a publish did."""

    method: str
    live: str  # the release now live ('' for sftp, which has none)
    sent: int  # files uploaded
    deleted: int  # files removed from the host

    def summary(self) -> str:
        live = f", live release {self.live}" if self.live else ""
        return f"published with {self.method}: {self.sent} files sent, {self.deleted} removed{live}"


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
                report = _publish_sftp(site_dir, digests, marker, settings, options)
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


@contextmanager
def ssh_identity(settings: PublishSettings, environ: Mapping[str, str]) -> Iterator[list[str]]:
    """SSH options with the deploy key and the pinned host key, from the environment."""
    key, known_hosts = environ.get(settings.key_env, ""), environ.get(settings.known_hosts_env, "")
    for name, value in ((settings.key_env, key), (settings.known_hosts_env, known_hosts)):
        if not value.strip():
            raise PublishError(f"the environment variable {name} is not set")
    with tempfile.TemporaryDirectory(prefix="wall-ssh-") as folder:
        key_file, hosts_file = Path(folder) / "key", Path(folder) / "known_hosts"
        key_file.write_text(key.strip() + "\n", encoding="utf-8")
        hosts_file.write_text(known_hosts.strip() + "\n", encoding="utf-8")
        key_file.chmod(0o600)
        yield ["-F", "/dev/null", "-i", str(key_file), "-p", str(settings.port),
               "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "StrictHostKeyChecking=yes",
               "-o", f"UserKnownHostsFile={hosts_file}", "-o", "GlobalKnownHostsFile=/dev/null",
               "-o", "ConnectTimeout=20", "-o", "LogLevel=ERROR",
               # A connection that hangs (a host gone quiet) ends after a minute, not at the job's limit.
               "-o", "ServerAliveInterval=15", "-o", "ServerAliveCountMax=4"]


def _run(command: list[str], what: str, stdin: bytes | None = None) -> str:
    result = subprocess.run(command, input=stdin, capture_output=True, timeout=3600)
    if result.returncode != 0:
        error = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise PublishError(f"{what} failed (exit {result.returncode}): {' '.join(error[-3:])}")
    return result.stdout.decode("utf-8", "replace")


def _target(settings: PublishSettings) -> str:
    return f"{settings.user}@{settings.host}"


def _remote_script(settings: PublishSettings, options: list[str], script: str, *args: str) -> str:
    """Run one of deploy/*.sh on the host; the live release it reports."""
    command = ["ssh", *options, _target(settings), "sh", "-s", "--", *map(shlex.quote, args)]
    output = _run(command, script, stdin=(DEPLOY_SCRIPTS / script).read_bytes())
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
    destination = f"{_target(settings)}:{settings.path}/releases/{work}/"
    output = _run([*command, f"{site_dir}/", f"{marker.parent}/", destination], "rsync upload")
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


def upload_order(changed: list[str]) -> list[str]:
    """Files the pages link to first, then the pages, the front page and 404 page last."""
    def rank(path: str) -> tuple[int, str]:
        if path in ("index.html", "404.html"):
            return 2, path
        return (1 if path.endswith(".html") else 0), path
    return sorted(changed, key=rank)


def _publish_sftp(site_dir: Path, new: dict[str, str], marker: Path, settings: PublishSettings,
                  options: list[str]) -> PublishReport:
    """Changed files up, each replacing its old version in one step where the server can, then
    removed ones gone.

    Before anything is sent, the host's manifest forgets the files about to change: if the
    upload stops partway, the next publish sends them all again (and finds nothing missing).
    """
    old, replaces = _remote_state(settings, options)
    changed = upload_order([path for path, digest in new.items() if old.get(path) != digest])
    removed = sorted(set(old) - set(new), reverse=True)
    kept = {path: digest for path, digest in old.items() if path in new and path not in changed}
    with tempfile.TemporaryDirectory(prefix="wall-sftp-") as folder:
        before, after = Path(folder) / "before.json", Path(folder) / MANIFEST
        before.write_text(json.dumps(kept, sort_keys=True, indent=0), encoding="utf-8")
        after.write_text(json.dumps(new, sort_keys=True, indent=0), encoding="utf-8")
        batch = _sftp_batch(site_dir, settings.path, changed, removed, (before, after), marker,
                            _replacing if replaces else _in_place)
        try:
            _sftp(settings, options, batch, "sftp upload")
        except PublishError as error:
            raise UploadStopped(f"{error}; the upload stopped partway, so the live site may show old and new "
                                "files side by side: publish again (it sends what is missing)") from None
    return PublishReport("sftp", "", sent=len(changed), deleted=len(removed))


def _remote_state(settings: PublishSettings, options: list[str]) -> tuple[dict[str, str], bool]:
    """The host's manifest, and whether its sftp server renames a file over an existing one.

    Both in one session: two probe files, the first renamed onto the second, the second
    fetched back; it holds the first's bytes only where the rename replaced it.
    """
    base = settings.path
    probe = [f"{base}/{RENAME_PROBE}-{name}" for name in ("a", "b")]
    with tempfile.TemporaryDirectory(prefix="wall-sftp-") as folder:
        local = Path(folder) / MANIFEST
        sent, fetched = [Path(folder) / name for name in ("a", "b")], Path(folder) / "probe"
        for path in sent:
            path.write_text(path.name, encoding="utf-8")
        batch = [f"-get {_quote(base + '/' + MANIFEST)} {_quote(str(local))}", *_make_base(base),
                 *(f"-put {_quote(str(path))} {_quote(target)}" for path, target in zip(sent, probe)),
                 f"-rename {_quote(probe[0])} {_quote(probe[1])}", f"-get {_quote(probe[1])} {_quote(str(fetched))}",
                 *(f"-rm {_quote(target)}" for target in probe)]
        _sftp(settings, options, "\n".join(batch) + "\n", "reading the manifest")
        replaces = fetched.is_file() and fetched.read_text(encoding="utf-8") == "a"
        if not local.is_file():
            return {}, replaces  # a first upload: everything goes up
        try:
            data = json.loads(local.read_text(encoding="utf-8"))
        except ValueError:
            return {}, replaces
        return (data if isinstance(data, dict) else {}), replaces


def _make_base(base: str) -> list[str]:
    return [f"-mkdir {_quote(str(folder))}" for folder in [*reversed(Path(base).parents), Path(base)]
            if str(folder) != "/"]


def _replacing(source: Path, target: str) -> list[str]:
    """Up under a temporary name beside the target, then renamed over it: the old file until then."""
    folder, _, name = target.rpartition("/")
    uploading = f"{folder}/.{name}{UPLOADING}"
    return [f"put {_quote(str(source))} {_quote(uploading)}", f"rename {_quote(uploading)} {_quote(target)}"]


def _in_place(source: Path, target: str) -> list[str]:
    return [f"put {_quote(str(source))} {_quote(target)}"]


def _sftp_batch(site_dir: Path, base: str, changed: list[str], removed: list[str],
                manifests: tuple[Path, Path], marker: Path,
                send: Callable[[Path, str], list[str]]) -> str:
    """The sftp commands: the manifest without the files to change, folders, the files, the
    removals (a file where a folder now goes, and the reverse, first), the release marker,
    the full manifest."""
    folders = _with_parents(sorted({str(Path(path).parent) for path in changed} - {"."}))
    in_the_way = [path for path in removed if path in folders or any(path.startswith(f"{c}/") for c in changed)]
    emptied = sorted({str(parent) for path in removed for parent in Path(path).parents} - {"."} - set(folders),
                     key=lambda folder: (-folder.count("/"), folder))
    lines = _make_base(base)
    lines += send(manifests[0], f"{base}/{MANIFEST}")
    lines += [f"-rm {_quote(base + '/' + path)}" for path in in_the_way]
    lines += [f"-rmdir {_quote(base + '/' + folder)}" for folder in emptied  # where a file now goes
              if any(folder == path or folder.startswith(f"{path}/") for path in changed)]
    lines += [f"-mkdir {_quote(base + '/' + folder)}" for folder in folders]
    lines += [line for path in changed for line in send(site_dir / path, f"{base}/{path}")]
    lines += [f"-rm {_quote(base + '/' + path)}" for path in removed if path not in in_the_way]
    lines += [f"-rmdir {_quote(base + '/' + folder)}" for folder in emptied]  # a removed post's folder
    lines += send(marker, f"{base}/{RELEASE_MARKER}")
    lines += send(manifests[1], f"{base}/{MANIFEST}")
    return "\n".join(lines) + "\n"


def _with_parents(folders: list[str]) -> list[str]:
    every = {str(parent) for folder in folders for parent in [Path(folder), *Path(folder).parents]} - {"."}
    return sorted(every, key=lambda p: (p.count("/"), p))


def _quote(path: str) -> str:
    if any(character in path for character in '"\n\r\\'):
        raise PublishError(f"cannot publish a file named {path!r}")
    return f'"{path}"'


def _sftp(settings: PublishSettings, options: list[str], batch: str, what: str) -> None:
    sftp_options = [option if option != "-p" else "-P" for option in options]
    _run(["sftp", "-b", "-", *sftp_options, _target(settings)], what, stdin=batch.encode("utf-8"))
