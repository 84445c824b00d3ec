"""The kiosk's background recorder: events stored in order, off the calling thread."""

from __future__ import annotations

import sqlite3
import threading

from bridge.errors import InvalidEvent, StorageError
from bridge.store import database
from bridge.store.outbox import Outbox
from bridge.store.registry import open_database
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


def test_an_invalid_event_is_logged_and_the_next_ones_still_stored(caplog):
    stored: list[str] = []

    def record(type, **fields):
        if type == "bad":
            raise InvalidEvent("payload.product_id", "required")
        stored.append(type)
        return fields["id"]

    recorder = BackgroundRecorder(record)
    recorder("bad", device_id="k", payload={})
    recorder("item_saved", device_id="k", payload={"product_id": "p"})
    recorder.close()
    assert stored == ["item_saved"]
    assert "payload.product_id: required" in caplog.text


def test_a_busy_database_delays_events_without_losing_or_reordering_them(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(database, "BUSY_TIMEOUT_MS", 100)  # "busy" after 0.1 s, not 10 s
    db = open_database(tmp_path / "kiosk.db")
    outbox = Outbox(db)
    refused = threading.Event()

    def record(type, **fields):
        try:
            return outbox.record(type, **fields)
        except StorageError:
            refused.set()
            raise

    locker = sqlite3.connect(tmp_path / "kiosk.db", isolation_level=None)
    locker.execute("BEGIN IMMEDIATE")  # another connection holds the write lock
    recorder = BackgroundRecorder(record, retry_first_s=0.01, retry_max_s=0.2)
    try:
        ids = [recorder("item_saved", device_id="k", payload={"product_id": str(i)}) for i in range(5)]
        assert refused.wait(30), "the held write lock never made a write fail"
        assert outbox.events() == []
        locker.execute("ROLLBACK")
        recorder.flush()
        assert [e["id"] for e in outbox.events()] == ids
        assert "not stored yet" in caplog.text and "stored after" in caplog.text
    finally:
        recorder.close()
        locker.close()
        db.close()


def test_a_full_queue_drops_the_new_event_loudly_and_never_blocks(caplog):
    entered, gate = threading.Event(), threading.Event()
    stored: list[str] = []

    def record(type, **fields):
        entered.set()
        gate.wait()  # storage stuck
        stored.append(fields["id"])
        return fields["id"]

    recorder = BackgroundRecorder(record, max_queued=3)
    ids = [recorder("item_saved", device_id="k", payload={"product_id": "0"})]
    assert entered.wait(30)
    ids += [recorder("item_saved", device_id="k", payload={"product_id": str(i)}) for i in range(1, 6)]
    # one held by the worker, three queued: the last two are dropped, and every call returned
    assert "kiosk event queue full" in caplog.text and ids[4] in caplog.text
    gate.set()
    recorder.flush()
    assert stored == ids[:4]
    recorder("item_saved", device_id="k", payload={"product_id": "again"})
    assert "accepts events again, after 2 dropped" in caplog.text
    recorder.close()


def test_close_gives_up_on_failing_storage_after_its_grace(caplog):
    def record(type, **fields):
        raise StorageError("kiosk.db: disk is full")

    recorder = BackgroundRecorder(record, retry_first_s=0.01, retry_max_s=0.05)
    event_id = recorder("item_saved", device_id="k", payload={"product_id": "p"})
    recorder.close(grace_s=0.2)
    assert f"{event_id} lost at shutdown" in caplog.text
