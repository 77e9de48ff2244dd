"""A real OpenSSH server on 127.0.0.1 for deploy tests, with its own host and user keys."""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

from .conftest import IN_CI, free_port

TOOLS = ("sshd", "ssh", "ssh-keygen", "rsync", "sftp")


@dataclass(frozen=True)
class SshServer:
    """How to reach the test server, as config.yaml and the environment would say."""

    port: int
    user: str
    key: str  # the private key, as DEPLOY_SSH_KEY would hold it
    known_hosts: str  # the pinned host key line, as DEPLOY_KNOWN_HOSTS would hold it

    @property
    def environ(self) -> dict[str, str]:
        return {**os.environ, "DEPLOY_SSH_KEY": self.key, "DEPLOY_KNOWN_HOSTS": self.known_hosts}


def _tool(name: str) -> str:
    path = shutil.which(name) or (f"/usr/sbin/{name}" if os.path.exists(f"/usr/sbin/{name}") else None)
    if path is None:
        if IN_CI:
            pytest.fail(f"{name} is not installed; .ci/run installs openssh-server and rsync")
        pytest.skip(f"{name} is not installed")
    return path


def _keygen(path: Path) -> None:
    subprocess.run([_tool("ssh-keygen"), "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)


@contextmanager
def ssh_server(folder: Path, sftp_only: bool = False, sftp_refuses: str = "") -> Iterator[SshServer]:
    """Start sshd on a free loopback port; stop it afterwards.

    sftp_refuses: sftp requests the server turns down, as sftp-server's -P takes them
    ("posix-rename": a host whose sftp server cannot rename over a file).
    """
    sshd = _tool("sshd")
    for tool in TOOLS[1:]:
        _tool(tool)
    folder.mkdir(parents=True, exist_ok=True)
    _keygen(folder / "host_key")
    _keygen(folder / "client_key")
    shutil.copy(folder / "client_key.pub", folder / "authorized_keys")
    port = free_port()
    config = folder / "sshd_config"
    sftp = f"internal-sftp -P {sftp_refuses}" if sftp_refuses else "internal-sftp"
    config.write_text("\n".join([
        f"Port {port}", "ListenAddress 127.0.0.1", f"HostKey {folder / 'host_key'}",
        f"PidFile {folder / 'sshd.pid'}", f"AuthorizedKeysFile {folder / 'authorized_keys'}",
        "PasswordAuthentication no", "KbdInteractiveAuthentication no", "PubkeyAuthentication yes",
        "PermitRootLogin prohibit-password", "StrictModes no", "UsePAM no", "LogLevel ERROR",
        f"Subsystem sftp {sftp}", *([f"ForceCommand {sftp}"] if sftp_only else []),
    ]) + "\n", encoding="utf-8")
    if os.geteuid() == 0:
        Path("/run/sshd").mkdir(parents=True, exist_ok=True)  # sshd's privilege separation folder
    process = subprocess.Popen([sshd, "-D", "-e", "-f", str(config)], stderr=subprocess.PIPE)
    try:
        _wait_for(port, process)
        host_key = (folder / "host_key.pub").read_text(encoding="utf-8").split()[:2]
        yield SshServer(port=port, user=getpass.getuser(),
                        key=(folder / "client_key").read_text(encoding="utf-8"),
                        known_hosts=f"[127.0.0.1]:{port} {' '.join(host_key)}")
    finally:
        process.terminate()
        process.wait(timeout=10)


def _wait_for(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"sshd exited: {process.stderr.read().decode(errors='replace')}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError("sshd did not start")
