"""Benchmark: a store of 8 kiosks behind one store bridge, all real processes on loopback.

    python tests/bench/bench_store.py [--kiosks 8] [--events 2000] [--runs 3] [--sales 20]

1. Throughput: once every kiosk bridge runs and holds the catalog, --events events are
   recorded on each; the time until HQ holds them all gives events/s through two hops (the
   kiosks keep pulling meanwhile, as in a store). The reference, in the same run: one bridge
   draining the same number of events straight to HQ, measured the same way.
2. Staleness: --sales till receipts posted to the store bridge's intake one at a time; for
   each, the time until each kiosk's database shows the lowered stock (kiosk pull_interval_s
   --pull-s). Prints p50 and p95 over every (sale, kiosk).

Medians of --runs runs, with the load average before and after.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from bridge.config import load_settings  # noqa: E402
from bridge.facade import Bridge  # noqa: E402
from tests.store.store_rig import (INTAKE_TOKEN, STORE, answers, free_port, kiosk_config,  # noqa: E402
                                   start_bridge, store_config, wait_until, write_config)


def start_hq(workdir: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "hq.cli", "serve", "--db", str(workdir / "hq.db"),
                             "--port", str(port)], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    wait_until(lambda: _hq_events(url) is not None, 60, "HQ to start", step=0.05)
    return proc, url


def _hq_events(url: str) -> int | None:
    try:
        return requests.get(f"{url}/stores/{STORE}/stats.json", timeout=2).json()["events"]
    except (requests.RequestException, ValueError):
        return None


def _fill(config: Path, device: str, n: int) -> None:
    with Bridge.open(load_settings(config)) as b:
        for base in range(0, n, 5000):
            b.outbox.record_many([{"type": "product_viewed", "device_id": device,
                                   "payload": {"product_id": f"p{base + i}"}} for i in range(min(5000, n - base))])


def _has_stock(config: Path) -> bool:
    with Bridge.open(load_settings(config)) as b:
        return b.db.read().execute("SELECT count(*) FROM stock").fetchone()[0] > 0


def _stop(procs: list[subprocess.Popen]) -> None:
    for p in procs:
        p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def direct_run(work: Path, total: int) -> float:
    """Reference: one bridge pushes `total` events straight to HQ; events/s."""
    hq, hq_url = start_hq(work)
    config = write_config(work / "direct.toml", {
        "store": {"id": STORE}, "bridge": {"database": str(work / "direct.db"), "synchronous": "NORMAL",
                                            "push_interval_s": 0.2, "pull_interval_s": 3600.0},
        "hq": {"url": hq_url, "token": "dev-token-paris-marais"}, "intake": {"port": 0}})
    try:
        proc = start_bridge(config, work / "direct.log")
        wait_until(lambda: _has_stock(config), 120, "the direct bridge's first pull", step=0.05)
        start = time.perf_counter()
        _fill(config, "kiosk-direct", total)
        wait_until(lambda: (_hq_events(hq_url) or 0) >= total, 600, "the direct drain", step=0.05)
        elapsed = time.perf_counter() - start
        _stop([proc])
    finally:
        _stop([hq])
    return total / elapsed


def store_run(work: Path, kiosks: int, events: int, sales: int, pull_s: float) -> tuple[float, list[float]]:
    """Through a store bridge: events/s for kiosks x events, and the staleness of each sale on each kiosk."""
    hq, hq_url = start_hq(work)
    serve_port, intake_port = free_port(), free_port()
    store_url = f"http://127.0.0.1:{serve_port}"
    store = start_bridge(store_config(work, hq_url, serve_port, intake_port, kiosks=kiosks), work / "store.log")
    configs = [kiosk_config(work, i, store_url, bridge={"pull_interval_s": pull_s},
                            hq={"timeout_s": 10.0}) for i in range(1, kiosks + 1)]
    procs = [store]
    try:
        wait_until(lambda: answers(store_url), 60, "the store bridge")
        procs += [start_bridge(cfg, work / f"kiosk-{i}.log") for i, cfg in enumerate(configs, 1)]
        for cfg in configs:
            wait_until(lambda: _has_stock(cfg), 300, "every kiosk's first pull", step=0.05)
        start = time.perf_counter()
        for i, cfg in enumerate(configs, 1):
            _fill(cfg, f"kiosk-{i}", events)
        total = kiosks * events
        wait_until(lambda: (_hq_events(hq_url) or 0) >= total, 900, "HQ to hold every event", step=0.05)
        rate = total / (time.perf_counter() - start)
        staleness = _staleness(configs, f"http://127.0.0.1:{intake_port}", sales)
    finally:
        _stop(procs + [hq])
    return rate, staleness


def _staleness(configs: list[Path], intake_url: str, sales: int) -> list[float]:
    kiosks = [Bridge.open(load_settings(c)) for c in configs]
    try:
        sku, on_hand = wait_until(lambda: kiosks[-1].db.read().execute(
            "SELECT sku, on_hand FROM stock WHERE location = ? ORDER BY on_hand DESC LIMIT 1",
            (f"store:{STORE}",)).fetchone(), 60, "stock on the kiosks")
        sales = min(sales, on_hand)
        for k in kiosks:
            wait_until(lambda: _level(k, sku) == on_hand, 60, "every kiosk in step")
        out = []
        for n in range(sales):
            price = {"amount": "10.00", "currency": "EUR"}
            receipt = {"receipt_id": f"B-{n}", "register_id": "pos-1",
                       "occurred_at": "2026-11-23T10:00:00+01:00",
                       "lines": [{"sku": sku, "quantity": 1, "unit_price": price, "total": price}],
                       "subtotal": price, "tax": {"amount": "0.00", "currency": "EUR"}, "total": price,
                       "tenders": [{"method": "cash", "amount": price}]}
            sold = time.perf_counter()
            requests.post(intake_url + "/v1/intake/receipts", json={"receipts": [receipt]},
                          headers={"Authorization": f"Bearer {INTAKE_TOKEN}"}, timeout=10).raise_for_status()
            want = on_hand - n - 1
            waiting = set(range(len(kiosks)))
            while waiting:
                for i in list(waiting):
                    if _level(kiosks[i], sku) == want:
                        out.append(time.perf_counter() - sold)
                        waiting.discard(i)
                time.sleep(0.005)
        return out
    finally:
        for k in kiosks:
            k.close()


def _level(bridge: Bridge, sku: str) -> int | None:
    row = bridge.db.read().execute("SELECT on_hand FROM stock WHERE sku = ? AND location = ?",
                                   (sku, f"store:{STORE}")).fetchone()
    return row[0] if row else None


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kiosks", type=int, default=8)
    ap.add_argument("--events", type=int, default=2000, help="events per kiosk")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--sales", type=int, default=20)
    ap.add_argument("--pull-s", type=float, default=1.0, help="the kiosks' pull_interval_s")
    args = ap.parse_args()
    load_before = os.getloadavg()
    through, direct, stale = [], [], []
    for run in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            rate, staleness = store_run(Path(tmp), args.kiosks, args.events, args.sales, args.pull_s)
        with tempfile.TemporaryDirectory() as tmp:
            direct.append(direct_run(Path(tmp), args.kiosks * args.events))
        through.append(rate)
        stale += staleness
        print(f"run {run + 1}: {rate:,.0f} events/s through the store bridge, {direct[-1]:,.0f} direct; "
              f"staleness p50 {_pct(staleness, 50):.2f} s, p95 {_pct(staleness, 95):.2f} s", flush=True)
    load_after = os.getloadavg()
    med_through, med_direct = statistics.median(through), statistics.median(direct)
    print(f"\n{args.kiosks} kiosks x {args.events} events, {args.runs} runs (medians):")
    print(f"  through the store bridge to HQ: {med_through:,.0f} events/s")
    print(f"  one bridge straight to HQ:      {med_direct:,.0f} events/s (reference)")
    print(f"  ratio store/direct:             {med_through / med_direct:.2f}")
    print(f"  stock staleness on kiosks after a till sale (pull every {args.pull_s:g} s, "
          f"{len(stale)} samples): p50 {_pct(stale, 50):.2f} s, p95 {_pct(stale, 95):.2f} s, "
          f"max {max(stale):.2f} s")
    print(f"  load average before {load_before[0]:.2f}, after {load_after[0]:.2f} (1 min); "
          f"{os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
