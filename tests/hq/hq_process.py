"""Run `python -m hq serve` as its own process group, for the crash test and the ingest benchmark."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]


def start_hq(database: str, *, workers: int = 1, port: int = 0, tokens: dict[str, str],
             extra: tuple[str, ...] = ()) -> tuple[subprocess.Popen, str]:
    """Start HQ (extra: more `serve` options); return the process and its URL once it listens."""
    args = [sys.executable, "-m", "hq", "serve", "--database", database, "--port", str(port),
            "--workers", str(workers), "--no-seed"]
    for store_id, token in tokens.items():
        args += ["--token", f"{store_id}={token}"]
    args += extra
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT,
                            start_new_session=True)
    line = proc.stdout.readline()
    if not line.startswith("vitrine-hq listening on "):
        kill_hq(proc)
        raise RuntimeError(f"HQ did not start: {line!r}")
    url = line.split()[-1]
    _wait_ready(url, workers)
    return proc, url


def _wait_ready(url: str, workers: int, timeout_s: float = 60) -> None:
    """Poll /readyz until it answers (several times, so that most workers have started)."""
    deadline = time.monotonic() + timeout_s
    ready = 0
    while ready < 2 * workers:
        if time.monotonic() > deadline:
            raise RuntimeError(f"HQ at {url} not ready after {timeout_s} s")
        try:
            ready += requests.get(url + "/readyz", timeout=5).status_code == 200
        except requests.RequestException:
            time.sleep(0.05)


def kill_hq(proc: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
    """Send sig to HQ and all its workers (its process group), then reap it."""
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass
    proc.wait(timeout=30)
    if proc.stdout:
        proc.stdout.close()
