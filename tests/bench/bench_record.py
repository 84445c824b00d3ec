"""Benchmark Outbox.record() against raw sqlite3 single-row commits on the same disk.

    python tests/bench/bench_record.py [-n 200] [--rounds 30] [--dir DIR] [--synchronous FULL] [--parts]

Both sides use WAL and the same `synchronous`; each commit is one event. The raw side
inserts a prebuilt body into a table with the same keys as the outbox (an integer
primary key and a unique id), so the gap is what record() adds: validation, id, seq,
JSON and its transaction. Disk speed drifts within seconds, so the rounds are paired
(raw and record back to back, in alternating order) and the figures are medians of
per-round rates and of per-pair ratios, with their interquartile spread. Targets:
record() at >= 0.8x the raw rate, p99 <= 1.5x raw's p99.
--parts also prints the median cost of each part of record() against a raw insert.
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

from bridge.store.registry import open_database  # noqa: E402
from bridge.events import new_event_id, now_rfc3339  # noqa: E402
from bridge.store.outbox import Outbox  # noqa: E402

PAYLOAD = {"product_id": "rm-1001", "sku": "RM-1001-S-BLK", "dwell_ms": 5200}


def _percentile(sorted_ns: list[int], p: float) -> float:
    """The p-th percentile in milliseconds."""
    return sorted_ns[min(len(sorted_ns) - 1, int(len(sorted_ns) * p))] / 1e6


def _quartiles(values: list[float]) -> tuple[float, float, float]:
    q1, q2, q3 = statistics.quantiles(values, n=4)
    return q1, q2, q3


def open_raw(path: Path, synchronous: str) -> sqlite3.Connection:
    """The baseline: a plain autocommit connection, same pragmas, same keys as the outbox."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute(f"PRAGMA synchronous = {synchronous}")
    conn.execute("CREATE TABLE IF NOT EXISTS events (pos INTEGER PRIMARY KEY, id TEXT UNIQUE, body TEXT)")
    return conn


def run_raw(conn: sqlite3.Connection, n: int) -> list[int]:
    """n single-row autocommit inserts of a same-sized event body; per-insert ns."""
    times = []
    for i in range(n):
        event_id = new_event_id()
        body = json.dumps({"id": event_id, "type": "product_viewed", "occurred_at": now_rfc3339(),
                           "device_id": "kiosk-1", "seq": i + 1, "profile_id": None,
                           "claim_code": None, "payload": PAYLOAD}, separators=(",", ":"))
        t0 = time.perf_counter_ns()
        conn.execute("INSERT INTO events(id, body) VALUES (?, ?)", (event_id, body))
        times.append(time.perf_counter_ns() - t0)
    return times


def run_record(outbox: Outbox, n: int) -> list[int]:
    """n Outbox.record() calls (validation, id, seq, JSON, durable commit); per-call ns."""
    times = []
    for _ in range(n):
        t0 = time.perf_counter_ns()
        outbox.record("product_viewed", device_id="kiosk-1", payload=PAYLOAD)
        times.append(time.perf_counter_ns() - t0)
    return times


