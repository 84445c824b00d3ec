"""The two-command store demo: two kiosk windows on one store bridge.

    vitrine-demo --store --windowed        # HQ + store bridge + kiosk A; prints the join command
    vitrine-demo --join URL TOKEN --windowed  # kiosk B, on the store bridge of the first command

Kiosk A and kiosk B each have their own bridge (their own outbox) whose [hq] url is the store
bridge, which alone talks to HQ. A till sale posted to the store bridge's intake lowers the
stock both kiosks show within a few seconds (the first command prints a curl line for it).
"""

from __future__ import annotations

import json
import socket
import sys
from datetime import datetime, timezone
from pathlib import Path

from bridge.facade import Bridge
from bridge.store import devices
from demo.stack import CONFIG, STORE_ID, TOKEN, Demo, write_app_qr
from hq.embedded import serve_in_thread
from kiosk.logic.staff_access import hash_pin

DEMO_INTAKE_TOKEN = "demo-intake-token-for-the-till"  # development only: printed by the demo
STORE_CONFIG = """\
# Written by `vitrine-demo --store` (demo/store.py); thrown away when it exits.
[store]
id = "{store}"
[bridge]
database = "store.db"
push_interval_s = 1.0
pull_interval_s = 60.0
[hq]
url = "{hq_url}"
token = "{token}"
[intake]
port = {intake_port}
token = "{intake_token}"
[serve]
enabled = true
port = {serve_port}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def kiosk_config(folder: Path, name: str, url: str, token: str, pin: str) -> Path:
    """A kiosk's config whose bridge talks to the store bridge at url, pulling every 2 s."""
    text = CONFIG.format(store=STORE_ID, url=url, token=token, pin_hash=hash_pin(pin))
    text = text.replace("pull_interval_s = 60.0", "pull_interval_s = 2.0")
    text = text.replace('device_id = "kiosk-demo"', f'device_id = "{name}"')
    text = text.replace('database = "bridge.db"', f'database = "{name}.db"')
    path = folder / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


class StoreDemo(Demo):
    """Demo whose kiosk bridge talks to a store bridge (also stopped by stop())."""

    store: Bridge | None = None

    def stop(self) -> None:
        self.bridge.close()
        if self.store is not None:
            self.store.close()
        if self.hq is not None:
            self.hq.stop()


def start_store_demo(folder: Path, pin: str) -> tuple[StoreDemo, str]:
    """HQ, a store bridge serving on a free port, kiosk A's bridge on it; and the join command."""
    hq = serve_in_thread(folder / "hq.db", port=0, tokens={STORE_ID: TOKEN})
    serve_port, intake_port = free_port(), free_port()
    store_path = folder / "store.toml"
    store_path.write_text(STORE_CONFIG.format(store=STORE_ID, hq_url=hq.url, token=TOKEN,
                                              intake_port=intake_port, serve_port=serve_port,
                                              intake_token=DEMO_INTAKE_TOKEN), encoding="utf-8")
    store = Bridge.open(store_path)
    store.sync()  # the store's one pull from HQ
    store.start()
    url = f"http://127.0.0.1:{serve_port}"
    kiosk = _kiosk(folder, "kiosk-a", url, devices.pair(store.db, "kiosk-a"), pin)
    demo = StoreDemo(hq=hq, bridge=kiosk, config_path=folder / "kiosk-a.toml")
    demo.store = store
    # The printed command may be run long after: the demo's token waits a day, not 15 minutes.
    join = (f"{Path(sys.executable).parent / 'vitrine-demo'} --join {url} "
            f"{devices.pair(store.db, 'kiosk-b', ttl_s=24 * 3600)} --windowed")
    return demo, join


def start_joined_demo(folder: Path, url: str, token: str, pin: str) -> StoreDemo:
    """Kiosk B's bridge, on the store bridge at url."""
    return StoreDemo(hq=None, bridge=_kiosk(folder, "kiosk-b", url, token, pin),
                     config_path=folder / "kiosk-b.toml")


def _kiosk(folder: Path, name: str, url: str, token: str, pin: str) -> Bridge:
    write_app_qr(folder / "scan")
    bridge = Bridge.open(kiosk_config(folder, name, url, token, pin))
    bridge.sync()  # catalog, stock, images and keys from the store bridge
    bridge.start(intake=False)
    return bridge


def till_hint(store: Bridge) -> str:
    """A curl command that sells one piece at the till, through the store bridge's intake."""
    row = store.db.read().execute("SELECT sku FROM stock WHERE location = ? AND on_hand > 0 LIMIT 1",
                                  (f"store:{STORE_ID}",)).fetchone()
    sku = row[0] if row else "RM-1001-M-BLK"
    price = {"amount": "10.00", "currency": "EUR"}
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    receipt = {"receipt_id": "DEMO-1", "register_id": "till-1", "occurred_at": now, "total": price, "subtotal": price,
               "tax": {"amount": "0.00", "currency": "EUR"}, "tenders": [{"method": "cash", "amount": price}],
               "lines": [{"sku": sku, "quantity": 1, "unit_price": price, "total": price}]}
    port = store.intake.port if store.intake else 0
    return (f"Sell one {sku} at the till (both kiosks show the stock drop within seconds; "
            f"change DEMO-1 to sell again):\n"
            f"    curl -s -H 'Authorization: Bearer {DEMO_INTAKE_TOKEN}' -H 'Content-Type: application/json' "
            f"-d '{json.dumps({'receipts': [receipt]})}' http://127.0.0.1:{port}/v1/intake/receipts")
