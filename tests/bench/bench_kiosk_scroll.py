"""Browse-grid scroll frame rate with 50,000 products, in a real window (Xvfb, software GL).

    python tests/bench/bench_kiosk_scroll.py [N_PRODUCTS] [--size WxH]

Target: >= 30 fps while flinging through the grid. Prints figures and the ratio to target.
Without --size it runs itself once per size of SIZES (800x1280, 1080x1920, 2160x3840), each
in a fresh process (Kivy makes one window per process).
Also holds the helpers the other kiosk benchmarks share (display, big catalog, app, sizes).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
TARGET_FPS = 30.0
SIZES = [(800, 1280), (1080, 1920), (2160, 3840)]


def bench_size() -> tuple[int, int]:
    """The window size from --size WxH (removed from sys.argv), default 1080x1920."""
    if "--size" in sys.argv:
        i = sys.argv.index("--size")
        width, height = (int(v) for v in sys.argv[i + 1].lower().split("x"))
        del sys.argv[i:i + 2]
        return width, height
    return 1080, 1920


def run_each_size(script: str) -> bool:
    """Without --size: run script once per size in SIZES (child processes); True if it did."""
    if "--size" in sys.argv:
        return False
    for width, height in SIZES:
        print(f"--- {width}x{height}", flush=True)
        subprocess.run([sys.executable, script, *sys.argv[1:], "--size", f"{width}x{height}"], check=True)
    return True


def ensure_display() -> subprocess.Popen | None:
    """Xvfb on a display number the test suite does not use, unless DISPLAY is set."""
    from tests.support.xvfb import start_xvfb

    return start_xvfb(range(150, 190))


def kivy_env(home: Path) -> None:
    """Kivy quiet and in a temp home; the allocator tuned as kiosk/cli.py does before any thread."""
    from kiosk.logic.allocator import tune_allocator

    tune_allocator()
    os.environ.update(KIVY_NO_ARGS="1", KIVY_NO_CONSOLELOG="1", KIVY_NO_FILELOG="1", KIVY_HOME=str(home))


def make_big_bridge(folder: Path, n: int):
    """A bridge database holding n synthetic products (images from the sample catalog)."""
    from bridge.facade import Bridge
    from bridge.config import parse_settings

    catalog_dir = folder / "catalog"
    subprocess.run([sys.executable, str(REPO / "tests/bench/make_catalog.py"), str(n), str(catalog_dir)],
                   check=True, stdout=subprocess.DEVNULL)
    (catalog_dir / "images").symlink_to(REPO / "assets/catalog/images")
    settings = parse_settings({"store": {"id": "paris-marais", "name": "Maison Vitrine"},
                               "bridge": {"database": str(folder / "bench.db")},
                               "kiosk": {"fullscreen": False}}, source=str(folder / "config.toml"))
    # Seed in a child process: its memory is the loader's, not the kiosk's.
    seed = ("import sys; from bridge.facade import Bridge; from bridge.store.catalog import seed_from_assets; "
            "from bridge.config import parse_settings; "
            "b = Bridge.open(parse_settings({'store': {'id': 'paris-marais'}, "
            "'bridge': {'database': sys.argv[1]}}, source=sys.argv[1])); "
            "seed_from_assets(b.catalog, 'paris-marais', assets_dir=sys.argv[2]); b.close()")
    subprocess.run([sys.executable, "-c", seed, str(folder / "bench.db"), str(catalog_dir)],
                   check=True, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
    return Bridge.open(settings)


def start_app(bridge, size=(1080, 1920)):
    """Build the kiosk app in a window without entering its main loop."""
    from kivy.config import Config

    Config.set("graphics", "width", str(size[0]))
    Config.set("graphics", "height", str(size[1]))
    Config.set("graphics", "multisamples", "0")  # as kiosk/cli.py configures it
    from kivy.base import EventLoop

    from kiosk.app import VitrineKioskApp

    app = VitrineKioskApp(bridge)
    app._run_prepare()
    EventLoop.idle()
    return app


def pump_until(predicate, timeout: float = 120.0) -> None:
    from kivy.base import EventLoop

    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit("timed out")
        EventLoop.idle()


def open_grid(app, n: int) -> None:
    """Go to browse and wait for the first page of a grid that counts all n products."""
    app.go("browse")
    browse = app.screens["browse"]
    pump_until(lambda: browse.total >= n and browse.ids.grid.data and not browse.loading)


LAST_FLING: dict[str, float] = {}  # the last fling's CPU-ms per frame and frames drawn


def measure_scroll(app, frames: int = 240) -> tuple[float, float]:
    """Fling down the grid for `frames` frames; returns (fps, worst frame ms).

    The finger is on the glass (app.someone_is_here() each frame, as a touch does): on a
    loaded machine 240 frames outlast the idle timeout, and the "Still there?" overlay
    and the attract screen must not be what is measured.
    """
    browse = app.screens["browse"]
    return fling(browse.ids.grid, browse.ids.grid_layout, frames, on_frame=app.someone_is_here)


def fling(grid, layout, frames: int, on_frame: Callable[[], None] = lambda: None) -> tuple[float, float]:
    """Scroll a RecycleView down by a brisk step a frame; returns (fps, worst frame ms).

    Also records in LAST_FLING the CPU-ms per frame (this process, GL rasteriser threads
    included: less sensitive to the load than wall time) and how many frames were drawn.
    """
    from kivy.base import EventLoop
    from kivy.core.window import Window

    grid.scroll_y = 1.0
    EventLoop.idle()
    step_px = 90.0  # a brisk fling: ~5,400 px per second at 60 fps
    worst = 0.0
    drawn = [0]
    count = lambda *_: drawn.__setitem__(0, drawn[0] + 1)  # noqa: E731
    Window.bind(on_flip=count)
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(frames):
        t = time.perf_counter()
        on_frame()
        hidden = max(1.0, layout.height - grid.height)
        grid.scroll_y = max(0.0, grid.scroll_y - step_px / hidden)
        EventLoop.idle()
        worst = max(worst, time.perf_counter() - t)
    elapsed = time.perf_counter() - start
    LAST_FLING.update(cpu_ms=(time.process_time() - cpu) * 1000 / frames, drawn=drawn[0])
    Window.unbind(on_flip=count)
    return frames / elapsed, worst * 1000


@contextmanager
def bench_session(on_bridge: Callable[[object], None] = lambda bridge: None) -> Iterator[tuple]:
    """A display, a quiet Kivy, a bridge of N products and the app on top: (app, bridge, n).

    on_bridge(bridge) runs before the app starts (e.g. to measure memory without it).
    """
    size = bench_size()
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    xvfb = ensure_display()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            kivy_env(Path(tmp) / "kivy")
            t = time.perf_counter()
            bridge = make_big_bridge(Path(tmp), n)
            print(f"catalog: {bridge.catalog.count()} products seeded in {time.perf_counter() - t:.1f} s")
            on_bridge(bridge)
            app = start_app(bridge, size)
            try:
                yield app, bridge, n
            finally:
                app.stop()
                bridge.close()
    finally:
        if xvfb is not None:
            xvfb.terminate()


BARE_KV = """
RecycleView:
    viewclass: "Widget"
    RecycleGridLayout:
        cols: 3
        default_size: None, dp(320)
        default_size_hint: 1, None
        size_hint_y: None
        height: self.minimum_height
