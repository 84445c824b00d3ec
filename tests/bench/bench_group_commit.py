"""Benchmark group commit: concurrent record() calls on storage with a slow fsync.

    python tests/bench/bench_group_commit.py [--seconds 1.0] [--rounds 3] [--delays 0,1,5,10]
        [--producers 1,4,16] [--dir DIR]

Kiosk storage (SD cards, eMMC) syncs in 1-10 ms. To stand in for it, the benchmark
builds a small LD_PRELOAD library with gcc that sleeps before every fsync/fdatasync,
and runs each fsync delay in a child process that loads it. For each delay and number
of producer threads it measures Outbox.record() with group commit and the reference,
one commit per event (the outbox before group commit), in alternating order, each for
--seconds; figures are medians of --rounds rounds. Goal: 16 producers at 5 ms
>= 2,000 events/s with p99 <= 25 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import AbstractContextManager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

SHIM = r"""
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <time.h>

static long delay_ns = -1;

static void slow_down(void) {
    if (delay_ns < 0) {
        const char *s = getenv("VITRINE_FSYNC_DELAY_US");
        delay_ns = s ? atol(s) * 1000L : 0;
    }
    if (delay_ns > 0) {
        struct timespec ts = {delay_ns / 1000000000L, delay_ns % 1000000000L};
        nanosleep(&ts, NULL);
    }
}

int fsync(int fd) {
    static int (*real)(int);
    if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    slow_down();
    return real(fd);
}

int fdatasync(int fd) {
    static int (*real)(int);
    if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
    slow_down();
    return real(fd);
}
"""
PAYLOAD = {"product_id": "rm-1001", "sku": "RM-1001-S-BLK", "dwell_ms": 5200}


def build_shim(tmp: Path) -> Path:
    """Compile the fsync-slowing library into tmp."""
    src, lib = tmp / "slow_fsync.c", tmp / "slow_fsync.so"
    src.write_text(SHIM)
    subprocess.run(["gcc", "-shared", "-fPIC", "-O2", "-o", str(lib), str(src), "-ldl"], check=True)
    return lib


class OneCommitPerCall:
    """The reference: every call gets its own transaction (the outbox before group commit)."""

    def __init__(self, write) -> None:
        self._write = write
        self.groups = 0

    def run(self, work, one_statement: bool = False):
        with self._write() as conn:
            result = work(conn)
        self.groups += 1
        return result


def _produce(outbox, device: str, stop_at: float, latencies: list[int]) -> None:
    while time.perf_counter() < stop_at:
        t0 = time.perf_counter_ns()
        outbox.record("product_viewed", device_id=device, payload=PAYLOAD)
        latencies.append(time.perf_counter_ns() - t0)


def measure(outbox, producers: int, seconds: float) -> dict:
    """Events/s and latency percentiles of `producers` threads recording for `seconds`."""
    per_thread: list[list[int]] = [[] for _ in range(producers)]
    stop_at = time.perf_counter() + seconds
    started = time.perf_counter()
    threads = [threading.Thread(target=_produce, args=(outbox, f"kiosk-{i}", stop_at, per_thread[i]))
               for i in range(producers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    lat = sorted(x for lst in per_thread for x in lst)
    pick = lambda p: lat[min(len(lat) - 1, int(len(lat) * p))] / 1e6  # noqa: E731
    return {"rate": len(lat) / elapsed, "p50": pick(0.50), "p99": pick(0.99), "n": len(lat)}


def child(db_dir: str, producers: list[int], seconds: float, rounds: int) -> None:
    """Run inside the process with the shim loaded; print one JSON line of results."""
    from bridge.store.outbox import Outbox
    from bridge.store.registry import open_database

    out: dict = {}
    dbs = {}
    for mode in ("group", "reference"):
        db = open_database(Path(db_dir) / f"{mode}.db", synchronous="FULL")
        if mode == "reference":
            db.commits = OneCommitPerCall(db.write)  # type: ignore[assignment]
        dbs[mode] = (db, Outbox(db))
        measure(dbs[mode][1], 1, min(0.2, seconds))  # warm up file and caches
    for n in producers:
        runs: dict[str, list[dict]] = {"group": [], "reference": []}
        for r in range(rounds):
            order = ("group", "reference") if r % 2 == 0 else ("reference", "group")
            for mode in order:
                db, outbox = dbs[mode]
                groups = db.commits.groups
                result = measure(outbox, n, seconds)
                result["per_commit"] = result["n"] / max(1, db.commits.groups - groups)
                runs[mode].append(result)
        out[str(n)] = {mode: {k: statistics.median(r[k] for r in rs) for k in rs[0]}
                       for mode, rs in runs.items()}
    for db, _ in dbs.values():
        db.close()
    print(json.dumps(out))


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="per measurement")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--delays", default="0,1,5,10", help="fsync delays in ms")
    parser.add_argument("--producers", default="1,4,16")
    parser.add_argument("--dir", default=None, help="directory on the disk to measure")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    producers = [int(x) for x in args.producers.split(",")]
    if args.child:
        child(args.child, producers, args.seconds, args.rounds)
        return
    load_before = _load()
    rows = []
    with tempfile.TemporaryDirectory(dir=args.dir, prefix="vitrine-bench-") as tmp:
        lib = build_shim(Path(tmp))
        for delay in [float(x) for x in args.delays.split(",")]:
            db_dir = Path(tmp) / f"d{delay}"
            db_dir.mkdir()
            env = dict(os.environ, LD_PRELOAD=str(lib), VITRINE_FSYNC_DELAY_US=str(int(delay * 1000)))
            done = subprocess.run([sys.executable, __file__, "--child", str(db_dir),
                                   "--producers", args.producers, "--seconds", str(args.seconds),
                                   "--rounds", str(args.rounds)],
                                  env=env, check=True, capture_output=True, text=True)
            for n, modes in json.loads(done.stdout.strip().splitlines()[-1]).items():
                rows.append((delay, int(n), modes["group"], modes["reference"]))
    print(f"fsync slowed by an LD_PRELOAD shim; medians of {args.rounds} rounds x {args.seconds} s; "
          f"synchronous=FULL, WAL; load average {load_before} (before) {_load()} (after)")
    print(f"{'fsync':>6} {'threads':>7} | {'group ev/s':>10} {'p50 ms':>7} {'p99 ms':>7} {'ev/commit':>9} | "
          f"{'1-per-event ev/s':>16} {'p99 ms':>7} | {'ratio':>6}")
    for delay, n, g, r in rows:
        print(f"{delay:>4.0f}ms {n:>7} | {g['rate']:>10.0f} {g['p50']:>7.2f} {g['p99']:>7.2f} "
              f"{g['per_commit']:>9.1f} | {r['rate']:>16.0f} {r['p99']:>7.2f} | "
              f"{g['rate'] / r['rate']:>5.1f}x")
    goal = next((g for d, n, g, _ in rows if d == 5 and n == 16), None)
    if goal:
        print(f"goal 16 threads @ 5 ms: {goal['rate']:.0f} events/s (>= 2,000), "
              f"p99 {goal['p99']:.1f} ms (<= 25)")


if __name__ == "__main__":
    main()
