"""Publishing over plain SFTP, for hosts without shell or rsync.

A manifest of file hashes on the host says what changed; new files go up before
the pages that link to them, the pages last, and files that left the site are
removed at the very end.  Where the server can rename over an existing file
(OpenSSH's posix-rename; tried before each upload), each file goes up under a
temporary name and then replaces the old one in one step, so no visitor ever
gets half a page; elsewhere files are written in place.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Callable

from .config import PublishSettings
from .host import RELEASE_MARKER, PublishError, PublishReport, run, target

MANIFEST = ".wall-manifest.json"
UPLOADING = ".upload"  # an sftp upload's temporary name: the file's own name, a dot before and this after
RENAME_PROBE = ".wall-rename-probe"
REMOVING = "being-removed"  # a removed file's digest in the manifest until the removal is done


class UploadStopped(PublishError):
    """An sftp upload stopped partway: files already sent are live beside the old ones."""


def upload_order(changed: list[str]) -> list[str]:
    """Files the pages link to first, then the pages, the front page and 404 page last."""
    def rank(path: str) -> tuple[int, str]:
        if path in ("index.html", "404.html"):
            return 2, path
        return (1 if path.endswith(".html") else 0), path
    return sorted(changed, key=rank)


def publish_sftp(site_dir: Path, new: dict[str, str], marker: Path, settings: PublishSettings,
                 options: list[str]) -> PublishReport:
    """Changed files up, each replacing its old version in one step where the server can, then
    removed ones gone.

    Before anything is sent, the host's manifest forgets the files about to change but still
    names those about to be removed: if the upload stops partway, the next publish sends the
    changed ones again and removes the others (a post taken down must not stay online).
    """
    old, replaces = _remote_state(settings, options)
    changed = upload_order([path for path, digest in new.items() if old.get(path) != digest])
    removed = sorted(set(old) - set(new), reverse=True)
    # The removed ones stay named, with a digest no file has, until they are gone: a stopped
    # upload's next run removes them, or sends them again if they came back.
    kept = {path: (digest if path in new else REMOVING) for path, digest in old.items() if path not in changed}
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
    uploading = _uploading(target)
    return [f"put {_quote(str(source))} {_quote(uploading)}", f"rename {_quote(uploading)} {_quote(target)}"]


def _uploading(target: str) -> str:
    folder, _, name = target.rpartition("/")
    return f"{folder}/.{name}{UPLOADING}"


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
    # What an upload that stopped between put and rename left of a file that has since left the site.
    lines += [f"-rm {_quote(_uploading(base + '/' + path))}" for path in removed]
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
    run(["sftp", "-b", "-", *sftp_options, target(settings)], what, stdin=batch.encode("utf-8"))
