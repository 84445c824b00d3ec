"""The sender's fast path: settle (ack + claim in one commit), lean acked rows, WAL
checkpoints off the recording path, pipelined pushes that stay exactly-once."""

from __future__ import annotations

import time

import pytest

from bridge.store.registry import open_database
from bridge.store.outbox import Outbox

VIEW = {"product_id": "rm-1001"}


@pytest.fixture
def outbox(db):
    return Outbox(db)


def _views(outbox: Outbox, n: int, device: str = "kiosk-1") -> list[str]:
    return [outbox.record("product_viewed", device_id=device, payload=dict(VIEW)).id
            for _ in range(n)]


def test_settle_acks_one_batch_and_claims_the_next_in_order(outbox, db):
    ids = _views(outbox, 7)
    first = outbox.claim(limit=3)
    second = outbox.settle(first, limit=3)
    assert [c.id for c in first] == ids[:3] and [c.id for c in second] == ids[3:6]
    stats = outbox.stats()
    assert (stats.acked, stats.in_flight, stats.pending) == (3, 3, 1)
    assert outbox.settle(second) == []  # no limit: acknowledge only
    assert outbox.stats().acked == 6


def test_settle_never_acks_an_event_that_was_not_in_flight(outbox):
    ids = _views(outbox, 2)
    batch = outbox.claim(limit=2)
    outbox.kill([(ids[0], "rejected")])
    outbox.settle(batch)
    assert [d.id for d in outbox.dead_letters()] == [ids[0]]
    assert outbox.stats().acked == 1


def test_acked_events_keep_id_and_seq_for_duplicate_detection(outbox, db):
    rec = outbox.record("product_viewed", device_id="kiosk-9", payload=dict(VIEW), id="evt-1")
    outbox.settle(outbox.claim())
    assert db.read().execute("SELECT id, seq FROM acked").fetchall() == [("evt-1", rec.seq)]
    again = outbox.record("product_viewed", device_id="kiosk-9", payload=dict(VIEW), id="evt-1")
    assert (again.created, again.seq) == (False, rec.seq)


def test_events_lists_bodies_still_held_with_a_type_filter(outbox):
    ids = _views(outbox, 3)
    outbox.record("search_performed", device_id="kiosk-1", payload={"query": "robe", "results_count": 2})
    outbox.settle(outbox.claim(limit=1))
    held = outbox.events()
    assert [e["id"] for e in held[:2]] == ids[1:] and held[-1]["type"] == "search_performed"
    assert [e["seq"] for e in outbox.events("product_viewed")] == [2, 3]


def test_the_writer_never_checkpoints_inside_a_commit(db):
    assert db._writer.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0


def test_background_checkpoints_copy_the_wal_into_the_database(tmp_path):
    path = tmp_path / "wal.db"
    db = open_database(path)
    try:
        size_before = path.stat().st_size
        outbox = Outbox(db)
        for _ in range(3):  # each 2500-row commit nudges the checkpointer thread
            outbox.record_many([{"type": "product_viewed", "device_id": "kiosk-1",
                                 "payload": {"product_id": "x" * 200}} for _ in range(2500)])
        # Nothing in this thread checkpoints: only the background one can grow the main file.
        deadline = time.monotonic() + 20
        while path.stat().st_size < size_before + 1_000_000 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert path.stat().st_size >= size_before + 1_000_000
        assert len(outbox.events()) == 7500
    finally:
        db.close()


def test_a_failed_batch_releases_it_and_keeps_the_verdicts_of_the_next(bridge, hq, record_searches):
    record_searches(bridge, 1500)
    hq.faults.add(status=503, retry_after=30)  # the first batch only; the second is already sent
    report = bridge.sync(pull=False)
    assert report.error and "503" in report.error
    stats = bridge.outbox.stats()
    assert stats.in_flight == 0 and stats.pending + stats.acked == 1500
    assert hq.event_count() == stats.acked  # what HQ stored is exactly what the bridge forgot
    events = {e["id"] for e in hq.events()}
    held = {e["id"] for e in bridge.outbox.events()}
    assert not events & held and len(events | held) == 1500
