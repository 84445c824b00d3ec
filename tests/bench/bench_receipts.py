"""Benchmark POSLog ingest: parse + mask + record throughput, and peak memory of the parse.

    python tests/bench/bench_receipts.py [-n 10000] [--rounds 3] [--dir DIR] [--synchronous FULL]

Writes a POSLog file of n sales (make_poslog.py), ingests it into a fresh bridge
database whose catalog knows half the barcodes sold (lookups hit, sales move stock), then ingests it again (all duplicates); the best of --rounds is reported.
Reference measured in the same run: a bare C iterparse of the file (the floor of any
reader that builds elements). Target (issue 13): >= 5,000 receipts/s end to end.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bridge.facade import Bridge  # noqa: E402
from bridge.config import parse_settings  # noqa: E402
from bridge.intake.ingest import ingest_path  # noqa: E402
from bridge.intake.receipts.model import SourceDoc  # noqa: E402
from bridge.intake.receipts.poslog import read_poslog  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_poslog import write_poslog  # noqa: E402

TARGET = 5000.0

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "receipts"))
from poslog_samples import BILLION_LAUGHS, EXTERNAL_ENTITY, QUADRATIC  # noqa: E402

HOSTILE = {"laughs": BILLION_LAUGHS, "quadratic": QUADRATIC, "xxe": EXTERNAL_ENTITY}


def catalog_for(path: Path, share: float = 0.5) -> list[dict]:
    """Products carrying `share` of the item barcodes sold in path, so that SKU lookups by
    EAN hit and sales move stock (one variant per product)."""
    eans = sorted(set(re.findall(r"<ItemID>(\d+)</ItemID>", path.read_text(encoding="utf-8"))))
    keep = eans[:int(len(eans) * share)]
    return [{"id": f"b{i}", "name": {"fr": f"Article {i}", "en": f"Item {i}"},
             "category": "shoes", "price": {"amount": "10.00", "currency": "EUR"},
             "variants": [{"sku": f"SKU-{ean}", "ean": ean, "size": "38", "color": "black"}],
             "updated_at": "2026-01-01T00:00:00Z"} for i, ean in enumerate(keep)]


def cpu_seconds() -> float:
    """CPU time of this process (user + system: the commits' fsyncs count)."""
    return time.process_time()


def parse_only(path: Path) -> tuple[float, int]:
    """Seconds to parse every transaction, and the number of sales."""
    start = time.perf_counter()
    with path.open("rb") as f:
        sales = sum(1 for item in read_poslog(f, path.name, store_id="s", currency="EUR")
                    if isinstance(item, SourceDoc))
    return time.perf_counter() - start, sales


def iterparse_only(path: Path) -> float:
    """Seconds for a bare C iterparse of path, dropping each element: the reference."""
    from xml.etree.ElementTree import iterparse

    start = time.perf_counter()
    for _, elem in iterparse(path):
        elem.clear()
    return time.perf_counter() - start


def parse_peak_mb(path: Path) -> float:
    """Peak Python memory while parsing path (tracemalloc is slow: use on small files)."""
    tracemalloc.start()
    parse_only(path)
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    return peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=10_000)
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--synchronous", default="FULL")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        tmp_path = Path(tmp)
        xml = write_poslog(args.n, tmp_path / "poslog.xml")
        size_mb = xml.stat().st_size / 1e6
        parse_s, sales = min(parse_only(xml) for _ in range(args.rounds))
        reference_s = min(iterparse_only(xml) for _ in range(args.rounds))
        mem_n = min(args.n, 2000)
        peak = parse_peak_mb(write_poslog(mem_n, tmp_path / "mem.xml"))
        small_peak = parse_peak_mb(write_poslog(max(1, mem_n // 10), tmp_path / "mem-small.xml"))
        products = catalog_for(xml)
        runs = []
        for run in range(args.rounds):  # best of rounds: other work on the machine only slows a run
            settings = parse_settings({"store": {"id": "paris-marais"},
                                       "bridge": {"database": str(tmp_path / f"b{run}.db"),
                                                  "synchronous": args.synchronous}})
            with Bridge.open(settings) as bridge:
                bridge.catalog.upsert_products(products)
                # The reference right before each round: the VM's speed drifts between rounds,
                # so the per-round ratio compares like with like.
                round_ref_s = iterparse_only(xml)
                start, cpu = time.perf_counter(), cpu_seconds()
                first = ingest_path(bridge, xml)
                ingest_s, ingest_cpu = time.perf_counter() - start, cpu_seconds() - cpu
                start = time.perf_counter()
                again = ingest_path(bridge, xml)
                again_s = time.perf_counter() - start
            runs.append((ingest_s, ingest_cpu, again_s, first, again, round_ref_s))
        cpu_us = sorted(r[1] / r[3].recorded * 1e6 for r in runs)
        round_ratios = sorted(r[0] / r[5] for r in runs)
        ingest_s, ingest_cpu, again_s, first, again, _ = min(runs, key=lambda r: r[0])
    rate = first.recorded / ingest_s
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"file: {sales} sales, {size_mb:.1f} MB; synchronous={args.synchronous}; "
          f"catalog of {len(products)} products holding half the barcodes sold")
    print(f"parse only:        {sales / parse_s:10,.0f} receipts/s  ({parse_s:.2f} s; "
          f"{parse_s / reference_s:.1f} x a bare iterparse of the file, {reference_s:.2f} s)")
    print(f"parse peak memory: {peak:10.2f} MB for {mem_n} sales, {small_peak:.2f} MB for a tenth "
          f"(ratio {peak / small_peak:.2f}; flat is ~1, linear would be 10)")
    print(f"ingest (new):      {rate:10,.0f} receipts/s  best of {len(runs)} ({ingest_s:.2f} s, "
          f"{first.recorded} recorded, {len(first.errors)} errors)")
    print(f"ingest / bare iterparse: {ingest_s / reference_s:.1f} x the reference's time (same run; "
          f"this VM's speed swings by half within an hour, the ratio much less)")
    print(f"ingest / bare iterparse, round by round (the reference timed right before each round): "
          f"median {round_ratios[len(round_ratios) // 2]:.1f} x ({', '.join(f'{x:.1f}' for x in round_ratios)}); "
          f"at that ratio, a VM whose bare iterparse takes 25 us a sale (0.25 s for 10k, a fast phase) ingests "
          f"{1e6 / (25 * round_ratios[len(round_ratios) // 2]):,.0f} receipts/s, 33 us (a slow one) "
          f"{1e6 / (33 * round_ratios[len(round_ratios) // 2]):,.0f}")
    print(f"ingest / parse only: {rate / (sales / parse_s):.2f} (share of the parser's rate that "
          f"survives masking, mapping, recording and stock; the parse alone caps ingest)")
    print(f"ingest (new, CPU): {first.recorded / ingest_cpu:10,.0f} receipts per CPU-second "
          f"({ingest_cpu:.2f} s CPU in the best round; wall time suffers when other work shares the cores)")
    print(f"ingest CPU per receipt: {cpu_us[len(cpu_us) // 2]:.0f} us, median of {len(cpu_us)} rounds "
          f"({', '.join(f'{x:.0f}' for x in cpu_us)}); target <= 180 us")
    print(f"ingest (again):    {again.duplicates / again_s:10,.0f} receipts/s  ({again_s:.2f} s, "
          f"{again.duplicates} duplicates)")
    for name, text in HOSTILE.items():
        start = time.perf_counter()
        with io.BytesIO(text.encode()) as f:
            items = list(read_poslog(f, name, store_id="s", currency="EUR"))
        refused = len(items) == 1 and not isinstance(items[0], SourceDoc)
        print(f"hostile {name:<10} {'refused' if refused else 'NOT REFUSED'} in "
              f"{(time.perf_counter() - start) * 1000:.2f} ms (limit 1000 ms)")
    print(f"target {TARGET:,.0f} receipts/s: ratio {rate / TARGET:.2f} -> {'OK' if rate >= TARGET else 'BELOW'}")


if __name__ == "__main__":
    main()
