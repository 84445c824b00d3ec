"""Benchmark the reference HQ's POST /v1/events: 100k events in 500-event gzip batches.

Runs `python -m hq serve` in its own process (as the bridge's benchmark does) and posts
pre-built batches over one keep-alive connection. Prints the rate and its ratio to the
35k events/s target.

    python tests/bench/hq_ingest_bench.py [TOTAL_EVENTS]
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

TARGET_EVENTS_PER_S = 35_000
BATCH = 500
TOKEN = "bench-token"


def make_batches(total: int) -> list[bytes]:
    batches = []
    for start in range(0, total, BATCH):
        events = [
            {"id": f"B{n:012d}", "type": "product_viewed", "occurred_at": "2026-11-23T14:05:09.120+01:00",
             "device_id": f"kiosk-{n % 4}", "seq": n // 4 + 1, "profile_id": None, "claim_code": None,
             "payload": {"product_id": f"rm-{n % 900}", "sku": f"RM-{n % 900}-M-BLK", "dwell_ms": n % 9000}}
            for n in range(start, min(start + BATCH, total))
        ]
        body = {"store_id": "paris-marais", "bridge_id": "bench-bridge", "sent_at": "2026-11-23T14:05:09Z",
                "events": events}
        batches.append(gzip.compress(json.dumps(body, separators=(",", ":")).encode(), compresslevel=1))
    return batches


def main() -> None:
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    batches = make_batches(total)
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.Popen(
            [sys.executable, "-m", "hq", "serve", "--db", str(Path(tmp) / "hq.db"), "--port", "0",
             "--no-seed", "--token", f"paris-marais={TOKEN}"],
            stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[2],
        )
        try:
            url = proc.stdout.readline().split()[-1]
            session = requests.Session()
            headers = {"Authorization": f"Bearer {TOKEN}", "Content-Encoding": "gzip",
                       "Content-Type": "application/json"}
            started = time.perf_counter()
            accepted = 0
            for body in batches:
                answer = session.post(url + "/v1/events", data=body, headers=headers, timeout=30)
                answer.raise_for_status()
                accepted += sum(r["status"] == "accepted" for r in answer.json()["results"])
            elapsed = time.perf_counter() - started
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    rate = total / elapsed
    print(f"hq ingest: {total} events in {len(batches)} batches of {BATCH}, {elapsed:.2f} s, "
          f"{rate:,.0f} events/s, accepted {accepted}")
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"ratio to target {TARGET_EVENTS_PER_S:,} events/s: {rate / TARGET_EVENTS_PER_S:.2f}")


if __name__ == "__main__":
    main()
