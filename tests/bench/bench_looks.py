"""Benchmark "Complete the look", "Where is it?" and "For you" on a large catalog.

    python tests/bench/bench_looks.py [N]

Every product gets one of N/12 collections and a location in the demo store. Prints the
median and p95 of complete_the_look, location and a whole For-you list (5 saved pieces),
against a browse page of 24 cards measured in the same run (ratio), with the load average.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bridge.store.catalog import Catalog  # noqa: E402
from bridge.store.registry import open_database  # noqa: E402
from kiosk.logic.session import SavedItem  # noqa: E402
from kiosk.logic.suggestions import ShopFloorView, for_you  # noqa: E402
from make_catalog import make_products  # noqa: E402

HERE = "store:paris-marais"
RUNS = 200


def timed(fn, runs: int = RUNS) -> tuple[float, float]:
    """(median, p95) milliseconds of fn() over runs calls."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def main(n: int) -> None:
    products, stock = make_products(n)
    rng = random.Random(16)
    for i, p in enumerate(products):
        p["collection"] = f"c{rng.randrange(max(1, n // 12))}"
        p["locations"] = [{"store_id": "paris-marais", "label": {"fr": f"Zone {i % 9}", "en": f"Zone {i % 9}"},
                           "plan": {"x": 0.5, "y": 0.5}}]
    with tempfile.TemporaryDirectory() as folder:
        db = open_database(Path(folder) / "bench.db", synchronous="OFF")
        catalog = Catalog(db)
        start = time.perf_counter()
        catalog.upsert_products(products)
        catalog.upsert_stock(stock)
        load_s = time.perf_counter() - start
        ids = [p["id"] for p in products]
        picks = iter(rng.choice(ids) for _ in range(10 * RUNS))
        view = ShopFloorView("Léa", tuple(SavedItem(pid) for pid in rng.sample(ids, 5)))
        rows = {
            "browse page (reference)": timed(lambda: catalog.browse(lang="fr", limit=24, offset=240)),
            "complete_the_look": timed(lambda: catalog.complete_the_look(next(picks), location=HERE, lang="fr")),
            "location": timed(lambda: catalog.location(next(picks), "paris-marais")),
            "for_you (5 saved)": timed(lambda: for_you(view, catalog, here=HERE, lang="fr"), runs=50),
        }
        db.close()
    ref = rows["browse page (reference)"][0]
    print(f"{n} products loaded in {load_s:.1f} s; load average {os.getloadavg()}")
    for name, (median, p95) in rows.items():
        print(f"{name:26} median {median:7.2f} ms  p95 {p95:7.2f} ms  x{median / ref:5.1f} of a browse page")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50_000)
