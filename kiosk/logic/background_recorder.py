"""Kiosk events recorded off the UI thread: one writer thread, in the order they happened.

    recorder = BackgroundRecorder(bridge.record)
    event_id = recorder("item_saved", device_id="kiosk-1", payload={...})  # returns at once
    recorder.flush()   # wait until everything queued is stored (tests, shutdown)
    recorder.close()

Recording is durable (an fsync) and so takes a fraction of a millisecond to several under
load: the UI thread must never wait for it. The id and occurred_at are fixed when the
call is made, so the event says when it happened, not when it was written.

When storage fails for a while (the database busy beyond its timeout, a disk full for a
moment), the event at the head of the queue is tried again with a doubling wait on the
monotonic clock, and the events behind it wait their turn: none is lost, order is kept. An
event the bridge refuses as invalid is logged and dropped (trying again cannot help).

The queue holds at most MAX_QUEUED events. When it is full, storage has been failing for a
long time (hours of a busy kiosk's events); the shopper in front of the screen must not pay
for it, so the call never blocks: the NEW event is dropped and logged as an error (the first
one and every 1000th), and the older events already queued, which hold the start of the
sessions, are kept. At close(), storage still failing is retried for CLOSE_GRACE_S, then
what remains queued is logged as lost.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from typing import Any, Callable

from bridge.errors import StorageError, VitrineError
from bridge.events import new_event_id, now_rfc3339

log = logging.getLogger("kiosk.recorder")

MAX_QUEUED = 10_000
RETRY_FIRST_S = 0.05
RETRY_MAX_S = 5.0
CLOSE_GRACE_S = 10.0
_DROP_LOG_EVERY = 1000


class BackgroundRecorder:
    """A callable with bridge.record's signature that stores events from a worker thread."""

    def __init__(self, record: Callable[..., str], *, max_queued: int = MAX_QUEUED,
                 retry_first_s: float = RETRY_FIRST_S, retry_max_s: float = RETRY_MAX_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._record = record
        self._queue: queue.Queue[tuple[str, dict[str, Any]] | None] = queue.Queue(maxsize=max_queued)
        self._retry_first_s, self._retry_max_s = retry_first_s, retry_max_s
        self._clock = clock
        self._dropped = 0  # events refused because the queue was full (touched by callers only)
        self._give_up_at: float | None = None  # set by close(): retries end there
        self._wake = threading.Event()  # cuts a retry wait short when close() is called
        self._thread = threading.Thread(target=self._run, name="kiosk-recorder", daemon=True)
        self._thread.start()

    def __call__(self, type: str, **fields: Any) -> str:
        """Queue one event and return its id at once (never blocks: see the module docstring)."""
        fields.setdefault("id", new_event_id())
        fields.setdefault("occurred_at", now_rfc3339())
        try:
            self._queue.put_nowait((type, fields))
        except queue.Full:
            self._dropped += 1
            if self._dropped % _DROP_LOG_EVERY == 1:  # the first, then every 1000th
                log.error("kiosk event queue full (%d events waiting for storage): event %s %s dropped, "
                          "%d dropped so far", self._queue.maxsize, type, fields["id"], self._dropped)
        else:
            if self._dropped:
                log.warning("kiosk event queue accepts events again, after %d dropped", self._dropped)
                self._dropped = 0
        return fields["id"]

    def flush(self) -> None:
        """Block until every queued event has been stored (or refused and logged)."""
        self._queue.join()

    def close(self, grace_s: float = CLOSE_GRACE_S) -> None:
        """Store what is queued (retrying failed storage for at most grace_s), then stop the worker."""
        self._give_up_at = self._clock() + grace_s
        self._wake.set()
        self._queue.put(None)  # room appears: past the grace, each waiting event gets one try
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
        delay, tries = self._retry_first_s, 1
        while True:
            try:
                self._record(type, **fields)
            except StorageError as exc:
                if not self._may_retry(type, fields, exc, tries):
                    return
                self._wait(delay)
                delay, tries = min(delay * 2, self._retry_max_s), tries + 1
                continue
            except VitrineError as exc:
                # A bad event: trying again cannot help, the log must say it.
                log.error("kiosk event %s %s not stored: %s", type, fields["id"], exc)
            except Exception:  # noqa: BLE001 - the writer thread must outlive any one event
                log.exception("kiosk event %s %s not stored", type, fields["id"])
            else:
                if tries > 1:
                    log.warning("kiosk event %s %s stored after %d tries", type, fields["id"], tries)
            return

    def _may_retry(self, type: str, fields: dict[str, Any], exc: StorageError, tries: int) -> bool:
        """Log a storage failure; False (the event is lost) once close()'s grace has passed."""
        if self._give_up_at is not None and self._clock() >= self._give_up_at:
            log.error("kiosk event %s %s lost at shutdown after %d tries: %s", type, fields["id"], tries, exc)
            return False
        if tries == 1:
            log.warning("kiosk event %s %s not stored yet, trying again: %s", type, fields["id"], exc)
        return True

    def _wait(self, delay: float) -> None:
        """Wait delay seconds, or less when close() is called or its grace ends sooner."""
        if self._give_up_at is not None:
            delay = max(0.0, min(delay, self._give_up_at - self._clock()))
        if self._wake.wait(delay):
            self._wake.clear()  # close() woke us once; later waits run their course
