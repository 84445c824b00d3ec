"""Where the kiosk's memory goes: RSS at each step, /proc/self/smaps grouped by mapping, textures.

    python tests/bench/kiosk_memory_map.py [N_PRODUCTS] [--size WxH]

A diagnostic, not a benchmark (no target): [anon>=8MB] holds the window's GL buffers and
full-screen photos, SYSV00000000 the X shared-memory image a software-GL frame is copied to,
libLLVM the llvmpipe rasteriser's code (file-backed, shared), [heap]/[anon1-8MB] Python,
textures and decode buffers.
"""
import gc
import os
import sys
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parents[2]), str(Path(__file__).resolve().parent)]
from bench_kiosk_scroll import bench_session, measure_scroll, open_grid, pump_until

def rss():
    for l in Path("/proc/self/status").read_text().splitlines():
        if l.startswith("VmRSS:"): return int(l.split()[1]) / 1024
def smaps():
    kinds = {}; cur = None
    for l in Path("/proc/self/smaps").read_text().splitlines():
        f = l.split()
        if not f[0].endswith(":") or "-" in f[0]:
            name = f[5] if len(f) > 5 else "[anon]"
            cur = os.path.basename(name) if not name.startswith("[") else name
            size = f[0]
            a, b = (int(x, 16) for x in f[0].split("-"))
            if cur == "[anon]" and b - a >= 8 << 20: cur = f"[anon>=8MB]"
            elif cur == "[anon]" and b - a >= 1 << 20: cur = f"[anon1-8MB]"
        elif f[0] == "Rss:":
            kinds[cur] = kinds.get(cur, 0) + int(f[1])
    top = sorted(kinds.items(), key=lambda kv: -kv[1])[:10]
    return ", ".join(f"{k}={v/1024:.0f}" for k, v in top)
def step(label):
    print(f"{label}: RSS {rss():.0f} MB | {smaps()}", flush=True)

with bench_session(on_bridge=lambda b: step("before app")) as (app, bridge, n):
    from kivy.base import EventLoop
    from kivy.core.window import Window
    step(f"app built {Window.width}x{Window.height}")
    app.session.start()
    for _ in range(30): EventLoop.idle()
    att = app.screens["attract"]
    print("attract textures:", [(i.texture.size if i.texture else None) for i in (att.ids.front, att.ids.back)])
    step("attract shown")
    att._next(0); pump_until(lambda: att.ids.front.texture is not None)
    for _ in range(120): EventLoop.idle()
    print("attract textures after a slide:", [(i.texture.size if i.texture else None, i.opacity) for i in (att.ids.front, att.ids.back)])
    step("attract after slide")
    open_grid(app, n)
    step("browse")
    measure_scroll(app, 300)
    grid = app.screens["browse"].ids.grid
    cards = [c for c in grid.children[0].children]
    print(f"cards (views) {len(cards)}; card size {cards[0].size}; image widget {cards[0].children[-1].size}; cache {len(app.images)} textures {app.images.bytes/2**20:.1f} MB")
    from kivy.cache import Cache
    print("Kivy Cache:", {k: len(v) for k, v in Cache._objects.items()})
    step("scrolled")
    gc.collect(); step("after gc")
