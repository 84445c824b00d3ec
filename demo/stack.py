"""A throwaway demo: the reference HQ on a free loopback port, a bridge pulling from it,
and a config for the kiosk, all in one temp dir.

    with start_demo(Path(tmp)) as demo:
        demo.bridge            # started, catalog pulled from demo.hq
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from pathlib import Path

import qrcode

from bridge.facade import Bridge
from bridge.errors import VitrineError
from hq.embedded import serve_in_thread
from hq.tokens import mint_app_token
from kiosk.logic.staff_access import hash_pin

log = logging.getLogger("demo")
STORE_ID = "paris-marais"
TOKEN = "dev-token-paris-marais"
DEMO_PROFILE = "p-camille"
APP_QR_TTL_S = 600  # the hint says "valid 10 minutes"
DEMO_STAFF_PIN = "2468"  # development only: printed at start, hashed into the throwaway config

CONFIG = """\
# Written by `vitrine-demo` (demo/stack.py); thrown away when it exits.
[store]
id = "{store}"
name = "Maison Vitrine"

[bridge]
database = "bridge.db"
push_interval_s = 2.0
pull_interval_s = 60.0

[hq]
url = "{url}"
token = "{token}"
timeout_s = 3.0

[intake]
port = 0

[kiosk]
device_id = "kiosk-demo"
language = "fr"
fullscreen = false
# The demo's "camera" is a folder of images: drop QR or barcode pictures into it.
camera = "scan"
staff_pin_hash = "{pin_hash}"
# "Where is it?" on the product page: the sample store plan.
store_plan = "%s"
""" % (Path(__file__).resolve().parents[1] / "assets" / "store_plan.png").as_posix()


@dataclass
class Demo:
    """The running pieces of a demo; stop() tears them down."""

    hq: object
    bridge: Bridge
    config_path: Path

    def stop(self) -> None:
        self.bridge.close()
        self.hq.stop()

    def __enter__(self) -> "Demo":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_demo(folder: Path) -> Demo:
    """Start HQ and an embedded bridge in folder; the bridge has pulled once when this returns."""
    hq = serve_in_thread(folder / "hq.db", port=0, tokens={STORE_ID: TOKEN})
    config_path = folder / "config.toml"
    pin_hash = hash_pin(DEMO_STAFF_PIN)
    config_path.write_text(CONFIG.format(store=STORE_ID, url=hq.url, token=TOKEN, pin_hash=pin_hash),
                           encoding="utf-8")
    write_app_qr(folder / "scan")
    bridge = Bridge.open(config_path)
    try:
        report = bridge.sync()  # catalog, stock, images and keys, so the kiosk shows HQ's data
        log.info("demo: first sync: %s", report)
        bridge.start()
    except VitrineError:
        bridge.close()
        hq.stop()
        raise
    return Demo(hq=hq, bridge=bridge, config_path=config_path)


def write_app_qr(scan_dir: Path) -> Path:
    """Put a fresh app QR code for the demo shopper where the demo's folder camera looks."""
    scan_dir.mkdir(parents=True, exist_ok=True)
    path = scan_dir / f"{DEMO_PROFILE}.png"
    qrcode.make(mint_app_token(DEMO_PROFILE, ttl_s=APP_QR_TTL_S)).save(path)
    return path


def token_hint(folder: Path) -> str:
    """How a demo user identifies at the kiosk and opens staff mode."""
    scan_dir = folder / "scan"
    # The console script beside this interpreter: right whether or not the venv is activated.
    vitrine_hq = Path(sys.executable).parent / "vitrine-hq"
    return (f"Scan your app: the demo camera reads the images in {scan_dir}; it holds an app QR\n"
            f"code for Camille, valid 10 minutes and usable once. For a fresh one:\n"
            f"    {vitrine_hq} mint-token --profile {DEMO_PROFILE} --ttl {APP_QR_TTL_S} "
            f"--png {scan_dir}/{DEMO_PROFILE}.png\n"
            f"Staff mode: press the brand mark for 3 seconds, then the demo PIN {DEMO_STAFF_PIN}.")
