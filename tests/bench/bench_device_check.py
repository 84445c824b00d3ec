"""What the device-id check costs a store bridge's POST /v1/events, against storing the batch.

    python tests/bench/bench_device_check.py [--batches 20] [--size 500] [--devices 1] [--rounds 5]

Each batch of relayed events goes through `check_senders` (the device ids it names must be the
caller's: one read, a write only the first time an id is seen) and then `store_relayed` (the
durable insert the endpoint makes anyway), on the same database. Printed: CPU and wall
milliseconds per batch of each (medians over rounds of the per-round medians) and the ratio
check / store measured in the same rounds, with the load average. Target: the check costs
under 5% of storing the batch.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bridge.events import new_event_id  # noqa: E402
from bridge.serve.handlers import check_senders  # noqa: E402
from bridge.store.outbox import Outbox  # noqa: E402
from bridge.store.registry import open_database  # noqa: E402
from bridge.store.relayed import store_relayed  # noqa: E402


def batch(size: int, devices: int, seq0: int) -> list[dict]:
    """size relayed events spread over `devices` device ids, numbered from seq0."""
    return [{"id": new_event_id(), "type": "product_viewed", "occurred_at": "2026-11-23T10:00:00Z",
             "device_id": f"kiosk-{i % devices + 1}", "seq": seq0 + i, "profile_id": None,
             "claim_code": None, "payload": {"product_id": "rm-1001"}} for i in range(size)]


def one_round(folder: Path, batches: int, size: int, devices: int) -> dict[str, float]:
    """Median ms per batch: check and store, CPU and wall, on a fresh database."""
    db = open_database(folder / f"bench-{time.monotonic_ns()}.db", synchronous="FULL")
    outbox = Outbox(db)
    timings: dict[str, list[float]] = {"check_cpu": [], "check_wall": [], "store_cpu": [], "store_wall": []}
    try:
        for n in range(batches):
            events = batch(size, devices, 1 + n * size)
            c0, w0 = time.process_time(), time.perf_counter()
            check_senders(db, "kiosk-client", events)
            c1, w1 = time.process_time(), time.perf_counter()
            store_relayed(outbox, "store:bench", events)
            c2, w2 = time.process_time(), time.perf_counter()
            if n == 0:
                continue  # the first batch also binds the ids (one write): reported apart below
            timings["check_cpu"].append((c1 - c0) * 1e3)
            timings["check_wall"].append((w1 - w0) * 1e3)
            timings["store_cpu"].append((c2 - c1) * 1e3)
            timings["store_wall"].append((w2 - w1) * 1e3)
    finally:
        db.close()
    return {k: statistics.median(v) for k, v in timings.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--size", type=int, default=500)
    parser.add_argument("--devices", type=int, default=1, help="distinct device ids per batch")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    rounds = []
    with tempfile.TemporaryDirectory(prefix="vitrine-bench-") as tmp:
        for _ in range(args.rounds):
            rounds.append(one_round(Path(tmp), args.batches, args.size, args.devices))
    med = {k: statistics.median(r[k] for r in rounds) for k in rounds[0]}
    cpu_ratio = statistics.median(r["check_cpu"] / r["store_cpu"] for r in rounds)
    wall_ratio = statistics.median(r["check_wall"] / r["store_wall"] for r in rounds)
    print(f"{args.rounds} rounds x {args.batches} batches of {args.size} events, {args.devices} device id(s); "
          f"load average {', '.join(f'{v:.1f}' for v in os.getloadavg())}")
    print(f"check_senders: {med['check_cpu']:.3f} ms CPU, {med['check_wall']:.3f} ms wall per batch")
    print(f"store_relayed: {med['store_cpu']:.3f} ms CPU, {med['store_wall']:.3f} ms wall per batch")
    print(f"check / store: {cpu_ratio:.4f} (CPU), {wall_ratio:.4f} (wall); target < 0.05")
    return 0


if __name__ == "__main__":
    sys.exit(main())
