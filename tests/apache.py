"""A real Apache httpd on 127.0.0.1 that serves a built wall under its sub-path, reading the
wall's .htaccess the way a shared web host does (AllowOverride All)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

from .conftest import IN_CI, free_port

MODULES = "/usr/lib/apache2/modules"
# What Debian's apache2 package loads by default, as shared hosts do (mime, headers, deflate, ...).
LOADED = ("mpm_event", "authz_core", "authz_host", "unixd", "dir", "mime", "alias", "headers", "filter",
          "deflate", "env", "setenvif")


def _apache() -> str:
    path = shutil.which("apache2") or ("/usr/sbin/apache2" if os.path.exists("/usr/sbin/apache2") else None)
    if path is None or not os.path.isdir(MODULES):
        if IN_CI:
            pytest.fail("apache2 is not installed; .ci/run installs it")
        pytest.skip("apache2 is not installed")
    return path


def readable_folder(prefix: str) -> tempfile.TemporaryDirectory:
    """A temporary folder that Apache's workers, which may run as another user, can read."""
    folder = tempfile.TemporaryDirectory(prefix=prefix)
    os.chmod(folder.name, 0o755)
    return folder


@contextmanager
def apache_serving(site: Path, sub_path: str, in_place: bool = False) -> Iterator[str]:
    """Serve a copy of site (or site itself, in a readable_folder) at http://127.0.0.1:<port><sub_path>;
    yields that address."""
    apache = _apache()
    with readable_folder("wall-apache-") as folder:
        root = Path(folder)
        served = site if in_place else root / "site"
        if not in_place:
            shutil.copytree(site, served)
            for path in [served, *served.rglob("*")]:
                path.chmod(0o755 if path.is_dir() else 0o644)
        port = free_port()
        user = ["User www-data", "Group www-data"] if os.geteuid() == 0 else []
        config = root / "httpd.conf"
        config.write_text("\n".join([
            *(f"LoadModule {name}_module {MODULES}/mod_{name}.so" for name in LOADED
              if os.path.exists(f"{MODULES}/mod_{name}.so")),  # others are built in
            f"ServerRoot {root}", f"PidFile {root}/httpd.pid", f"ErrorLog {root}/error.log", "LogLevel warn",
            f"Listen 127.0.0.1:{port}", "ServerName 127.0.0.1", *user,
            "TypesConfig /etc/mime.types", "DirectoryIndex index.html",
            f"DocumentRoot {root}/empty", f"Alias {sub_path} {served}/",
            f'<Directory "{served}">', "  Options FollowSymLinks", "  AllowOverride All", "  Require all granted",
            "</Directory>",
        ]) + "\n", encoding="utf-8")
        (root / "empty").mkdir()
        process = subprocess.Popen([apache, "-X", "-f", str(config)], stderr=subprocess.PIPE)
        try:
            _wait_for(port, process, root / "error.log")
            yield f"http://127.0.0.1:{port}{sub_path}"
        finally:
            process.terminate()
            process.wait(timeout=10)


def _wait_for(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            errors = process.stderr.read().decode("utf-8", "replace") if process.stderr else ""
            logged = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
            raise RuntimeError(f"apache2 stopped (exit {process.returncode}): {errors}{logged}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("apache2 did not start within 20 s")
