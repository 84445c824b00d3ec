"""Benchmark HQ's POST /v1/events on PostgreSQL with 1, 2 and 4 workers, against raw inserts as the ceiling.

50 simulated stores push 500-event gzip batches concurrently (one keep-alive connection
each, the next batch once the previous is answered, as a bridge does). Prints events/s,
p50/p99 batch latency, the ratio to the goal (17,000 events/s) and to the ceiling: the same
rows COPY'd and executemany'd straight into the same table of the same cluster, in the
same run. A throwaway PostgreSQL cluster with its default durability is started for it.

    python tests/bench/bench_hq_ingest.py [BATCHES_PER_STORE] [WORKERS...]
"""

from __future__ import annotations

import gzip
import http.client
import json
import os
import statistics
import sys
import threading
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "hq"))
from hq_process import kill_hq, start_hq  # noqa: E402
from pg_cluster import PgCluster  # noqa: E402

GOAL = 17_000
STORES = 50
BATCH = 500


def make_batches(store: int, count: int) -> list[bytes]:
    """count gzip batches of one store, events of a few kiosks with rising seqs."""
    out = []
    for b in range(count):
        events = [{"id": f"s{store:03d}b{b:04d}e{i:03d}", "type": "product_viewed",
                   "occurred_at": "2026-11-23T14:05:09.120+01:00", "device_id": f"kiosk-{i % 4}",
                   "seq": b * (BATCH // 4) + i // 4 + 1, "profile_id": None, "claim_code": None,
                   "payload": {"product_id": f"rm-{i % 90}", "sku": f"RM-{i % 90}-M-BLK", "dwell_ms": i * 7}}
                  for i in range(BATCH)]
        body = {"store_id": f"store-{store}", "bridge_id": f"bridge-{store}", "sent_at": "2026-11-23T14:05:10Z",
                "events": events}
        out.append(gzip.compress(json.dumps(body, separators=(",", ":")).encode(), compresslevel=1))
    return out


def store_loop(url: str, store: int, batches: list[bytes], latencies: list[float], errors: list[str]) -> None:
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=120)
    headers = {"Authorization": f"Bearer t-{store}", "Content-Type": "application/json",
               "Content-Encoding": "gzip"}
    for body in batches:
        started = time.perf_counter()
        conn.request("POST", "/v1/events", body, headers)
        answer = conn.getresponse()
        data = answer.read()
        latencies.append(time.perf_counter() - started)
        if answer.status != 200 or b'"rejected"' in data:
            errors.append(f"store {store}: {answer.status} {data[:200]!r}")
    conn.close()


def run_hq(cluster: PgCluster, workers: int, all_batches: list[list[bytes]]) -> tuple[float, float, float]:
    """Events/s, p50 and p99 batch latency (s) of one HQ run with `workers` processes."""
    url = cluster.new_database()
    proc, hq_url = start_hq(url, workers=workers, tokens={f"store-{n}": f"t-{n}" for n in range(STORES)})
    latencies: list[float] = []
    errors: list[str] = []
    try:
        threads = [threading.Thread(target=store_loop, args=(hq_url, n, all_batches[n], latencies, errors))
                   for n in range(STORES)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
    finally:
        kill_hq(proc, 15)
    total = sum(len(b) for b in all_batches) * BATCH
    with psycopg.connect(url) as conn:
        stored = conn.execute("SELECT count(*) FROM events").fetchone()[0]
    if errors or stored != total:
        raise SystemExit(f"{workers} workers: {len(errors)} errors ({errors[:2]}), {stored} of {total} stored")
    latencies.sort()
    return total / elapsed, latencies[len(latencies) // 2], latencies[int(len(latencies) * 0.99) - 1]


def ceiling(cluster: PgCluster, all_batches: list[list[bytes]]) -> tuple[float, float]:
    """Events/s of COPY, and of executemany in 500-row transactions, of the same rows into the same table."""
    rows = []
    for store, batches in enumerate(all_batches):
        for body in batches:
            for i, ev in enumerate(json.loads(gzip.decompress(body))["events"]):
                rows.append((ev["id"], f"store-{store}", ev["type"], ev["device_id"], ev["seq"], None, None, 1, i))
    rates = []
    for method in ("copy", "executemany"):
        url = cluster.new_database()
        from hq.db.postgres import PostgresDatabase

        PostgresDatabase(url).close()  # the same schema as HQ's
        with psycopg.connect(url) as conn:
            started = time.perf_counter()
            if method == "copy":
                with conn.cursor().copy("COPY events FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                conn.commit()
            else:
                with conn.cursor() as cur:
                    for start in range(0, len(rows), BATCH):
                        cur.executemany("INSERT INTO events VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s) "
                                        "ON CONFLICT (id) DO NOTHING", rows[start:start + BATCH])
                        conn.commit()
            rates.append(len(rows) / (time.perf_counter() - started))
    return rates[0], rates[1]


def main() -> None:
    per_store = int(sys.argv[1]) if len(sys.argv) > 1 else 4
    worker_counts = [int(w) for w in sys.argv[2:]] or [1, 2, 4]
    all_batches = [make_batches(n, per_store) for n in range(STORES)]
    total = STORES * per_store * BATCH
    cluster = PgCluster.start(durable=True)
    try:
        copy_rate, many_rate = ceiling(cluster, all_batches)
        print(f"{STORES} stores x {per_store} batches x {BATCH} events = {total} events; {os.cpu_count()} cores")
        print(f"ceiling: COPY {copy_rate:,.0f} events/s, executemany {many_rate:,.0f} events/s")
        for workers in worker_counts:
            rate, p50, p99 = run_hq(cluster, workers, all_batches)
            print(f"HQ {workers} worker(s): {rate:,.0f} events/s (x{rate / GOAL:.2f} of the {GOAL:,} goal, "
                  f"x{rate / copy_rate:.2f} of COPY, x{rate / many_rate:.2f} of executemany); "
                  f"batch p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms")
    finally:
        cluster.stop()
    print("load average (1, 5, 15 min): " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
