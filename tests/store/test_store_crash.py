"""Real processes: HQ, a store bridge killed -9 again and again, three kiosk bridges, one till.

Every event recorded on a kiosk reaches HQ exactly once with gap-free seqs, and a till sale
at the store bridge shows on every kiosk within 5 s.
"""

from __future__ import annotations

import signal
import threading
import time

import requests

from bridge.config import load_settings
from bridge.facade import Bridge
from tests.store.store_rig import (INTAKE_TOKEN, STORE, answers, free_port, kiosk_config, start_bridge,
                                   store_config, wait_until)

KIOSKS = 3
KILLS = 3
SALE_DEADLINE_S = 5.0


def _receipt(n: int, sku: str) -> dict:
    price = {"amount": "10.00", "currency": "EUR"}
    return {"receipt_id": f"R-{n}", "register_id": "pos-1", "occurred_at": "2026-11-23T10:00:00+01:00",
            "lines": [{"sku": sku, "quantity": 1, "unit_price": price, "total": price}],
            "subtotal": price, "tax": {"amount": "0.00", "currency": "EUR"}, "total": price,
            "tenders": [{"method": "cash", "amount": price}]}


class Recorder(threading.Thread):
    """Records events on the kiosks' own databases (as the kiosk apps do) until stopped."""

    def __init__(self, kiosks: list[Bridge]) -> None:
        super().__init__(daemon=True)
        self.kiosks = kiosks
        self.ids: list[str] = []
        self.stop = threading.Event()

    def run(self) -> None:
        n = 0
        while not self.stop.is_set():
            for i, k in enumerate(self.kiosks, 1):
                self.ids.append(k.record("product_viewed", device_id=f"kiosk-{i}",
                                         payload={"product_id": f"p{n}"}))
            n += 1
            self.stop.wait(0.005)


def test_store_bridge_killed_repeatedly_loses_and_doubles_nothing(tmp_path, hq):
    serve_port, intake_port = free_port(), free_port()
    store_url, intake_url = f"http://127.0.0.1:{serve_port}", f"http://127.0.0.1:{intake_port}"
    store_cfg = store_config(tmp_path, hq.url, serve_port, intake_port, kiosks=KIOSKS)
    procs = {"store": start_bridge(store_cfg, tmp_path / "store.log")}
    kiosk_cfgs = [kiosk_config(tmp_path, i, store_url) for i in range(1, KIOSKS + 1)]
    for i, cfg in enumerate(kiosk_cfgs, 1):
        procs[f"kiosk-{i}"] = start_bridge(cfg, tmp_path / f"kiosk-{i}.log")
    kiosks = [Bridge.open(load_settings(cfg)) for cfg in kiosk_cfgs]
    recorder = Recorder(kiosks)
    try:
        t0 = time.monotonic()
        wait_until(lambda: answers(store_url), 120, "the store bridge to serve")
        print(f"store up {time.monotonic() - t0:.1f}")
        recorder.start()
        for kill in range(KILLS):
            before = hq.event_count()
            wait_until(lambda: hq.event_count() > before, 30, f"events to flow (round {kill})")
            procs["store"].send_signal(signal.SIGKILL)
            procs["store"].wait()
            procs["store"] = start_bridge(store_cfg, tmp_path / "store.log")
            wait_until(lambda: answers(store_url), 120, "the store bridge to come back")
            print(f"round {kill} {time.monotonic() - t0:.1f}")
        recorder.stop.set()
        recorder.join()
        wanted = set(recorder.ids)
        wait_until(lambda: hq.event_count() >= len(wanted), 60, f"HQ to hold all {len(wanted)} events",
                   step=0.1)
        print(f"drained {time.monotonic() - t0:.1f}")
        held = hq.events(STORE)
        assert len(held) == len(wanted) and {e["id"] for e in held} == wanted
        for i in range(1, KIOSKS + 1):
            seqs = sorted(e["seq"] for e in held if e["device_id"] == f"kiosk-{i}")
            assert seqs == list(range(1, len(seqs) + 1)), f"kiosk-{i}: seqs not gap-free"

        # A till sale at the store bridge is on every kiosk within 5 s.
        sku, on_hand = wait_until(lambda: _stocked(kiosks[-1]), 30, "kiosks to hold the stock")
        for k in kiosks:
            wait_until(lambda: _level(k, sku) == on_hand, 30, "every kiosk to hold the same stock")
        print(f"stock {time.monotonic() - t0:.1f}")
        sold_at = time.monotonic()
        answer = requests.post(intake_url + "/v1/intake/receipts", json={"receipts": [_receipt(1, sku)]},
                               headers={"Authorization": f"Bearer {INTAKE_TOKEN}"}, timeout=10)
        assert answer.json()["results"][0]["status"] == "accepted", answer.text
        for k in kiosks:
            wait_until(lambda: _level(k, sku) == on_hand - 1, SALE_DEADLINE_S - (time.monotonic() - sold_at),
                       f"{k.settings.bridge.id} to show the sale")
    finally:
        recorder.stop.set()
        for proc in procs.values():
            proc.terminate()
        for proc in procs.values():
            try:
                proc.wait(timeout=15)
            except Exception:
                proc.kill()
                proc.wait()
        for k in kiosks:
            k.close()


def _stocked(bridge: Bridge) -> tuple[str, int] | None:
    return bridge.db.read().execute(
        "SELECT sku, on_hand FROM stock WHERE location = ? AND on_hand > 1 ORDER BY sku LIMIT 1",
        (f"store:{STORE}",)).fetchone()


def _level(bridge: Bridge, sku: str) -> int | None:
    row = bridge.db.read().execute("SELECT on_hand FROM stock WHERE sku = ? AND location = ?",
                                   (sku, f"store:{STORE}")).fetchone()
    return row[0] if row else None
