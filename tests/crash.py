"""Running generate.py in a subprocess that SIGKILLs itself at a chosen moment, as a CI runner
is killed (a timeout, a cancelled run, the OOM killer): no except, no finally, no atexit runs.

The moment is found with an audit hook (sys.addaudithook), not guessed with a delay: the
process kills itself when the hook's condition first holds, so a test is deterministic.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from .conftest import ROOT

KILLED = -signal.SIGKILL

_RUNNER = """\
import os, runpy, signal, sys
sys.path.insert(0, {root!r})
seen = []
{condition}
def hook(event, args):
    if event != "os.kill" and should_kill(event, args):  # os.kill is audited too
        os.kill(os.getpid(), signal.SIGKILL)
sys.addaudithook(hook)
sys.argv = ["generate.py", *{argv!r}]
runpy.run_path({script!r}, run_name="__main__")
"""


def generate(cwd: Path, *argv: str, kill_when: str = "def should_kill(event, args):\n    return False\n",
             env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run generate.py with argv in cwd; kill_when defines should_kill(event, args) (it may keep
    state in the list `seen`), and the process SIGKILLs itself the first time it returns True."""
    code = _RUNNER.format(root=str(ROOT), condition=kill_when, argv=list(argv), script=str(ROOT / "generate.py"))
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=120)


def after_rename_of(suffix: str) -> str:
    """Killed at the first rename after the one whose source ends with suffix: that one is done."""
    return ("def should_kill(event, args):\n"
            "    if event != 'os.rename':\n"
            "        return False\n"
            "    if seen:\n"
            "        return True\n"
            f"    if str(args[0]).endswith({suffix!r}):\n"
            "        seen.append(args)\n"
            "    return False\n")


def at_rename_from(name_prefix: str) -> str:
    """Killed just before renaming a file or folder whose own name starts with name_prefix."""
    return ("def should_kill(event, args):\n"
            f"    return event == 'os.rename' and os.path.basename(str(args[0])).startswith({name_prefix!r})\n")