def where_time_goes(outbox: Outbox, raw: sqlite3.Connection, n: int = 1000) -> None:
    """Median microseconds of each part of record(), against a raw autocommit insert."""
    from bridge.events import check_event
    from bridge.store.outbox import _INSERT, _halves

    db = outbox.db
    head, tail = _halves("X", "product_viewed", now_rfc3339(), "kiosk-1", None, None, PAYLOAD)
    body = head + "1" + tail
    parts = {
        "validation, id, timestamp (check_event)":
            lambda: check_event("product_viewed", "kiosk-1", PAYLOAD, None, None, None, None),
        "JSON text (_halves)":
            lambda: _halves("X", "product_viewed", "2026-11-23T13:05:09.120+00:00", "kiosk-1",
                            None, None, PAYLOAD),
        "empty transaction through db.commits":
            lambda: db.commits.run(lambda conn: None),
        "outbox INSERT (seq, RETURNING) in a transaction":
            lambda: db.transact(lambda conn: conn.execute(
                _INSERT, (new_event_id(), "kiosk-1", 1.0, head, tail)).fetchall()),
        "record() whole":
            lambda: outbox.record("product_viewed", device_id="kiosk-1", payload=PAYLOAD),
        "raw: autocommit INSERT (reference)":
            lambda: raw.execute("INSERT INTO events(id, body) VALUES (?, ?)", (new_event_id(), body)),
    }
    samples: dict[str, list[int]] = {name: [] for name in parts}
    for _ in range(n):  # interleaved, so that every part meets the same disk weather
        for name, fn in parts.items():
            t0 = time.perf_counter_ns()
            fn()
            samples[name].append(time.perf_counter_ns() - t0)
    medians = {name: statistics.median(s) / 1000 for name, s in samples.items()}
    ref = medians["raw: autocommit INSERT (reference)"]
    print("where record() spends its time (medians; ratio to the raw insert):")
    for name, us in medians.items():
        print(f"  {name:<50} {us:8.1f} us  {us / ref:5.2f}x")


def _rate(times: list[int]) -> float:
    return len(times) / (sum(times) / 1e9)


def summary(name: str, times: list[int], rates: list[float]) -> None:
    ordered = sorted(times)
    q1, med, q3 = _quartiles(rates)
    print(f"{name:>8}: {med:10.0f} events/s (rounds IQR {q1:.0f}-{q3:.0f})  "
          f"p50 {_percentile(ordered, 0.50):.3f} ms  p99 {_percentile(ordered, 0.99):.3f} ms  "
          f"max {ordered[-1] / 1e6:.3f} ms")


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=200, help="events per round")
    parser.add_argument("--rounds", type=int, default=30, help="paired rounds (at least 2)")
    parser.add_argument("--dir", default=None, help="directory on the disk to measure (default: a temp dir)")
    parser.add_argument("--synchronous", default="FULL")
    parser.add_argument("--parts", action="store_true", help="also time each part of record()")
    args = parser.parse_args()
    rounds = max(2, args.rounds)
    load_before = _load()
    with tempfile.TemporaryDirectory(dir=args.dir, prefix="vitrine-bench-") as tmp:
        root = Path(tmp)
        db = open_database(root / "outbox.db", synchronous=args.synchronous)
        outbox = Outbox(db)
        raw = open_raw(root / "raw.db", args.synchronous)
        run_raw(raw, 200)  # warm up both files and caches
        run_record(outbox, 200)
        raw_times: list[int] = []
        rec_times: list[int] = []
        raw_rates: list[float] = []
        rec_rates: list[float] = []
        for i in range(rounds):
            # Alternate which side goes first, so a drift in disk speed favours neither.
            if i % 2:
                r, o = run_raw(raw, args.n), run_record(outbox, args.n)
            else:
                o, r = run_record(outbox, args.n), run_raw(raw, args.n)
            raw_times += r
            rec_times += o
            raw_rates.append(_rate(r))
            rec_rates.append(_rate(o))
        if args.parts:
            where_time_goes(outbox, raw)
        raw.close()
        db.close()
    print(f"dir {root}  synchronous={args.synchronous}  {rounds} paired rounds x {args.n} events, WAL  "
          f"load average {load_before} (before)  {_load()} (after)")
    summary("raw", raw_times, raw_rates)
    summary("record", rec_times, rec_rates)
    q1, ratio, q3 = _quartiles([o / r for o, r in zip(rec_rates, raw_rates)])
    p99 = _percentile(sorted(rec_times), 0.99)
    raw_p99 = _percentile(sorted(raw_times), 0.99)
    print(f"ratio record/raw: {ratio:.2f}x median of pairs (IQR {q1:.2f}-{q3:.2f}; target >= 0.80x)  "
          f"record p99 {p99:.3f} ms = {p99 / raw_p99:.2f}x raw's {raw_p99:.3f} ms (target <= 1.5x)")


if __name__ == "__main__":
    main()
