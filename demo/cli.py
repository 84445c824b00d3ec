"""`vitrine-demo`: run the kiosk against a throwaway HQ and bridge in a temp dir.

    vitrine-demo --windowed [--size 800x1280]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from demo.stack import start_demo, token_hint
from kiosk.cli import quiet_libraries, run_kiosk
from kiosk.logic.allocator import tune_allocator


def run_demo(*, windowed: bool, size: str) -> int:
    """Start the demo stack, print how to use it, run the kiosk until it closes."""
    with tempfile.TemporaryDirectory(prefix="vitrine-demo-") as tmp:
        with start_demo(Path(tmp)) as demo:
            print(f"Demo HQ on {demo.hq.url}; bridge and config in {tmp}", flush=True)
            print(token_hint(Path(tmp)), flush=True)
            run_kiosk(demo.bridge, windowed=windowed, size=size)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vitrine-demo",
        description="Vitrine's kiosk on a throwaway reference HQ and bridge (sample catalog).")
    parser.add_argument("--windowed", action="store_true", help="a window instead of full screen")
    parser.add_argument("--size", default="", metavar="WxH", help="window size when windowed")
    return parser


def main(argv: list[str] | None = None) -> int:
    tune_allocator()  # before any thread exists, as vitrine-kiosk does
    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    quiet_libraries()
    return run_demo(windowed=args.windowed, size=args.size)


if __name__ == "__main__":
    sys.exit(main())
