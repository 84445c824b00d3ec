"""`vitrine-kiosk --demo`: run the kiosk against a throwaway HQ and bridge in a temp dir."""

from __future__ import annotations

import tempfile
from pathlib import Path

from demo.stack import start_demo, token_hint
from kiosk.cli import run_kiosk


def run_demo(*, windowed: bool, size: str) -> int:
    """Start the demo stack, print how to use it, run the kiosk until it closes."""
    with tempfile.TemporaryDirectory(prefix="vitrine-demo-") as tmp:
        with start_demo(Path(tmp)) as demo:
            print(f"Demo HQ on {demo.hq.url}; bridge and config in {tmp}", flush=True)
            print(token_hint(Path(tmp)), flush=True)
            run_kiosk(demo.bridge, windowed=windowed, size=size)
    return 0
