"""`vitrine-demo`: run the kiosk against a throwaway HQ and bridge in a temp dir.

    vitrine-demo --windowed [--size 800x1280]
    vitrine-demo --store --windowed            # two kiosks on one store bridge: see demo/store.py
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


def run_store_demo(*, windowed: bool, size: str, join: list[str] | None) -> int:
    """`--store`: HQ, a store bridge and kiosk A; `--join URL TOKEN`: kiosk B on that store bridge."""
    from demo.stack import DEMO_STAFF_PIN
    from demo.store import start_joined_demo, start_store_demo, till_hint

    with tempfile.TemporaryDirectory(prefix="vitrine-demo-") as tmp:
        if join:
            demo = start_joined_demo(Path(tmp), join[0], join[1], DEMO_STAFF_PIN)
            print(f"Kiosk B on the store bridge {join[0]}; config in {tmp}", flush=True)
        else:
            demo, join_command = start_store_demo(Path(tmp), DEMO_STAFF_PIN)
            print(f"Demo HQ on {demo.hq.url}; store bridge and kiosk A in {tmp}", flush=True)
            print(f"Second kiosk on the same store bridge, in another terminal:\n    {join_command}", flush=True)
            print(till_hint(demo.store), flush=True)
        with demo:
            print(token_hint(Path(tmp)), flush=True)
            run_kiosk(demo.bridge, windowed=windowed, size=size)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vitrine-demo",
        description="Vitrine's kiosk on a throwaway reference HQ and bridge (sample catalog).")
    parser.add_argument("--windowed", action="store_true", help="a window instead of full screen")
    parser.add_argument("--size", default="", metavar="WxH", help="window size when windowed")
    parser.add_argument("--store", action="store_true",
                        help="kiosk A on a store bridge; prints the command for kiosk B")
    parser.add_argument("--join", nargs=2, metavar=("URL", "TOKEN"),
                        help="kiosk B on the store bridge of a running `--store` demo")
    return parser


def main(argv: list[str] | None = None) -> int:
    tune_allocator()  # before any thread exists, as vitrine-kiosk does
    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    quiet_libraries()
    if args.store or args.join:
        return run_store_demo(windowed=args.windowed, size=args.size, join=args.join)
    return run_demo(windowed=args.windowed, size=args.size)


if __name__ == "__main__":
    sys.exit(main())
