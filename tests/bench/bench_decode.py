"""Benchmark: decode() against pyzbar, zxing-cpp and their union on the hard evaluation set.

    python tests/bench/bench_decode.py [--per-category 30] [--seed 0] [--photos DIR]

Prints, per decoder, codes found per category and in all, and ms per 1280x720 frame
(median, p95), on the frames of tests/scanner/hard_frames.py (cached under tmp/cache/).
pyzbar and zxing-cpp are called as a user of each library would, on the grayscale frame
with their default options. Target: decode() finds at least as many as zxing-cpp, at a
median <= 15 ms. With --photos, also real phone photos of EAN-13s (not made by us; see
tests/data/photos_ean13/README.md), counted against truth.tsv.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT)]

import numpy as np  # noqa: E402
import zxingcpp  # noqa: E402
from PIL import Image  # noqa: E402
from pyzbar import pyzbar  # noqa: E402

from kiosk.scanning.decode import SYMBOLS, decode  # noqa: E402
from tests.scanner.hard_frames import CATEGORIES, HardFrame, hard_set  # noqa: E402


def run_pyzbar(gray: np.ndarray) -> set[str]:
    return {s.data.decode("utf-8", "replace") for s in pyzbar.decode(gray, symbols=SYMBOLS)}


def run_zxing(gray: np.ndarray) -> set[str]:
    return {r.text for r in zxingcpp.read_barcodes(gray)}


def run_union(gray: np.ndarray) -> set[str]:
    return run_pyzbar(gray) | run_zxing(gray)


def run_decode(gray: np.ndarray) -> set[str]:
    return {c.text for c in decode(gray)}


DECODERS: dict[str, Callable[[np.ndarray], set[str]]] = {
    "pyzbar": run_pyzbar, "zxing-cpp": run_zxing, "union": run_union, "decode()": run_decode}


def load_photos(folder: Path) -> list[tuple[HardFrame, np.ndarray]]:
    """The photos named in truth.tsv, as (frame with category "photo", grayscale pixels)."""
    photos = []
    for line in (ROOT / "tests" / "data" / "photos_ean13" / "truth.tsv").read_text().splitlines():
        name, ean = line.split("\t")
        gray = np.asarray(Image.open(folder / name).convert("L"))
        photos.append((HardFrame("photo", ean, "ean13", gray), gray))
    return photos


def ean13(texts: set[str]) -> set[str]:
    """Texts with 12-digit UPC-A reads written as the EAN-13 they are (a leading 0)."""
    return {"0" + t if len(t) == 12 and t.isdigit() else t for t in texts}


def measure(fn: Callable[[np.ndarray], set[str]], frames: list[tuple[HardFrame, np.ndarray]]
            ) -> tuple[dict[str, int], list[float]]:
    """Hits per category and ms per frame; the gray conversion is outside the timing."""
    hits = dict.fromkeys(dict.fromkeys(f.category for f, _ in frames), 0)
    times = []
    for frame, gray in frames:
        t0 = time.perf_counter()
        found = ean13(fn(gray))
        times.append((time.perf_counter() - t0) * 1000.0)
        hits[frame.category] += frame.text in found
    return hits, times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-category", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--photos", type=Path, help="folder of the photos named in tests/data/photos_ean13/truth.tsv")
    args = parser.parse_args()
    t0 = time.perf_counter()
    frames = [(f, np.asarray(Image.fromarray(f.pixels).convert("L"))) for f in hard_set(args.per_category, args.seed)]
    print(f"{len(frames)} frames 1280x720 ({args.per_category} per category, seed {args.seed}) "
          f"ready in {time.perf_counter() - t0:.1f} s; load average {os.getloadavg()[0]:.2f}")
    rows = table(frames, list(CATEGORIES))
    if args.photos:
        print(f"real phone photos of EAN-13s, 640x480 (Zamberletti et al., CC BY 3.0) from {args.photos}:")
        table(load_photos(args.photos), ["photo"])
    (ours, our_median), (theirs, their_median) = rows["decode()"], rows["zxing-cpp"]
    print(f"decode()/zxing-cpp: found x{ours / max(theirs, 1):.2f}, median time x{our_median / their_median:.2f}")
    verdict = "MET" if ours >= theirs and our_median <= 15.0 else "NOT MET"
    print(f"target (found >= zxing-cpp, median <= 15 ms): {verdict}")


def table(frames: list[tuple[HardFrame, np.ndarray]], categories: list[str]) -> dict[str, tuple[int, float]]:
    """Print hits per category and times for every decoder; return (found, median ms) by decoder."""
    print(f"{'decoder':<10} " + " ".join(f"{c:>11}" for c in categories) + f" {'found':>9} {'median ms':>10} {'p95 ms':>7}")
    rows = {}
    for name, fn in DECODERS.items():
        hits, times = measure(fn, frames)
        rows[name] = (sum(hits.values()), statistics.median(times))
        print(f"{name:<10} " + " ".join(f"{hits[c]:>11}" for c in categories)
              + f" {sum(hits.values()):>4}/{len(frames):<4} {statistics.median(times):>10.1f}"
              f" {float(np.percentile(times, 95)):>7.1f}")
    return rows


if __name__ == "__main__":
    main()
