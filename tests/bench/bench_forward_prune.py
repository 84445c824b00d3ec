"""Benchmark settling kiosk sessions nobody joined (hq/forward/retention.py), on SQLite and PostgreSQL.

Fills forward_sessions with ROWS claim-code-only sessions (half of them past the retention) and
ROWS/10 identified ones whose claim code never came (half of them past the retention; of those,
half have their session_started kept in kiosk_facts, so their code can be recovered), with
kiosk_facts holding a session_started for every session and two product views per claim-only
one. Prunes the claim-only rows, then settles the identified ones, in batches of 500 as the
forwarder does. Prints, with the load average: the milliseconds one batch holds its transaction
(median, p90) on each path, against the same run's reference, one 500-event ingest batch with
forwarding on (HQStore.add_events), and the ratio; and the reference with kiosk_facts_session
dropped (what the index costs ingest).

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
from hq.forward.retention import DAY_S, Settled, prune_sessions, settle_identified  # noqa: E402
from hq.store import HQStore  # noqa: E402
from hq.validation import check_event  # noqa: E402

BATCH = 500
RETENTION_S = 30 * DAY_S


def fill(store: HQStore, rows: int) -> None:
    """rows claim-code-only sessions and rows/10 identified ones, every other one 40 days old; their kiosk facts."""
    now = time.time()
    owed = rows // 10
    sessions = [("paris-marais", f"kiosk-{n % 8}", f"s-{n}", f"CLAIM{n:07d}", None, None,
                 now - (40 * DAY_S if n % 2 else 0) - n) for n in range(rows)]
    sessions += [("paris-marais", f"kiosk-{n % 8}", f"i-{n}", None, "p-camille", "2026-10-01T10:00:00+02:00",
                  now - (40 * DAY_S if n % 2 else 0) - n) for n in range(owed)]
    # a session_started for each claim-only session and for half the old identified ones (n % 4 == 1)
    started = [(f"ev-s-{n}", f"kiosk-{n % 8}", f"s-{n}", f"CLAIM{n:07d}") for n in range(rows)]
    started += [(f"ev-i-{n}", f"kiosk-{n % 8}", f"i-{n}", f"CODE{n:07d}") for n in range(owed) if n % 4 == 1]
    facts = [(eid, "paris-marais", "session_started", device, "2026-10-01T08:00:00.000000Z", "2026-10-01",
              None, claim, session, 0, None, None, None) for eid, device, session, claim in started]
    facts += [(f"ev-v-{n}", "paris-marais", "product_viewed", f"kiosk-{n % 8}", "2026-10-01T08:00:01.000000Z",
               "2026-10-01", None, f"CLAIM{n // 2:07d}", None, None, "rm-1", "RM-1-M-BLK", None)
              for n in range(2 * rows)]
    with store.db.write() as tx:
        tx.insert_new("forward_sessions", ["store_id", "device_id", "session_id", "claim_code", "profile_id",
                                           "identified_at", "noted_at"], "(store_id, device_id, session_id)", sessions)
        tx.insert_new("kiosk_facts", ["event_id", "store_id", "type", "device_id", "at", "day", "profile_id",
                                      "claim_code", "session_id", "holdout", "product_id", "sku", "handoff_id"],
                      "(event_id)", facts)
    if store.db.kind == "postgresql":  # statistics, as autovacuum keeps them on a live database (without them
        with store.db.write() as tx:  # the planner took a freshly filled kiosk_facts for empty: a seq scan)
            tx.run("ANALYZE forward_sessions")
            tx.run("ANALYZE kiosk_facts")


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


def batches(settle) -> tuple[list[float], float, list]:
    """Run settle() until a batch comes back short: ms per batch, client CPU ms per batch, what each returned."""
    times, results, cpu = [], [], time.process_time()
    while True:
        start = time.perf_counter()
        results.append(settle())
        times.append((time.perf_counter() - start) * 1000)
        done = results[-1].total if isinstance(results[-1], Settled) else results[-1]
        if done < BATCH:
            return times, (time.process_time() - cpu) * 1000 / len(times), results


def line(label: str, times: list[float], cpu_ms: float, reference: list[float]) -> str:
    p90 = statistics.quantiles(times, n=10)[-1] if len(times) >= 10 else max(times)
    return (f"  {label}: {len(times)} batches, median {statistics.median(times):.2f} ms, p90 {p90:.2f} ms per batch, "
            f"client CPU {cpu_ms:.2f} ms per batch; ratio to the reference "
            f"{statistics.median(times) / statistics.median(reference):.2f}")


def measure(target: str, rows: int) -> None:
    store = HQStore(target)
    try:
        attach(store, ForwardConfig("http://127.0.0.1:9", "k"), run=False)
        fill(store, rows)
        reference, unindexed = [], []
        for run in range(5):  # interleaved, so both see the same tables and the same load
            reference += ingest_ms(store, 8 * run * BATCH, 4)
            with store.db.write() as tx:
                tx.run("DROP INDEX kiosk_facts_session")
            unindexed += ingest_ms(store, (8 * run + 4) * BATCH, 4)
            with store.db.write() as tx:
                tx.run("CREATE INDEX kiosk_facts_session ON kiosk_facts (session_id) WHERE session_id IS NOT NULL")
        print(f"{store.db.kind:10}  reference ingest batch median {statistics.median(reference):.2f} ms "
              f"(without kiosk_facts_session {statistics.median(unindexed):.2f} ms)")
        pruned = batches(lambda: prune_sessions(store.db, older_than_s=RETENTION_S, limit=BATCH))
        print(line(f"claim code only, {sum(pruned[2])} pruned", pruned[0], pruned[1], reference))
        settled = batches(lambda: settle_identified(store.db, older_than_s=RETENTION_S, limit=BATCH))
        recovered, forgotten = sum(s.recovered for s in settled[2]), sum(s.forgotten for s in settled[2])
        print(line(f"identified, {recovered} recovered + {forgotten} forgotten", settled[0], settled[1], reference))
        left = store.db.read("SELECT count(*) FROM forward_sessions")[0][0]
        links = store.db.read("SELECT count(*) FROM forward_links")[0][0]
        print(f"  left {left} sessions (the recent ones and the reference batches'), {links} links made")
    finally:
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f}, {args.rows} + {args.rows // 10} unjoined sessions, "
          f"batches of {BATCH}")
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
