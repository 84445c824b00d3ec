"""Instructions per record() and per raw sqlite3 insert under callgrind: the CPU side of bench_record.

    python tests/bench/bench_record_instructions.py [-n 4000] [--tree DIR]

bench_record times record() against raw single-row commits, and on this machine's disk
its ratio moves more between runs than most changes to record() do. This counts the
CPU work instead, which load does not change: callgrind runs the same setup twice per
side (the databases open and warm, n ids and raw bodies prebuilt), stopping before the
calls once and making them once; the difference over n is one call. Both sides run
with synchronous=OFF: callgrind counts user-space instructions, not the time an fsync
waits. The raw side is bench_record's timed part (an INSERT of a prebuilt body into a
table with the outbox's keys); the record() side is everything record() does. --tree
runs another checkout of the project with this interpreter, for a before/after.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from callgrind import count_instructions  # noqa: E402

HERE = Path(__file__).resolve()
CHILD = """
import sys, tempfile
from pathlib import Path
root = Path(sys.argv[1]); sys.path[:0] = [str(root), str(root / "tests" / "bench")]
from bench_record import PAYLOAD, open_raw, run_raw, run_record
from bridge.events import new_event_id
from bridge.store.outbox import Outbox
from bridge.store.registry import open_database
side, n, run = sys.argv[2], int(sys.argv[3]), sys.argv[4] == "run"
tmp = Path(tempfile.mkdtemp(dir=sys.argv[5]))
db = open_database(tmp / "outbox.db", synchronous="OFF")
outbox, raw = Outbox(db), open_raw(tmp / "raw.db", "OFF")
run_raw(raw, 300), run_record(outbox, 300)  # warm both
rows = [(new_event_id(), '{"id":"x","payload":' + repr(PAYLOAD) + '}') for _ in range(n)]
if run and side == "raw":
    for row in rows:
        raw.execute("INSERT INTO events(id, body) VALUES (?, ?)", row)
elif run:
    for _ in range(n):
        outbox.record("product_viewed", device_id="kiosk-1", payload=PAYLOAD)
"""


def instructions(tree: Path, side: str, n: int, mode: str, tmp: str) -> int:
    """Instructions callgrind counted for the child (mode: setup or run)."""
    return count_instructions(CHILD, str(tree), side, str(n), mode, tmp)


def per_call(tree: Path, side: str, n: int, tmp: str) -> float:
    return (instructions(tree, side, n, "run", tmp) - instructions(tree, side, n, "setup", tmp)) / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=4000)
    parser.add_argument("--tree", type=Path, default=HERE.parents[2])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        record = per_call(args.tree, "record", args.n, tmp)
        raw = per_call(args.tree, "raw", args.n, tmp)
    print(f"{args.tree}: record() {record / 1e3:,.1f} k instructions per call, raw insert "
          f"{raw / 1e3:,.1f} k: {record / raw:.2f}x ({args.n} calls each, synchronous=OFF)")


if __name__ == "__main__":
    main()
