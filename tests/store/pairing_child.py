"""A kiosk's pairing in a process of its own that stops between the swap and the config write.

    python -m tests.store.pairing_child CONFIG QR_TEXT

The real kiosk.logic.pairing runs (record, swap, key check); only write_config is held: the
child prints "swapped <token>" and waits there until the test kills it, as a kiosk that
lost power at that moment.
"""

from __future__ import annotations

import sys
import threading

from kiosk.logic import pairing


def held(config: object, code: pairing.PairCode) -> None:
    """write_config's stand-in: say what the swap gave, then wait to be killed."""
    print(f"swapped {code.token}", flush=True)
    threading.Event().wait()


def main(config: str, qr_text: str) -> int:
    pairing.write_config = held  # the one change: the process dies before the config is written
    pairing.pair(config, pairing.read_code(qr_text))
    return 1  # not reached


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
