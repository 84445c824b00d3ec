"""Benchmark attribution: one store-month and a 500-store chain-month, on SQLite and on PostgreSQL.

Seeds a month of kiosk facts, receipts (with lines) and online orders straight into the
attribution tables (what ingest would have kept), then times `attribute()` for one store and
for the chain over November, against a reference measured in the same run on the same
database: one plain scan summing the period's receipts. Prints medians of several runs, the
ratio to the reference, and the load average.

    python tests/bench/bench_attribution.py [STORES] [SESSIONS_PER_STORE_DAY] [RUNS]
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "hq"))
from pg_cluster import PgCluster  # noqa: E402

from hq.attribution.credit import attribute
from hq.attribution.period import Period  # noqa: E402
from hq.db import Database, open_database  # noqa: E402

NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30))
KIOSK_SQL = ("INSERT INTO kiosk_facts (event_id, store_id, type, device_id, at, day, profile_id, claim_code, "
             "session_id, holdout, product_id, sku, handoff_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)")
RECEIPT_SQL = ("INSERT INTO receipts (store_id, receipt_id, event_id, at, day, profile_id, claim_code, handoff_id, "
               "total_micros, currency) VALUES (?,?,?,?,?,?,?,?,?,?)")
LINE_SQL = "INSERT INTO receipt_lines (store_id, receipt_id, line, sku, total_micros) VALUES (?,?,?,?,?)"
ORDER_SQL = ("INSERT INTO orders (order_id, handoff_id, at, day, total_micros, currency, profile_id, received_at) "
             "VALUES (?,?,?,?,?,?,?,?)")


def store_rows(store: int, sessions_per_day: int, rng: random.Random) -> tuple[list, list, list, list]:
    """A month of one store: kiosk facts, receipts, receipt lines, online orders."""
    sid = f"store-{store:03d}"
    kiosk, receipts, lines, orders = [], [], [], []
    n = 0
    for day in NOVEMBER.days():
        handoffs = []
        for k in range(sessions_per_day):
            n += 1
            at = f"{day}T{9 + k * 10 // sessions_per_day:02d}:{rng.randrange(60):02d}:00.000000Z"
            device, claim, session = f"{sid}-k{k % 2}", f"{sid}c{n}", f"{sid}s{n}"
            profile = f"p-{store}-{rng.randrange(300)}" if rng.random() < 0.4 else None
            kiosk.append((f"{sid}e{n}a", sid, "session_started", device, at, day, None, claim, session,
                          int(rng.random() < 0.1), None, None, None))
            if profile:
                kiosk.append((f"{sid}e{n}b", sid, "shopper_identified", device, at, day, profile, None, session,
                               None, None, None, None))
            for v in range(2):
                p = rng.randrange(200)
                kiosk.append((f"{sid}e{n}v{v}", sid, "product_viewed", device, at, day, profile,
                               None if profile else claim, None, None, f"rm-{p}", f"RM-{p}-M-BLK", None))
            if rng.random() < 0.2:
                handoff = f"{sid}h{n}"
                handoffs.append(handoff)
                kiosk.append((f"{sid}e{n}h", sid, "sent_to_phone", device, at, day, profile,
                               None if profile else claim, None, None, None, None, handoff))
        for r in range(sessions_per_day * 2):
            rid = f"{sid}-{day}-{r}"
            at = f"{day}T{10 + r * 9 // (sessions_per_day * 2):02d}:30:00.000000Z"
            profile = f"p-{store}-{rng.randrange(300)}" if rng.random() < 0.3 else None
            handoff = handoffs.pop() if handoffs and rng.random() < 0.1 else None
            a, b = rng.randrange(20, 200), rng.randrange(20, 200)
            receipts.append((sid, rid, f"{rid}-ev", at, day, profile, None, handoff, (a + b) * 1_000_000, "EUR"))
            lines += [(sid, rid, 0, f"RM-{rng.randrange(200)}-M-BLK", a * 1_000_000),
                      (sid, rid, 1, f"RM-{rng.randrange(200)}-M-BLK", b * 1_000_000)]
        for handoff in handoffs[: len(handoffs) // 3]:
            orders.append((f"o-{handoff}", handoff, f"{day}T20:00:00.000000Z", day, 99_000_000, "EUR", None,
                           "2026-12-01T00:00:00Z"))
    return kiosk, receipts, lines, orders


def seed(db: Database, stores: int, sessions_per_day: int) -> dict[str, int]:
    rng = random.Random(14)
    counts = {"kiosk facts": 0, "receipts": 0, "receipt lines": 0, "orders": 0}
    for store in range(stores):
        kiosk, receipts, lines, orders = store_rows(store, sessions_per_day, rng)
        with db.write() as tx:
            tx.many(KIOSK_SQL, kiosk)
            tx.many(RECEIPT_SQL, receipts)
            tx.many(LINE_SQL, lines)
            tx.many(ORDER_SQL, orders)
        for name, rows in zip(counts, (kiosk, receipts, lines, orders)):
            counts[name] += len(rows)
    with db.write() as tx:  # fresh statistics, as autovacuum or a nightly ANALYZE would leave them
        tx.run("ANALYZE")
    return counts


def median_s(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure(db: Database, label: str, runs: int) -> None:
    first, last = NOVEMBER.first.isoformat(), NOVEMBER.last.isoformat()

    def scan(store: str | None) -> None:
        where = "" if store is None else " AND store_id = ?"
        db.read("SELECT count(*), sum(total_micros) FROM receipts WHERE day BETWEEN ? AND ?" + where,
                (first, last) if store is None else (first, last, store))

    store = median_s(lambda: attribute(db, NOVEMBER, store_id="store-007"), runs)
    store_ref = median_s(lambda: scan("store-007"), runs)
    chain = median_s(lambda: attribute(db, NOVEMBER), max(1, runs // 2))
    chain_ref = median_s(lambda: scan(None), max(1, runs // 2))
    figures = attribute(db, NOVEMBER, store_id="store-007").stores["store-007"]
    print(f"{label}: store-month {store * 1000:,.0f} ms (x{store / store_ref:,.0f} of a bare receipt scan, "
          f"{store_ref * 1000:.1f} ms; {figures.receipts.count} receipts, {figures.identified.count} identified, "
          f"{figures.handoff_in_store.count + figures.handoff_online.count} hand-offs); "
          f"chain-month {chain:,.2f} s (x{chain / chain_ref:,.0f} of the scan, {chain_ref * 1000:,.0f} ms)")


def ingest_cost(runs: int) -> None:
    """What keeping the facts adds to ingest: SQLite add_events of kiosk and receipt batches, with and without."""
    from hq import store_events
    from hq.store import HQStore
    from hq.validation import check_event

    def batch(store: HQStore, n: int) -> list[dict]:
        events = []
        for i in range(500):
            kind = ("product_viewed", "session_started", "item_saved", "receipt")[i % 4]
            payload = {"session_id": f"s{i}", "holdout": i % 10 == 0} if kind == "session_started" else \
                {"product_id": f"rm-{i}", "sku": f"RM-{i}-M-BLK"}
            if kind == "receipt":
                money = {"amount": "10.00", "currency": "EUR"}
                payload = {"receipt_id": f"r{n}-{i}", "register_id": "pos-1", "subtotal": money, "tax": money,
                           "total": money, "tenders": [], "lines": [{"sku": "A", "quantity": 1, "unit_price": money,
                                                                     "total": money}]}
            events.append({"id": f"b{n}e{i}", "type": kind, "occurred_at": "2026-11-23T14:05:09.120+01:00",
                           "device_id": f"d{i % 4}", "seq": n * 125 + i // 4 + 1, "profile_id": None,
                           "claim_code": None, "payload": payload})
        return events

    with tempfile.TemporaryDirectory() as tmp:
        store = HQStore(Path(tmp) / "ingest.db")
        keep = store_events.store_facts
        timings: dict[bool, list[float]] = {True: [], False: []}
        for n in range(runs * 10):
            with_facts = n % 2 == 0  # interleaved, so load changes hit both alike
            store_events.store_facts = keep if with_facts else (lambda *args: None)
            events = batch(store, n)
            started = time.perf_counter()
            store.add_events("s1", "b1", events, check=check_event)
            timings[with_facts].append(time.perf_counter() - started)
        store_events.store_facts = keep
        store.close()
    on, off = statistics.median(timings[True]), statistics.median(timings[False])
    print(f"ingest (SQLite, 500-event batches of views, sessions, saves, receipts): {on * 1000:.1f} ms a batch "
          f"with the facts, {off * 1000:.1f} ms without (x{on / off:.2f}), medians of {runs * 5}")


def main() -> None:
    stores = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    per_day = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    ingest_cost(runs)
    print(f"{stores} stores x 30 days x {per_day} kiosk sessions and {per_day * 2} receipts a day; "
          f"medians of {runs} runs (chain: {max(1, runs // 2)}); {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        db = open_database(Path(tmp) / "bench.db")
        started = time.perf_counter()
        counts = seed(db, stores, per_day)
        print("seeded " + ", ".join(f"{v:,} {k}" for k, v in counts.items())
              + f" in {time.perf_counter() - started:.0f} s (SQLite)")
        measure(db, "SQLite", runs)
        db.close()
    cluster = PgCluster.start()
    try:
        db = open_database(cluster.new_database())
        started = time.perf_counter()
        seed(db, stores, per_day)
        print(f"seeded PostgreSQL in {time.perf_counter() - started:.0f} s")
        measure(db, "PostgreSQL", runs)
        db.close()
    finally:
        cluster.stop()
    print("load average (1, 5, 15 min): " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
