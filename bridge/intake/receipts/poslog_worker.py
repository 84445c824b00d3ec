"""Read a large POSLog file in a child process, so parsing and recording use two cores.

    for item in read_poslog_in_worker(path, store_id="paris-marais", currency="EUR"):
        ...  # the same items, in the same order, as read_poslog(open(path, "rb"), path.name, ...)

The child runs `read_poslog` and sends its items back in batches through a pipe; a pipe
holds little, so the child waits while the recorder is behind and memory stays flat.
The reader's safety (DTDs refused, no entity expanded) is the child's, unchanged.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from datetime import timezone, tzinfo
from multiprocessing.connection import Connection
from pathlib import Path

from bridge.intake.receipts.model import Parsed, Problem
from bridge.intake.receipts.poslog import read_poslog

BATCH = 250  # items per message: large enough that pickling overhead is small
# Below this size a file is read in this process: starting a child costs ~0.1-0.2 s.
MIN_BYTES = 4_000_000


def _produce(conn: Connection, path: str, store_id: str, currency: str, zone: tzinfo) -> None:
    """The child: send batches of parsed items, then None; an unexpected failure as a str."""
    try:
        batch: list[Parsed] = []
        with open(path, "rb") as f:
            for item in read_poslog(f, Path(path).name, store_id=store_id, currency=currency, zone=zone):
                batch.append(item)
                if len(batch) >= BATCH:
                    conn.send(batch)
                    batch = []
        if batch:
            conn.send(batch)
        conn.send(None)
    except (BrokenPipeError, EOFError):
        pass  # the reader stopped early: nothing left to do
    except Exception as exc:  # reported as the file's problem, not lost
        conn.send(f"{type(exc).__name__}: {exc}")
    finally:
        conn.close()


def read_poslog_in_worker(path: Path, *, store_id: str, currency: str,
                          zone: tzinfo = timezone.utc) -> Iterator[Parsed]:
    """read_poslog's items for the file at path, parsed in a child process."""
    ctx = multiprocessing.get_context("spawn")  # fork is unsafe with the bridge's threads
    receiver, sender = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_produce, args=(sender, str(path), store_id, currency, zone),
                        name="poslog-reader", daemon=True)
    child.start()
    sender.close()  # only the child writes: EOF reaches us if it dies
    try:
        while True:
            try:
                message = receiver.recv()
            except EOFError:
                yield Problem(f"{path.name}", "", "the POSLog reader process ended unexpectedly; "
                              "receipts after this point were not read")
                return
            if message is None:
                return
            if isinstance(message, str):
                yield Problem(f"{path.name}", "", f"could not read the file: {message}")
                return
            yield from message
    finally:
        receiver.close()
        child.join(timeout=5)
        if child.is_alive():  # the reader stopped early; the child may be blocked on a send
            child.kill()
            child.join()
