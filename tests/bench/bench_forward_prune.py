"""Benchmark pruning kiosk sessions nobody joined (hq/forward/retention.py), on SQLite and PostgreSQL.

Fills forward_sessions with ROWS claim-code-only sessions (half of them past the retention) and
ROWS/100 identified ones, then prunes them in batches of 500 as the forwarder does. Prints, with
the load average: the milliseconds one batch holds its transaction (median, p90), against the same
run's reference, one 500-event ingest batch with forwarding on (HQStore.add_events), and the ratio.

    python tests/bench/bench_forward_prune.py [--rows 100000] [--sqlite-only]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "hq"))
from pg_cluster import PgCluster, PgUnavailable  # noqa: E402

from hq.forward import ForwardConfig  # noqa: E402
from hq.forward.attach import attach  # noqa: E402
from hq.forward.retention import DAY_S, prune_sessions  # noqa: E402
from hq.store import HQStore  # noqa: E402
from hq.validation import check_event  # noqa: E402

BATCH = 500
RETENTION_S = 30 * DAY_S


def fill(store: HQStore, rows: int) -> None:
    """rows claim-code-only sessions, every other one 40 days old, and rows/100 identified ones."""
    now = time.time()
    with store.db.write() as tx:
        tx.insert_new("forward_sessions", ["store_id", "device_id", "session_id", "claim_code", "profile_id",
                                           "noted_at"], "(store_id, device_id, session_id)",
                      [("paris-marais", f"kiosk-{n % 8}", f"s-{n}", f"CLAIM{n:07d}", None,
                        now - (40 * DAY_S if n % 2 else 0) - n) for n in range(rows)]
                      + [("paris-marais", "kiosk-9", f"i-{n}", None, "p-camille", now - 400 * DAY_S)
                         for n in range(rows // 100)])


def ingest_ms(store: HQStore, first: int, runs: int) -> list[float]:
    """Milliseconds per 500-event batch with session events (the reference)."""
    times = []
    for run in range(runs):
        base = first + run * BATCH
        events = [{"id": f"ev-{n}", "type": "session_started" if n % 5 == 0 else "product_viewed",
                   "occurred_at": "2026-11-23T14:05:09.120+01:00", "device_id": f"kiosk-{n % 8}", "seq": n + 1,
                   "profile_id": None, "claim_code": f"CODE{n:07d}",
                   "payload": {"session_id": f"b-{n}", "holdout": False} if n % 5 == 0
                   else {"product_id": "rm-1", "sku": "RM-1-M-BLK"}} for n in range(base, base + BATCH)]
        start = time.perf_counter()
        store.add_events("paris-marais", "paris-marais-bridge-1", events, check_event)
        times.append((time.perf_counter() - start) * 1000)
    return times


def measure(target: str, rows: int) -> None:
    store = HQStore(target)
    try:
        attach(store, ForwardConfig("http://127.0.0.1:9", "k"), run=False)
        fill(store, rows)
        reference = ingest_ms(store, 0, 20)
        batches, cpu = [], time.process_time()
        while True:
            start = time.perf_counter()
            pruned = prune_sessions(store.db, older_than_s=RETENTION_S, limit=BATCH)
            batches.append((time.perf_counter() - start) * 1000)
            if pruned < BATCH:
                break
        cpu_ms = (time.process_time() - cpu) * 1000
        left = store.db.read("SELECT count(*) FROM forward_sessions")[0][0]
        p90 = statistics.quantiles(batches, n=10)[-1] if len(batches) >= 10 else max(batches)
        print(f"{store.db.kind:10}  {len(batches)} batches pruned {rows // 2} rows (left {left}): "
              f"median {statistics.median(batches):.2f} ms, p90 {p90:.2f} ms per batch, client CPU "
              f"{cpu_ms / len(batches):.2f} ms per batch; reference ingest batch median "
              f"{statistics.median(reference):.2f} ms; "
              f"ratio {statistics.median(batches) / statistics.median(reference):.2f}")
    finally:
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f}, {args.rows} unjoined sessions, batches of {BATCH}")
    with tempfile.TemporaryDirectory() as tmp:
        measure(str(Path(tmp) / "hq.db"), args.rows)
    if args.sqlite_only:
        return
    try:
        cluster = PgCluster.start()
    except PgUnavailable as exc:
        print(f"postgresql  skipped: {exc}")
        return
    try:
        measure(cluster.new_database(), args.rows)
    finally:
        cluster.stop()
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