"""


def bare_reference(frames: int = 240) -> None:
    """The floor: an empty RecycleView of 50k blank cells scrolled in a bare window of the same size."""
    size = bench_size()
    xvfb = ensure_display()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            kivy_env(Path(tmp) / "kivy")
            from kivy.config import Config

            Config.set("graphics", "width", str(size[0]))
            Config.set("graphics", "height", str(size[1]))
            Config.set("graphics", "multisamples", "0")
            from kivy.base import EventLoop
            from kivy.core.window import Window
            from kivy.lang import Builder

            view = Builder.load_string(BARE_KV)
            view.data = [{} for _ in range(50_000)]
            Window.add_widget(view)
            for _ in range(10):
                EventLoop.idle()
            fling(view, view.children[0], 30)
            fps, worst = fling(view, view.children[0], frames)
            print(f"bare: {fps:.2f} fps worst {worst:.0f} ms, {LAST_FLING['cpu_ms']:.1f} CPU-ms a frame, "
                  f"resident {rss_mb():.0f} MB")
    finally:
        if xvfb is not None:
            xvfb.terminate()


def rss_mb() -> float:
    """This process's resident set size, from /proc (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise SystemExit("no VmRSS in /proc/self/status")


def bare_run(size: tuple[int, int]) -> dict[str, float]:
    """bare_reference in a child process (one Kivy window per process): fps, cpu_ms, rss_mb."""
    out = subprocess.run([sys.executable, __file__, "--bare", "--size", f"{size[0]}x{size[1]}"],
                         check=True, capture_output=True, text=True).stdout
    words = next(line for line in out.splitlines() if line.startswith("bare:")).replace(",", "").split()
    return {"fps": float(words[1]), "cpu_ms": float(words[6]), "rss_mb": float(words[11])}


def bare_fps(size: tuple[int, int]) -> float:
    """bare_reference's frame rate, in a child process."""
    return bare_run(size)["fps"]


def main() -> None:
    if "--bare" in sys.argv:
        sys.argv.remove("--bare")
        bare_reference()
        return
    if run_each_size(__file__):
        return
    with bench_session() as (app, bridge, n):
        from kivy.clock import Clock

        Clock.max_iteration = 20
        app.session.start()
        t = time.perf_counter()
        open_grid(app, n)
        print(f"browse: first page of {app.screens['browse'].total} products shown after "
              f"{(time.perf_counter() - t) * 1000:.0f} ms")
        measure_scroll(app, 30)  # warm the image cache's threads and the GL state
        fps, worst = measure_scroll(app)
        cpu_ms, drawn = LAST_FLING["cpu_ms"], LAST_FLING["drawn"]
        loaded = len(app.screens["browse"].ids.grid.data)
        from kivy.core.window import Window

        print(f"scroll: {fps:.1f} fps over 240 frames at {Window.width}x{Window.height}, worst frame {worst:.0f} ms, "
              f"{cpu_ms:.1f} CPU-ms a frame, {drawn:.0f} frames drawn ({loaded} cards paged in while scrolling)")
        print(f"ratio to target ({TARGET_FPS:.0f} fps): {fps / TARGET_FPS:.2f} "
              f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
        size = (Window.width, Window.height)
    bare = bare_run(size)  # after the kiosk's window is gone: the two never share the CPU
    print(f"reference: a bare window scrolling an empty RecycleView at {size[0]}x{size[1]}: {bare['fps']:.1f} fps, "
          f"{bare['cpu_ms']:.1f} CPU-ms a frame; kiosk / bare = {fps / bare['fps']:.2f} fps, "
          f"{cpu_ms / bare['cpu_ms']:.2f}x the CPU a frame (load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
