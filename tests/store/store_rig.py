"""Configs and processes of a store: one HQ, one store bridge, kiosk bridges pointing at it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

# store tests and benches take these from here
from tests.support.toml_config import write_config
from tests.support.waiting import wait_until  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
STORE = "paris-marais"
HQ_TOKEN = "dev-token-paris-marais"
INTAKE_TOKEN = "intake-secret-for-tills"


def small_catalog(folder: Path, products: int = 6) -> Path:
    """A catalog directory of a few products with real JPEGs and stock here, for a fast HQ."""
    from PIL import Image

    (folder / "images").mkdir(parents=True, exist_ok=True)
    items, stock = [], []
    for i in range(products):
        pid = f"rm-{2000 + i}"
        Image.new("RGB", (24, 32), (30 * i, 90, 140)).save(folder / "images" / f"{pid}.jpg", "JPEG")
        items.append({
            "id": pid, "name": {"fr": f"Robe {i}", "en": f"Dress {i}"},
            "description": {"fr": "Lin", "en": "Linen"}, "category": "dresses",
            "price": {"amount": f"{100 + i}.00", "currency": "EUR"}, "images": [f"images/{pid}.jpg"],
            "variants": [{"sku": f"{pid}-S", "ean": None, "size": "S", "color": "black"}],
            "updated_at": "2026-11-01T10:00:00+00:00"})
        stock.append({"sku": f"{pid}-S", "location": f"store:{STORE}", "on_hand": 40 + i})
    (folder / "products.json").write_text(json.dumps(items), encoding="utf-8")
    (folder / "stock.json").write_text(json.dumps(stock), encoding="utf-8")
    return folder


def kiosk_token(i: int) -> str:
    return f"kiosk-{i}-token-0123456789abcdef"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def store_config(tmp: Path, hq_url: str, serve_port: int, intake_port: int, kiosks: int = 3,
                 **overrides: dict) -> Path:
    sections = {
        "store": {"id": STORE},
        "bridge": {"id": f"{STORE}-store-bridge", "database": str(tmp / "store.db"),
                   "synchronous": "NORMAL", "push_interval_s": 0.2, "pull_interval_s": 30.0,
                   "heartbeat_interval_s": 1.0},
        "hq": {"url": hq_url, "token": HQ_TOKEN, "timeout_s": 5.0, "backoff_base_s": 0.2,
               "backoff_max_s": 1.0},
        "intake": {"host": "127.0.0.1", "port": intake_port, "token": INTAKE_TOKEN},
        "serve": {"enabled": True, "host": "127.0.0.1", "port": serve_port, "request_timeout_s": 2.0},
        "serve.tokens": {f"kiosk-{i}": kiosk_token(i) for i in range(1, kiosks + 1)},
    }
    for name, table in overrides.items():
        sections.setdefault(name, {}).update(table)
    return write_config(tmp / "store.toml", sections)


def kiosk_config(tmp: Path, i: int, store_url: str, token: str | None = None, **overrides: dict) -> Path:
    sections = {
        "store": {"id": STORE},
        "bridge": {"id": f"kiosk-{i}-bridge", "database": str(tmp / f"kiosk-{i}.db"),
                   "synchronous": "NORMAL", "push_interval_s": 0.2, "pull_interval_s": 0.5,
                   "heartbeat_interval_s": 1.0},
        "hq": {"url": store_url, "token": token or kiosk_token(i), "timeout_s": 2.0,
               "backoff_base_s": 0.2, "backoff_max_s": 1.0},
        "intake": {"host": "127.0.0.1", "port": 0, "token": ""},
        "kiosk": {"device_id": f"kiosk-{i}"},
    }
    for name, table in overrides.items():
        sections.setdefault(name, {}).update(table)
    return write_config(tmp / f"kiosk-{i}.toml", sections)


def start_bridge(config: Path, log: Path) -> subprocess.Popen:
    """`vitrine-bridge --config config run` in its own process, its output to log."""
    with open(log, "ab") as out:
        return subprocess.Popen([sys.executable, "-m", "bridge.cli", "--config", str(config), "run"],
                                stdout=out, stderr=subprocess.STDOUT, cwd=ROOT,
                                env={**os.environ, "PYTHONPATH": str(ROOT)})


def answers(url: str) -> bool:
    import requests

    try:
        return requests.get(url + "/healthz", timeout=1).status_code == 200
    except requests.RequestException:
        return False


@contextmanager
def serving_store(tmp: Path, config: Path | None = None) -> Iterator:
    """A store bridge in this process serving profile API v1 and its intake on free loopback
    ports (config, else a store config under tmp with no HQ); its `url` and `intake_url`
    attributes are set to the servers' base URLs."""
    from bridge.config import load_settings
    from bridge.facade import Bridge
    from bridge.serve import BridgeServer

    bridge = Bridge.open(load_settings(config or store_config(tmp, "http://127.0.0.1:9", 0, 0)))
    server = BridgeServer(bridge)
    server.start()
    bridge.url = f"http://127.0.0.1:{server.serve_port}"
    bridge.intake_url = f"http://127.0.0.1:{server.port}"
    try:
        yield bridge
    finally:
        server.stop()
        bridge.close()


def viewed(seq: int, device_id: str) -> dict:
    """A product_viewed event of device_id with this seq (its id made from both)."""
    return {"id": f"bind-{device_id}-{seq}", "type": "product_viewed", "occurred_at": "2026-11-23T10:00:00Z",
            "device_id": device_id, "seq": seq, "payload": {"product_id": "p"}}


def post_events(store, token: str, *events: dict) -> requests.Response:
    """POST events to the store bridge's /v1/events with token."""
    return requests.post(store.url + "/v1/events", json={"store_id": STORE, "events": list(events)},
                         headers={"Authorization": f"Bearer {token}"}, timeout=10)
