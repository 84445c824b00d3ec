"""The two-command store demo: kiosk A and kiosk B on one store bridge, a till sale on both."""

from __future__ import annotations

import shlex
import subprocess

from demo.store import start_joined_demo, start_store_demo, till_hint
from tests.store.store_rig import wait_until


def _level(bridge, sku: str) -> int:
    return bridge.catalog.db.read().execute(
        "SELECT on_hand FROM stock WHERE sku = ? AND location = 'store:paris-marais'", (sku,)).fetchone()[0]


def test_two_kiosks_on_one_store_bridge_see_a_till_sale(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    demo, join = start_store_demo(tmp_path / "a", "2468")
    with demo:
        args = shlex.split(join)
        assert args[1] == "--join" and args[-1] == "--windowed"
        with start_joined_demo(tmp_path / "b", args[2], args[3], "2468") as other:
            assert demo.bridge.catalog.count() == other.bridge.catalog.count() == demo.store.catalog.count() > 0
            hint = till_hint(demo.store)
            sku = hint.split("Sell one ", 1)[1].split(" ", 1)[0]
            before = _level(other.bridge, sku)
            curl = hint.splitlines()[1].strip()
            out = subprocess.run(shlex.split(curl), capture_output=True, text=True, timeout=30, check=True)
            assert '"accepted"' in out.stdout
            for kiosk in (demo.bridge, other.bridge):
                wait_until(lambda: _level(kiosk, sku) == before - 1, 30, "the sale on each kiosk")
