"""The kiosk's background recorder: events stored in order, off the calling thread."""

from __future__ import annotations

import threading

from bridge.errors import StorageError
from kiosk.logic.background_recorder import BackgroundRecorder


def test_events_are_stored_in_order_by_another_thread():
    stored: list[tuple[str, str, str]] = []

    def record(type, **fields):
        stored.append((type, fields["id"], threading.current_thread().name))
        return fields["id"]

    recorder = BackgroundRecorder(record)
    ids = [recorder("item_saved", device_id="k", payload={"product_id": str(i)}) for i in range(20)]
    recorder.flush()
    assert [s[1] for s in stored] == ids
    assert {s[2] for s in stored} == {"kiosk-recorder"}
    recorder.close()


def test_the_call_returns_before_the_write_and_fixes_the_time_it_happened():
    gate = threading.Event()
    seen: list[dict] = []

    def slow_record(type, **fields):
        gate.wait()  # a disk that takes its time
        seen.append(fields)
        return fields["id"]

    recorder = BackgroundRecorder(slow_record)
    event_id = recorder("session_started", device_id="k", payload={"session_id": "s"})
    assert seen == []  # the caller did not wait for the write
    gate.set()
    recorder.flush()
    assert seen[0]["id"] == event_id and seen[0]["occurred_at"]
    recorder.close()


def test_a_refused_event_is_logged_and_the_next_ones_still_stored(caplog):
    stored: list[str] = []

    def record(type, **fields):
        if type == "bad":
            raise StorageError("bridge.db: disk is full")
        stored.append(type)
        return fields["id"]

    recorder = BackgroundRecorder(record)
    recorder("bad", device_id="k", payload={})
    recorder("item_saved", device_id="k", payload={"product_id": "p"})
    recorder.close()
    assert stored == ["item_saved"]
    assert "disk is full" in caplog.text
