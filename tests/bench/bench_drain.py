"""Benchmark: record 100k events, then drain them to a `vitrine-hq serve` subprocess on loopback.

    python tests/bench/bench_drain.py [--events 100000] [--profile]

Prints recording and draining rates; the drain target is >= 35,000 events/s on 2 cores
(Segment's analytics-python reaches ~24k/s to a trivial sink).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bridge.facade import Bridge  # noqa: E402
from bridge.config import parse_settings  # noqa: E402

TARGET_EVENTS_PER_S = 35_000
SEGMENT_EVENTS_PER_S = 24_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_hq(workdir: Path) -> tuple[subprocess.Popen, str]:
    """`vitrine-hq serve` on a free port; returns once it accepts connections."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "hq.cli", "serve", "--db", str(workdir / "hq.db"),
                             "--port", str(port), "--no-seed"], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return proc, f"http://127.0.0.1:{port}"
        except OSError:
            if proc.poll() is not None:
                raise SystemExit(f"vitrine-hq serve exited: {proc.stderr.read().decode()}")
            time.sleep(0.05)
    proc.kill()
    raise SystemExit("vitrine-hq serve did not start within 30 s")


def record(bridge: Bridge, n: int, chunk: int = 5000) -> float:
    """Record n events through record_many; return seconds taken."""
    start = time.perf_counter()
    for base in range(0, n, chunk):
        bridge.outbox.record_many([
            {"type": "product_viewed", "device_id": f"kiosk-{i % 4}",
             "payload": {"product_id": f"rm-{1000 + i % 500}", "dwell_ms": i % 9000}}
            for i in range(base, min(n, base + chunk))])
    return time.perf_counter() - start


def drain(bridge: Bridge) -> tuple[float, int]:
    start = time.perf_counter()
    acked = 0
    while True:
        report = bridge.sync(pull=False)
        acked += report.acked
        if report.error:
            raise SystemExit(f"push failed: {report.error}")
        if report.drained:
            return time.perf_counter() - start, acked


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--events", type=int, default=100_000)
    p.add_argument("--synchronous", default="FULL", help="[bridge] synchronous (default FULL)")
    p.add_argument("--profile", action="store_true", help="print the drain's top functions")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        hq, url = start_hq(work)
        try:
            settings = parse_settings({
                "store": {"id": "paris-marais"},
                "bridge": {"database": str(work / "bridge.db"), "synchronous": args.synchronous},
                "hq": {"url": url, "token": "dev-token-paris-marais"},
            }, source=str(work / "config.toml"))
            with Bridge.open(settings) as bridge:
                rec_s = record(bridge, args.events)
                print(f"record: {args.events} events in {rec_s:.2f} s = {args.events / rec_s:,.0f} events/s")
                profiler = cProfile.Profile() if args.profile else None
                if profiler:
                    profiler.enable()
                drain_s, acked = drain(bridge)
                if profiler:
                    profiler.disable()
                rate = acked / drain_s
                print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
                print(f"drain: {acked} events in {drain_s:.2f} s = {rate:,.0f} events/s "
                      f"(target {TARGET_EVENTS_PER_S:,}: ratio {rate / TARGET_EVENTS_PER_S:.2f}; "
                      f"vs Segment ~{SEGMENT_EVENTS_PER_S:,}: ratio {rate / SEGMENT_EVENTS_PER_S:.2f})")
                if profiler:
                    pstats.Stats(profiler).sort_stats("cumulative").print_stats(18)
        finally:
            hq.terminate()
            hq.wait(timeout=30)


if __name__ == "__main__":
    main()
