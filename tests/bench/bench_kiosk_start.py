"""Cold start of the kiosk: from launching the process to the attract screen's first
lookbook photo on screen, through the real `App.run()` path.

    python tests/bench/bench_kiosk_start.py [RUNS] [--size WxH]

Without --size: at each size of bench_kiosk_scroll.SIZES.

Target: <= 2.5 s. Prints each run, the median and the ratio to target.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parents[2]), str(Path(__file__).resolve().parent)]
from bench_kiosk_scroll import REPO, SIZES, ensure_display, kivy_env  # noqa: E402

TARGET_S = 2.5

CHILD = r"""
import os, sys, time
t0 = float(os.environ["BENCH_T0"])
from kiosk.logic.allocator import tune_allocator
tune_allocator()  # as kiosk/cli.py's main() does first
from bridge.facade import Bridge
from kiosk.cli import configure_kivy
bridge = Bridge.open(sys.argv[1])
configure_kivy(bridge.settings, windowed=True, size=os.environ["BENCH_SIZE"])
from kivy.clock import Clock
from kiosk.app import VitrineKioskApp
app = VitrineKioskApp(bridge)

def check(_dt):
    attract = app.screens.get("attract")
    if attract is not None and attract.ids.front.texture is not None and app.manager.current == "attract":
        # The photo is set; wait for the frame that draws it, then report.
        Clock.schedule_once(lambda _dt: (print(f"ATTRACT {time.time() - t0:.3f}", flush=True), app.stop()), 0)
        return False

Clock.schedule_interval(check, 0)
app.run()
bridge.close()
"""


def seeded_config(folder: Path) -> Path:
    """A config whose database already holds the sample catalog (seeding is not start-up)."""
    from bridge.facade import Bridge
    from bridge.store.catalog import seed_from_assets

    config = folder / "config.toml"
    config.write_text('[store]\nid = "paris-marais"\nname = "Maison Vitrine"\n'
                      '[bridge]\ndatabase = "kiosk.db"\n[kiosk]\nfullscreen = false\n', encoding="utf-8")
    with Bridge.open(config) as bridge:
        seed_from_assets(bridge.catalog, "paris-marais")
    return config


def one_run(config: Path, size: str) -> float:
    env = {**os.environ, "PYTHONPATH": str(REPO), "BENCH_T0": repr(time.time()), "BENCH_SIZE": size}
    out = subprocess.run([sys.executable, "-c", CHILD, str(config)], env=env, cwd=REPO,
                         capture_output=True, text=True, timeout=120)
    for line in out.stdout.splitlines():
        if line.startswith("ATTRACT "):
            return float(line.split()[1])
    raise SystemExit(f"the kiosk did not reach the attract screen:\n{out.stderr[-2000:]}")


def main() -> None:
    sizes = [f"{w}x{h}" for w, h in SIZES]
    if "--size" in sys.argv:
        i = sys.argv.index("--size")
        sizes = [sys.argv[i + 1]]
        del sys.argv[i:i + 2]
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    xvfb = ensure_display()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            kivy_env(Path(tmp) / "kivy")
            config = seeded_config(Path(tmp))
            for size in sizes:
                one_run(config, size)  # the first run warms the OS file cache, as a kiosk that has booted once
                times = [one_run(config, size) for _ in range(runs)]
                print(f"--- {size}: " + ", ".join(f"{t:.2f}" for t in times) + " s to the attract screen")
                median = statistics.median(times)
                print(f"median cold start at {size}: {median:.2f} s (min {min(times):.2f}, max {max(times):.2f})")
                print(f"ratio to target ({TARGET_S} s): {median / TARGET_S:.2f} "
                      f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    finally:
        if xvfb is not None:
            xvfb.terminate()


if __name__ == "__main__":
    main()
