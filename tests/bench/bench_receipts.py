"""Benchmark POSLog ingest: parse + mask + record throughput, and peak memory of the parse.

    python tests/bench/bench_receipts.py [-n 10000] [--dir DIR] [--synchronous FULL]

Writes a POSLog file of n sales (make_poslog.py), ingests it into a fresh bridge
database, then ingests it again (all duplicates). Target: >= 2,000 receipts/s.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bridge.api import Bridge  # noqa: E402
from bridge.config import parse_settings  # noqa: E402
from bridge.ingest import ingest_path  # noqa: E402
from bridge.receipts.poslog import read_poslog  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_poslog import write_poslog  # noqa: E402

TARGET = 2000.0


def parse_only(path: Path) -> tuple[float, int, float]:
    """Seconds to parse every transaction, the number of sales, and peak traced memory in MB."""
    tracemalloc.start()
    start = time.perf_counter()
    with path.open("rb") as f:
        sales = sum(1 for item in read_poslog(f, path.name, store_id="s", currency="EUR")
                    if type(item).__name__ == "SourceDoc")
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    return seconds, sales, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=10_000)
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--synchronous", default="FULL")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        tmp_path = Path(tmp)
        xml = write_poslog(args.n, tmp_path / "poslog.xml")
        size_mb = xml.stat().st_size / 1e6
        parse_s, sales, peak = parse_only(xml)
        small = write_poslog(max(1, args.n // 10), tmp_path / "small.xml")
        _, _, small_peak = parse_only(small)
        settings = parse_settings({"store": {"id": "paris-marais"},
                                   "bridge": {"database": str(tmp_path / "b.db"),
                                              "synchronous": args.synchronous}})
        with Bridge.open(settings) as bridge:
            start = time.perf_counter()
            first = ingest_path(bridge, xml)
            ingest_s = time.perf_counter() - start
            start = time.perf_counter()
            again = ingest_path(bridge, xml)
            again_s = time.perf_counter() - start
    rate = first.recorded / ingest_s
    print(f"file: {sales} sales, {size_mb:.1f} MB; synchronous={args.synchronous}")
    print(f"parse only:        {sales / parse_s:10,.0f} receipts/s  ({parse_s:.2f} s)")
    print(f"parse peak memory: {peak:10.1f} MB for {sales} sales, {small_peak:.1f} MB for a tenth "
          f"(ratio {peak / small_peak:.2f}; flat is ~1)")
    print(f"ingest (new):      {rate:10,.0f} receipts/s  ({ingest_s:.2f} s, {first.recorded} recorded, "
          f"{len(first.errors)} errors)")
    print(f"ingest (again):    {again.duplicates / again_s:10,.0f} receipts/s  ({again_s:.2f} s, "
          f"{again.duplicates} duplicates)")
    print(f"target {TARGET:,.0f} receipts/s: ratio {rate / TARGET:.2f} -> {'OK' if rate >= TARGET else 'BELOW'}")


if __name__ == "__main__":
    main()
