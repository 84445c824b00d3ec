"""What the device-id check costs a store bridge's POST /v1/events (or /v1/intake/receipts), against storing the batch.

    python tests/bench/bench_device_check.py [--batches 20] [--size 500] [--devices 1] [--rounds 5] [--receipts]

Each batch of relayed events goes through `check_senders` (the device ids it names must be the
caller's: one read, a write only the first time an id is seen) and then `store_relayed` (the
durable insert the endpoint makes anyway), on the same database. With --receipts, each batch
is of receipt documents: `check_receipt_senders` (their register ids), then `receive_documents`
(normalise, mask, record, move stock: what POST /v1/intake/receipts does anyway). Printed: CPU
and wall milliseconds per batch of each (medians over rounds of the per-round medians) and the
ratio check / store measured in the same rounds, with the load average. Target: the check costs
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

from bridge.config import parse_settings  # noqa: E402
from bridge.events import new_event_id  # noqa: E402
from bridge.facade import Bridge  # noqa: E402
from bridge.intake.receipts.recording import receive_documents  # noqa: E402
from bridge.serve.handlers import check_receipt_senders, check_senders  # noqa: E402
from bridge.store.outbox import Outbox  # noqa: E402
from bridge.store.registry import open_database  # noqa: E402
from bridge.store.relayed import store_relayed  # noqa: E402


def batch(size: int, devices: int, seq0: int) -> list[dict]:
    """size relayed events spread over `devices` device ids, numbered from seq0."""
    return [{"id": new_event_id(), "type": "product_viewed", "occurred_at": "2026-11-23T10:00:00Z",
             "device_id": f"kiosk-{i % devices + 1}", "seq": seq0 + i, "profile_id": None,
             "claim_code": None, "payload": {"product_id": "rm-1001"}} for i in range(size)]


def receipts(size: int, devices: int, n0: int) -> list[dict]:
    """size receipt documents (two lines, card and cash) spread over `devices` register ids."""
    price = {"amount": "12.50", "currency": "EUR"}
    return [{"receipt_id": f"R-{n0 + i}", "register_id": f"pos-{i % devices + 1}",
             "occurred_at": "2026-11-23T10:00:00+01:00", "total": {"amount": "25.00", "currency": "EUR"},
             "lines": [{"sku": f"SKU-{(n0 + i) % 97}", "quantity": "1", "unit_price": "12.50", "total": "12.50"},
                       {"sku": f"SKU-{(n0 + i) % 89}", "quantity": 1, "unit_price": price}],
             "tenders": [{"method": "card", "amount": price, "card_last4": "4242"},
                         {"method": "cash", "amount": price}]} for i in range(size)]


def one_round(folder: Path, batches: int, size: int, devices: int, kind: str) -> dict[str, float]:
    """Median ms per batch: check and store, CPU and wall, on a fresh database."""
    path = folder / f"bench-{time.monotonic_ns()}.db"
    if kind == "receipts":
        bridge = Bridge.open(parse_settings({"store": {"id": "bench"},
                                             "bridge": {"database": str(path), "synchronous": "FULL"}}))
        db, make = bridge.db, receipts
        check, store = check_receipt_senders, lambda docs: receive_documents(bridge, docs)
    else:
        bridge = db = open_database(path, synchronous="FULL")
        outbox, make, check = Outbox(db), batch, check_senders
        store = lambda events: store_relayed(outbox, "store:bench", events)  # noqa: E731
    timings: dict[str, list[float]] = {"check_cpu": [], "check_wall": [], "store_cpu": [], "store_wall": []}
    try:
        for n in range(batches):
            items = make(size, devices, 1 + n * size)
            c0, w0 = time.process_time(), time.perf_counter()
            check(db, "intake" if kind == "receipts" else "kiosk-client", items)
            c1, w1 = time.process_time(), time.perf_counter()
            store(items)
            c2, w2 = time.process_time(), time.perf_counter()
            if n == 0:
                continue  # the first batch also binds the ids (one write): reported apart below
            timings["check_cpu"].append((c1 - c0) * 1e3)
            timings["check_wall"].append((w1 - w0) * 1e3)
            timings["store_cpu"].append((c2 - c1) * 1e3)
            timings["store_wall"].append((w2 - w1) * 1e3)
    finally:
        bridge.close()
    return {k: statistics.median(v) for k, v in timings.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--size", type=int, default=500)
    parser.add_argument("--devices", type=int, default=1, help="distinct device ids per batch")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--receipts", action="store_true",
                        help="receipt documents (POST /v1/intake/receipts) instead of relayed events")
    args = parser.parse_args()
    kind = "receipts" if args.receipts else "events"
    rounds = []
    with tempfile.TemporaryDirectory(prefix="vitrine-bench-") as tmp:
        for _ in range(args.rounds):
            rounds.append(one_round(Path(tmp), args.batches, args.size, args.devices, kind))
    med = {k: statistics.median(r[k] for r in rounds) for k in rounds[0]}
    cpu_ratio = statistics.median(r["check_cpu"] / r["store_cpu"] for r in rounds)
    wall_ratio = statistics.median(r["check_wall"] / r["store_wall"] for r in rounds)
    check_name, store_name = (("check_receipt_senders", "receive_documents") if args.receipts
                              else ("check_senders", "store_relayed"))
    print(f"{args.rounds} rounds x {args.batches} batches of {args.size} {kind}, {args.devices} device id(s); "
          f"load average {', '.join(f'{v:.1f}' for v in os.getloadavg())}")
    print(f"{check_name}: {med['check_cpu']:.3f} ms CPU, {med['check_wall']:.3f} ms wall per batch")
    print(f"{store_name}: {med['store_cpu']:.3f} ms CPU, {med['store_wall']:.3f} ms wall per batch")
    print(f"check / store: {cpu_ratio:.4f} (CPU), {wall_ratio:.4f} (wall); target < 0.05")
    return 0


if __name__ == "__main__":
    sys.exit(main())
