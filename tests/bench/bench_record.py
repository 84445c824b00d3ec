"""Benchmark Outbox.record() against raw sqlite3 single-row commits on the same disk.

    python tests/bench/bench_record.py [-n 500] [--rounds 10] [--dir DIR] [--synchronous FULL]

Both sides use WAL and the same `synchronous`; each commit is one event. Rounds
alternate between the two so that disk noise hits both alike. Targets: record()
at >= 0.8x the raw rate, p99 <= 1 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bridge.db import Database  # noqa: E402
from bridge.events import new_event_id, now_rfc3339  # noqa: E402
from bridge.outbox import Outbox  # noqa: E402

PAYLOAD = {"product_id": "rm-1001", "sku": "RM-1001-S-BLK", "dwell_ms": 5200}


def _percentile(sorted_ns: list[int], p: float) -> float:
    """The p-th percentile in milliseconds."""
    return sorted_ns[min(len(sorted_ns) - 1, int(len(sorted_ns) * p))] / 1e6


def run_raw(path: Path, n: int, synchronous: str) -> list[int]:
    """n single-row autocommit inserts of a same-sized event body; per-insert ns."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute(f"PRAGMA synchronous = {synchronous}")
    conn.execute("CREATE TABLE IF NOT EXISTS events (pos INTEGER PRIMARY KEY, id TEXT UNIQUE, body TEXT)")
    times = []
    for i in range(n):
        event_id = new_event_id()
        body = json.dumps({"id": event_id, "type": "product_viewed", "occurred_at": now_rfc3339(),
                           "device_id": "kiosk-1", "seq": i + 1, "profile_id": None,
                           "claim_code": None, "payload": PAYLOAD}, separators=(",", ":"))
        t0 = time.perf_counter_ns()
        conn.execute("INSERT INTO events(id, body) VALUES (?, ?)", (event_id, body))
        times.append(time.perf_counter_ns() - t0)
    conn.close()
    return times


def run_record(outbox: Outbox, n: int) -> list[int]:
    """n Outbox.record() calls (validation, id, seq, JSON, durable commit); per-call ns."""
    times = []
    for _ in range(n):
        t0 = time.perf_counter_ns()
        outbox.record("product_viewed", device_id="kiosk-1", payload=PAYLOAD)
        times.append(time.perf_counter_ns() - t0)
    return times


def summary(name: str, times: list[int]) -> float:
    ordered = sorted(times)
    rate = len(times) / (sum(times) / 1e9)
    print(f"{name:>8}: {rate:10.0f} events/s  p50 {_percentile(ordered, 0.50):.3f} ms  "
          f"p99 {_percentile(ordered, 0.99):.3f} ms  max {ordered[-1] / 1e6:.3f} ms")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=500, help="events per round")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--dir", default=None, help="directory on the disk to measure (default: a temp dir)")
    parser.add_argument("--synchronous", default="FULL")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir, prefix="vitrine-bench-") as tmp:
        root = Path(tmp)
        db = Database.open(root / "outbox.db", synchronous=args.synchronous)
        outbox = Outbox(db)
        run_raw(root / "raw.db", 200, args.synchronous)  # warm up both files and caches
        run_record(outbox, 200)
        raw_times: list[int] = []
        rec_times: list[int] = []
        for _ in range(args.rounds):
            raw_times += run_raw(root / "raw.db", args.n, args.synchronous)
            rec_times += run_record(outbox, args.n)
        db.close()
        print(f"dir {root}  synchronous={args.synchronous}  {args.rounds} rounds x {args.n} events, WAL  "
              f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        raw_rate = summary("raw", raw_times)
        rec_rate = summary("record", rec_times)
        p99 = _percentile(sorted(rec_times), 0.99)
        ratio = rec_rate / raw_rate
        print(f"ratio record/raw: {ratio:.2f}x (target >= 0.80x)  "
              f"record p99 {p99:.3f} ms (target <= 1 ms)  "
              f"median-per-call ratio {statistics.median(raw_times) / statistics.median(rec_times):.2f}x")


if __name__ == "__main__":
    main()
