"""Kiosk events recorded off the UI thread: one writer thread, in the order they happened.

    recorder = BackgroundRecorder(bridge.record)
    event_id = recorder("item_saved", device_id="kiosk-1", payload={...})  # returns at once
    recorder.flush()   # wait until everything queued is stored (tests, shutdown)
    recorder.close()

Recording is durable (an fsync) and so takes a fraction of a millisecond to several under
load: the UI thread must never wait for it. The id and occurred_at are fixed when the
call is made, so the event says when it happened, not when it was written.
"""

from __future__ import annotations

import logging
import queue
import threading
from typing import Any, Callable

from bridge.errors import VitrineError
from bridge.events import new_event_id, now_rfc3339

log = logging.getLogger("kiosk.recorder")


class BackgroundRecorder:
    """A callable with bridge.record's signature that stores events from a worker thread."""

    def __init__(self, record: Callable[..., str]) -> None:
        self._record = record
        self._queue: queue.Queue[tuple[str, dict[str, Any]] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="kiosk-recorder", daemon=True)
        self._thread.start()

    def __call__(self, type: str, **fields: Any) -> str:
        """Queue one event and return its id at once."""
        fields.setdefault("id", new_event_id())
        fields.setdefault("occurred_at", now_rfc3339())
        self._queue.put((type, fields))
        return fields["id"]

    def flush(self) -> None:
        """Block until every queued event has been stored (or refused and logged)."""
        self._queue.join()

    def close(self) -> None:
        """Store what is queued, then stop the worker."""
        self._queue.put(None)
        self._thread.join()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    return
                self._store(*item)
            finally:
                self._queue.task_done()

    def _store(self, type: str, fields: dict[str, Any]) -> None:
        try:
            self._record(type, **fields)
        except VitrineError as exc:
            # A full disk or a bad event: the shopper's screen cannot help, the log must say it.
            log.error("kiosk event %s %s not stored: %s", type, fields["id"], exc)
        except Exception:  # noqa: BLE001 - the writer thread must outlive any one event
            log.exception("kiosk event %s %s not stored", type, fields["id"])
