"""Resident memory of the kiosk with 50,000 products, after browsing and scrolling the grid.

    python tests/bench/bench_kiosk_memory.py [N_PRODUCTS] [--size WxH]

Without --size: once per size of bench_kiosk_scroll.SIZES, each in a fresh process.

Target: <= 250 MB resident. Prints figures and the ratio to target.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parents[2]), str(Path(__file__).resolve().parent)]
from bench_kiosk_scroll import bare_run, bench_session, measure_scroll, open_grid, rss_mb, run_each_size  # noqa: E402

TARGET_MB = 250.0


def main() -> None:
    if run_each_size(__file__):
        return
    readings: dict[str, float] = {}
    with bench_session(on_bridge=lambda _bridge: readings.update(before=rss_mb())) as (app, bridge, n):
        started = rss_mb()
        app.session.start()
        open_grid(app, n)
        loaded = rss_mb()
        measure_scroll(app, 600)
        app.go("search")
        app.screens["search"].query = "robe"
        app.screens["search"]._search()
        scrolled = rss_mb()
        print(f"resident memory: {readings['before']:.0f} MB before the app, {started:.0f} MB at the attract "
              f"screen, {loaded:.0f} MB browsing {n} products, {scrolled:.0f} MB after scrolling 600 frames "
              f"and a search ({len(app.screens['browse'].ids.grid.data)} cards paged in)")
        from kivy.core.window import Window

        print(f"ratio to target ({TARGET_MB:.0f} MB) at {Window.width}x{Window.height}: "
              f"{scrolled / TARGET_MB:.2f} (load average {os.getloadavg()[0]:.1f})")
        size = (Window.width, Window.height)
    # The floor: Python, Kivy and a bare window of the same size scrolling an empty grid.
    bare = bare_run(size)["rss_mb"]
    print(f"reference: a bare window of the same size scrolling an empty RecycleView: {bare:.0f} MB resident; "
          f"kiosk - bare = {scrolled - bare:.0f} MB")


if __name__ == "__main__":
    main()
