"""A throwaway demo: the reference HQ on a free loopback port, a bridge pulling from it,
and a config for the kiosk, all in one temp dir. A development tool, so it may import hq.

    with start_demo(Path(tmp)) as demo:
        demo.bridge            # started, catalog pulled from demo.hq
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from bridge.api import Bridge
from bridge.errors import VitrineError

log = logging.getLogger("kiosk.demo")
STORE_ID = "paris-marais"
TOKEN = "dev-token-paris-marais"
DEMO_PROFILE = "p-camille"

CONFIG = """\
# Written by `vitrine-kiosk --demo`; thrown away when it exits.
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
"""


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
    from hq.server import serve_in_thread

    hq = serve_in_thread(folder / "hq.db", port=0, tokens={STORE_ID: TOKEN})
    config_path = folder / "config.toml"
    config_path.write_text(CONFIG.format(store=STORE_ID, url=hq.url, token=TOKEN), encoding="utf-8")
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


def token_hint() -> str:
    """How a demo user gets an app QR code to identify at the kiosk."""
    return (f"To identify as Camille, mint an app QR code and show it to the camera:\n"
            f"    vitrine-hq mint-token --profile {DEMO_PROFILE} --png camille.png")
