"""The EWG web host over SSH: the deploy identity, running a command there, what a publish did."""

from __future__ import annotations

import subprocess
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Mapping

from .config import PublishSettings

RELEASE_MARKER = "wall-release.txt"  # beside the site's files on the host: which publish is live


class PublishError(Exception):
    """Publishing stopped; the live site is the one that was live before."""


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


def run(command: list[str], what: str, stdin: bytes | None = None) -> str:
    """Run ssh, rsync or sftp; its output, or PublishError naming what failed with its last words."""
    result = subprocess.run(command, input=stdin, capture_output=True, timeout=3600)
    if result.returncode != 0:
        error = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise PublishError(f"{what} failed (exit {result.returncode}): {' '.join(error[-3:])}")
    return result.stdout.decode("utf-8", "replace")


def target(settings: PublishSettings) -> str:
    return f"{settings.user}@{settings.host}"
