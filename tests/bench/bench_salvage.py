"""How many events `vitrine-bridge recover` gets back from damaged databases, and how fast.

    .venv/bin/python tests/bench/bench_salvage.py [--events 20000] [--runs 3]

Builds a real bridge database of N pending events, damages copies of it (one bad page,
a zeroed header, truncated to half), and salvages each. Times are medians of --runs,
with a reference measured in the same run: reading every body of the healthy file
with one SELECT. Prints the load average, since the machine is shared.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bridge.store.outbox import Outbox  # noqa: E402
from bridge.store.registry import open_database  # noqa: E402
from bridge.store.salvage import salvage  # noqa: E402
from tests.support.damage import bad_header, bad_page, truncated  # noqa: E402


def build(path: Path, n: int) -> None:
    with open_database(path, synchronous="OFF") as db:
        outbox = Outbox(db)
        for start in range(0, n, 5000):
            outbox.record_many([{"type": "search_performed", "device_id": f"kiosk-{i % 4}",
                                 "payload": {"query": f"robe d'été {i}", "results_count": i}}
                                for i in range(start, min(n, start + 5000))])


def timed(func, runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        healthy = Path(tmp) / "vitrine.db"
        build(healthy, args.events)

        def select_all() -> int:
            conn = sqlite3.connect(healthy)
            try:
                return len(conn.execute("SELECT body FROM outbox").fetchall())
            finally:
                conn.close()

        ref_s, ref_n = timed(select_all, args.runs)
        print(f"load average {os.getloadavg()[0]:.2f}; {args.events} events, "
              f"{healthy.stat().st_size / 1e6:.1f} MB; medians of {args.runs} runs")
        print(f"reference: SELECT every body of the healthy file: {ref_n} in {ref_s * 1000:.0f} ms")
        for damage in (None, bad_page, bad_header, truncated):
            copy = Path(tmp) / f"vitrine.db.corrupt-{damage.__name__ if damage else 'none'}"
            shutil.copyfile(healthy, copy)
            if damage:
                damage(copy)
            secs, found = timed(lambda: salvage(copy), args.runs)
            n = len(found.events())
            print(f"{damage.__name__ if damage else 'healthy':>10}: {n:>6} of {args.events} "
                  f"({100 * n / args.events:5.1f} %) in {secs * 1000:6.0f} ms "
                  f"({secs / ref_s:5.1f}x the reference)")
    print(f"load average after {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
