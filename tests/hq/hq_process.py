"""Run `python -m hq serve` as its own process group, for the crash test and the ingest benchmark."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def start_hq(database: str, *, workers: int = 1, port: int = 0, tokens: dict[str, str]) -> tuple[subprocess.Popen, str]:
    """Start HQ; return the process and its URL once it listens."""
    args = [sys.executable, "-m", "hq", "serve", "--database", database, "--port", str(port),
            "--workers", str(workers), "--no-seed"]
    for store_id, token in tokens.items():
        args += ["--token", f"{store_id}={token}"]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT,
                            start_new_session=True)
    line = proc.stdout.readline()
    if not line.startswith("vitrine-hq listening on "):
        kill_hq(proc)
        raise RuntimeError(f"HQ did not start: {line!r}")
    return proc, line.split()[-1]


def kill_hq(proc: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
    """Send sig to HQ and all its workers (its process group), then reap it."""
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass
    proc.wait(timeout=30)
    if proc.stdout:
        proc.stdout.close()
