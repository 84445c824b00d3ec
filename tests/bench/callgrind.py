"""Run a Python snippet under callgrind and return the instructions it executed."""

from __future__ import annotations

import re
import subprocess
import sys


def count_instructions(code: str, *args: str) -> int:
    """Instructions callgrind counted for `python -c code args...` (this interpreter)."""
    out = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                          sys.executable, "-c", code, *args],
                         capture_output=True, text=True, check=True)
    found = re.search(r"Collected : (\d+)", out.stderr)
    if found is None:
        raise SystemExit(f"no callgrind total in:\n{out.stderr[-2000:]}")
    return int(found.group(1))
