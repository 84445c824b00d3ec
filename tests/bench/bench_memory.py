"""Benchmark: peak RSS of a `vitrine-bridge run` process draining 100k pending events.

    python tests/bench/bench_memory.py [--events 100000]

Prints the run process's peak resident set (VmHWM); the target is <= 120 MB.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_drain import record, start_hq  # noqa: E402
from bridge.facade import Bridge  # noqa: E402
from bridge.config import load_settings  # noqa: E402

TARGET_MB = 120.0


def peak_rss_mb(pid: int) -> float:
    """VmHWM (peak resident set) of a live process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--events", type=int, default=100_000)
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        hq, url = start_hq(work)
        config = work / "config.toml"
        config.write_text(f'[store]\nid = "paris-marais"\n[bridge]\ndatabase = "bridge.db"\n'
                          f'push_interval_s = 0.5\n[hq]\nurl = "{url}"\n'
                          f'token = "dev-token-paris-marais"\n[intake]\nport = 0\n'
                          f'token = "bench"\n')
        try:
            with Bridge.open(load_settings(config)) as bridge:
                record(bridge, args.events)
            run = subprocess.Popen([sys.executable, "-m", "bridge.cli", "--config", str(config),
                                    "--log-level", "WARNING", "run"], cwd=ROOT,
                                   env={**os.environ, "PYTHONPATH": str(ROOT)})
            start = time.perf_counter()
            peak = 0.0
            with Bridge.open(load_settings(config)) as watcher:
                while watcher.outbox.stats().pending + watcher.outbox.stats().in_flight:
                    peak = max(peak, peak_rss_mb(run.pid))
                    if run.poll() is not None:
                        raise SystemExit(f"vitrine-bridge run exited with {run.returncode}")
                    time.sleep(0.1)
            drained_s = time.perf_counter() - start
            peak = max(peak, peak_rss_mb(run.pid))
            run.send_signal(signal.SIGTERM)
            code = run.wait(timeout=60)
            print(f"run: drained {args.events} pending events in {drained_s:.1f} s, exit {code}")
            print(f"peak RSS: {peak:.1f} MB (target <= {TARGET_MB:.0f} MB: ratio {peak / TARGET_MB:.2f})")
        finally:
            hq.terminate()
            hq.wait(timeout=30)


if __name__ == "__main__":
    main()
