"""Read a large POSLog file in a child process, so parsing and recording use two cores.

    for item in read_poslog_in_worker(path, store_id="paris-marais", currency="EUR"):
        ...  # the same items, in the same order, as read_poslog(open(path, "rb"), path.name, ...)

The child (this module run with -m) runs `read_poslog` and writes its items back in
pickled batches on its stdout; a pipe holds little, so the child waits while the recorder
is behind and memory stays flat. The reader's safety (DTDs refused, no entity expanded)
is the child's, unchanged. A plain subprocess rather than multiprocessing: spawn would
re-run the parent's __main__ script, which need not be guarded.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from datetime import timezone, tzinfo
from pathlib import Path

from bridge.errors import InvalidEvent
from bridge.intake.receipts.model import Parsed, Problem, SourceDoc
from bridge.intake.receipts.normalise import receipt_event
from bridge.intake.receipts.poslog import read_poslog

BATCH = 250  # items per message: large enough that pickling overhead is small
# Files of this size or more are read in a child process (starting one costs ~0.1-0.2 s).
# None: off. Measured at load 10 on 2 cores it gained no wall time and cost ~15% more CPU
# per receipt (pickling); turn it on once a quiet two-core measurement shows a gain.
MIN_BYTES: int | None = None
_ROOT = str(Path(__file__).resolve().parents[3])  # where `bridge` is importable from


def _produce(args_in: object, out: object) -> None:
    """The child: read (path, store_id, currency, zone), write batches of items, then None."""
    path, store_id, currency, zone = pickle.load(args_in)  # type: ignore[arg-type]
    try:
        batch: list[Parsed] = []
        with open(path, "rb") as f:
            for item in read_poslog(f, Path(path).name, store_id=store_id, currency=currency, zone=zone):
                batch.append(_normalised(item, store_id, currency, zone))
                if len(batch) >= BATCH:
                    pickle.dump(batch, out, protocol=pickle.HIGHEST_PROTOCOL)  # type: ignore[arg-type]
                    batch = []
        message: object = batch or None
    except Exception as exc:  # reported as the file's problem, not lost
        message = f"{type(exc).__name__}: {exc}"
    if isinstance(message, list):
        pickle.dump(message, out, protocol=pickle.HIGHEST_PROTOCOL)  # type: ignore[arg-type]
        message = None
    pickle.dump(message, out, protocol=pickle.HIGHEST_PROTOCOL)  # type: ignore[arg-type]
    out.flush()  # type: ignore[attr-defined]


def _normalised(item: Parsed, store_id: str, currency: str, zone: tzinfo) -> Parsed:
    """A sale with its receipt event made here, off the recorder's core; a refused one is
    left for the recorder, which refuses it the same way and names the field."""
    if not isinstance(item, SourceDoc) or not item.clean:
        return item
    try:
        return replace(item, event=receipt_event(item.doc, store_id=store_id, currency=currency, zone=zone))
    except (InvalidEvent, RecursionError):
        return item


def read_poslog_in_worker(path: Path, *, store_id: str, currency: str,
                          zone: tzinfo = timezone.utc) -> Iterator[Parsed]:
    """read_poslog's items for the file at path, parsed in a child process; sales come with
    their receipt event made for store_id, currency and zone (the recorder's)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [_ROOT, os.environ.get("PYTHONPATH")]))}
    child = subprocess.Popen([sys.executable, "-m", "bridge.intake.receipts.poslog_worker"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
    assert child.stdin is not None and child.stdout is not None
    try:
        pickle.dump((str(path), store_id, currency, zone), child.stdin)
        child.stdin.close()
        while True:
            try:
                message = pickle.load(child.stdout)  # our own child's output: trusted
            except (EOFError, pickle.UnpicklingError):
                yield Problem(path.name, "", "the POSLog reader process ended unexpectedly; "
                              "receipts after this point were not read")
                return
            if message is None:
                return
            if isinstance(message, str):
                yield Problem(path.name, "", f"could not read the file: {message}")
                return
            yield from message
    finally:
        child.stdout.close()  # a child still writing gets a broken pipe and ends
        try:
            child.wait(timeout=5)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


if __name__ == "__main__":
    try:
        _produce(sys.stdin.buffer, sys.stdout.buffer)
    except BrokenPipeError:  # the reader stopped early
        os._exit(0)
