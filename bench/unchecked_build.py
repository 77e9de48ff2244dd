"""Our build with the safety net switched off: what the net costs, timed in the same rounds.

The net (wall/verify.py) parses every page before it goes live; no option of generate.py
switches it off, and none should.  This wrapper does, for the benchmark only: it runs the
measured code's generate.py with the net's factory replaced, so the same build writes the same
files without checking them.

    .venv/bin/python bench/unchecked_build.py CODE_ROOT build --config … --content … --out …
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path


def main(argv: list[str]) -> None:
    code = Path(argv[0]).resolve()
    sys.path.insert(0, str(code))
    from wall import pipeline

    if not callable(getattr(pipeline, "_safety_check", None)):  # renamed: we would time the net after all
        raise SystemExit(f"{code}/wall/pipeline.py has no _safety_check to switch off")
    pipeline._safety_check = lambda: None  # write_site checks nothing when given no check
    sys.argv = [str(code / "generate.py"), *argv[1:]]
    runpy.run_path(str(code / "generate.py"), run_name="__main__")


if __name__ == "__main__":
    main(sys.argv[1:])
