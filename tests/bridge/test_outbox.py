"""The durable outbox on a real SQLite file: recording, seq, claims, dead letters, concurrency."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from bridge.store.database import Database
from bridge.store.registry import open_database
from bridge.errors import InvalidEvent, StorageError
from bridge.store.outbox import Claimed, EventStatus, Outbox, Recorded
from tests.support.clock import FakeClock

ROOT = Path(__file__).resolve().parents[2]
VIEW = {"product_id": "rm-1001"}


@pytest.fixture
def clock():
    return FakeClock(1_800_000_000.0)


@pytest.fixture
def outbox(db, clock):
    return Outbox(db, clock=clock)


def view(outbox: Outbox, device: str = "kiosk-1", **kw) -> Recorded:
    return outbox.record("product_viewed", device_id=device, payload=dict(VIEW), **kw)


def statuses(db: Database) -> dict[str, int]:
    return dict(db.read().execute("SELECT id, status FROM outbox "
                                  "UNION ALL SELECT id, 2 FROM acked").fetchall())


def test_record_stores_the_final_json_with_seq(outbox, db):
    rec = outbox.record("product_viewed", device_id="kiosk-1", profile_id="p-42",
                        payload={"product_id": "rm-1001", "future_field": [1, "é"]},
                        occurred_at="2026-11-23T14:05:09.120+01:00")
    assert rec.created and rec.seq == 1 and len(rec.id) == 26
    body = db.read().execute("SELECT body FROM outbox WHERE id = ?", (rec.id,)).fetchone()[0]
    assert json.loads(body) == {
        "id": rec.id, "type": "product_viewed", "occurred_at": "2026-11-23T14:05:09.120+01:00",
        "device_id": "kiosk-1", "seq": 1, "profile_id": "p-42", "claim_code": None,
        "payload": {"product_id": "rm-1001", "future_field": [1, "é"]}}
    assert " " not in body and body.isascii()  # compact, and len(body) is its size in bytes


def test_seq_is_per_device_and_a_known_id_changes_nothing(outbox, db):
    assert [view(outbox).seq for _ in range(3)] == [1, 2, 3]
    assert view(outbox, device="pos-1").seq == 1
    first = view(outbox, id="pos-1_R-77")
    again = outbox.record("item_saved", device_id="kiosk-1", payload={"product_id": "x"}, id="pos-1_R-77")
    assert first == Recorded("pos-1_R-77", 4, True)
    assert again == Recorded("pos-1_R-77", 4, False)
    assert view(outbox).seq == 5  # the duplicate consumed no seq
    assert db.utils()["outbox"].count == 6


def test_an_acknowledged_id_is_still_held_until_purged(outbox, clock):
    first = view(outbox, id="R-1")
    outbox.claim()
    outbox.ack(["R-1"])
    assert view(outbox, id="R-1") == Recorded("R-1", first.seq, False)
    assert outbox.stats().pending == 0
    clock.now += 10
    outbox.purge_acked(older_than_s=5)
    assert view(outbox, id="R-1") == Recorded("R-1", 2, True)  # forgotten: recorded anew


def test_an_invalid_event_is_refused_and_affects_nothing(outbox, db):
    view(outbox)
    with pytest.raises(InvalidEvent) as info:
        outbox.record("receipt", device_id="kiosk-1", payload={"receipt_id": "R"})
    assert info.value.field == "payload.register_id"
    assert view(outbox).seq == 2
    assert db.utils()["outbox"].count == 2


def test_seq_is_never_reused_after_a_purge(outbox, clock):
    ids = [view(outbox).id for _ in range(3)]
    outbox.claim()
    outbox.ack(ids)
    clock.now += 3600
    assert outbox.purge_acked(older_than_s=60) == 3
    assert outbox.stats().acked == 0
    assert view(outbox).seq == 4


def test_record_many_reports_invalid_events_in_place(outbox):
    results = outbox.record_many([
        {"type": "item_saved", "device_id": "k", "payload": {"product_id": "a"}, "id": "e1"},
        {"type": "item_saved", "device_id": "k", "payload": {}},
        {"type": "item_saved", "device_id": "k", "payload": {"product_id": "b"}, "id": "e1"},
        {"type": "item_saved", "device_id": "k", "payload": {"product_id": "c"}},
    ])
    assert results[0] == Recorded("e1", 1, True)
    assert isinstance(results[1], InvalidEvent) and results[1].field == "payload.product_id"
    assert results[2] == Recorded("e1", 1, False)  # a duplicate within the same batch
    assert isinstance(results[3], Recorded) and results[3].seq == 2


def test_record_many_rejects_an_unstorable_string_alone_and_keeps_a_lookalike(outbox, db):
    results = outbox.record_many([
        {"type": "item_saved", "device_id": "k", "payload": {"product_id": "a\ud83d"}},
        {"type": "item_saved", "device_id": "k\x00", "payload": {"product_id": "b"}},
        {"type": "item_saved", "device_id": "k", "payload": {"product_id": "c\\u0000", "sku": "é"}},
    ])
    assert isinstance(results[0], InvalidEvent) and results[0].field == "payload.product_id"
    assert isinstance(results[1], InvalidEvent) and results[1].field == "device_id"
    assert isinstance(results[2], Recorded) and results[2].seq == 1  # a backslash, then "u0000": text
    body = json.loads(db.read().execute("SELECT body FROM outbox").fetchone()[0])
    assert body["payload"] == {"product_id": "c\\u0000", "sku": "é"}


@pytest.mark.parametrize("field, fields", [
    ("payload.product_id", {"payload": {"product_id": "a\ud83d"}}),
    ("device_id", {"device_id": "k\x00"}),
    ("profile_id", {"profile_id": "p\udc00"}),
    ("claim_code", {"claim_code": "\x00"}),
])
def test_record_refuses_an_unstorable_string_naming_its_field(outbox, db, field, fields):
    kwargs = {"device_id": "k", "payload": {"product_id": "a"}} | fields
    with pytest.raises(InvalidEvent) as info:
        outbox.record("item_saved", **kwargs)
    assert info.value.field == field
    assert db.read().execute("SELECT count(*) FROM outbox").fetchone()[0] == 0


def test_record_keeps_a_lookalike_of_an_unstorable_escape(outbox, db):
    recorded = outbox.record("item_saved", device_id="k\\ud800",
                             payload={"product_id": "c\\u0000", "sku": "é\U0001F600"})
    assert recorded.seq == 1
    body = json.loads(db.read().execute("SELECT body FROM outbox").fetchone()[0])
    assert body["device_id"] == "k\\ud800"
    assert body["payload"] == {"product_id": "c\\u0000", "sku": "é\U0001F600"}


def test_record_many_finds_ids_held_pending_or_acknowledged(outbox):
    acked, pending = view(outbox, id="R-1"), view(outbox, id="R-2")
    outbox.claim(limit=1)
    outbox.ack(["R-1"])
    results = outbox.record_many([
        {"type": "item_saved", "device_id": "kiosk-1", "payload": {"product_id": "x"}, "id": i}
        for i in ("R-1", "R-3", "R-2")])
    assert results == [Recorded("R-1", acked.seq, False), Recorded("R-3", 3, True),
                       Recorded("R-2", pending.seq, False)]


def test_record_many_counts_each_device_on_from_its_last_seq(outbox):
    # One batch, devices interleaved: each continues from its own newest seq, whether
    # that event is still pending or already acknowledged and gone from the outbox.
    view(outbox, "kiosk-1"), view(outbox, "kiosk-1", id="K1-2")
    outbox.claim(limit=2)
    outbox.ack(["K1-2"])  # seq 2 leaves the outbox; seq 1 stays, in flight
    view(outbox, "kiosk-2")
    devices = ["kiosk-1", "kiosk-2", "kiosk-1", "kiosk-3", "kiosk-2"]
    results = outbox.record_many([{"type": "item_saved", "device_id": d, "payload": {"product_id": "x"}}
                                  for d in devices])
    assert [r.seq for r in results] == [3, 2, 4, 1, 3]
    bodies = {e["id"]: e for e in outbox.events()}
    assert [bodies[r.id]["seq"] for r in results] == [3, 2, 4, 1, 3]
    assert [bodies[r.id]["device_id"] for r in results] == devices
    again = outbox.record_many([{"type": "item_saved", "device_id": "kiosk-1", "payload": {"product_id": "y"}}])
    assert again[0].seq == 5


def test_claim_takes_the_oldest_pending_within_limit_and_bytes(outbox):
    ids = [view(outbox).id for _ in range(10)]
    batch = outbox.claim(limit=4)
    assert [c.id for c in batch] == ids[:4]
    assert all(isinstance(c, Claimed) for c in batch)
    body_len = len(batch[0].body)
    # three bodies and two separators fit exactly; a fourth would not
    batch2 = outbox.claim(limit=500, max_bytes=3 * body_len + 2)
    assert [c.id for c in batch2] == ids[4:7]
    assert json.loads("[" + ",".join(c.body for c in batch + batch2) + "]")[6]["seq"] == 7
    assert outbox.stats().in_flight == 7 and outbox.stats().pending == 3
    assert [c.id for c in outbox.claim(max_bytes=10)] == [ids[7]]  # too big alone: alone
    assert outbox.claim(limit=0) == []


def test_ack_release_kill_and_stale_claims(outbox, db):
    ids = [view(outbox).id for _ in range(4)]
    outbox.claim()
    assert outbox.ack(ids[:1]) == 1
    assert outbox.release(ids[1:2]) == 1
    assert outbox.kill([(ids[2], "payload.sku: required")]) == 1
    assert outbox.release_stale_claims() == 1  # ids[3] was still in flight
    assert statuses(db) == {ids[0]: EventStatus.ACKED, ids[1]: EventStatus.PENDING,
                            ids[2]: EventStatus.DEAD, ids[3]: EventStatus.PENDING}
    assert outbox.ack(ids[2:3]) == 0  # a dead event stays dead
    assert [c.id for c in outbox.claim()] == [ids[1], ids[3]]


def test_dead_letters_list_retry_and_drop(outbox, clock):
    ids = [view(outbox).id for _ in range(3)]
    outbox.claim()
    clock.now = 1_800_000_000.5
    outbox.kill([(ids[0], "rejected: bad sku"), (ids[1], "too large alone")])
    dead = outbox.dead_letters()
    assert [(d.id, d.seq, d.type, d.device_id, d.reason) for d in dead] == [
        (ids[0], 1, "product_viewed", "kiosk-1", "rejected: bad sku"),
        (ids[1], 2, "product_viewed", "kiosk-1", "too large alone")]
    assert dead[0].dead_at == "2027-01-15T08:00:00.500+00:00"
    assert json.loads(dead[0].body)["id"] == ids[0]
    assert outbox.retry_dead([ids[0], ids[2]]) == 1  # ids[2] is not dead
    assert outbox.drop_dead([ids[1]]) == 1
    assert outbox.dead_letters() == []
    stats = outbox.stats()
    assert (stats.pending, stats.in_flight, stats.dead) == (1, 1, 0)
    assert [c.id for c in outbox.claim()] == [ids[0]]


def test_stats_age_of_the_oldest_pending(outbox, clock):
    assert outbox.stats().oldest_pending_at is None and outbox.stats().oldest_pending_age_s is None
    first = view(outbox)
    clock.now += 10
    view(outbox)
    clock.now += 5
    stats = outbox.stats()
    assert (stats.pending, stats.oldest_pending_age_s) == (2, 15.0)
    assert stats.oldest_pending_at == "2027-01-15T08:00:00.000+00:00"
    outbox.claim(limit=1)
    outbox.ack([first.id])
    assert outbox.stats().oldest_pending_age_s == 5.0


def test_purge_only_removes_old_acknowledged_events(outbox, clock):
    ids = [view(outbox).id for _ in range(3)]
    outbox.claim()
    outbox.ack(ids[:1])
    clock.now += 100
    outbox.ack(ids[1:2])
    assert outbox.purge_acked(older_than_s=50) == 1
    stats = outbox.stats()
    assert (stats.acked, stats.in_flight) == (1, 1)


def test_disk_full_raises_storage_error_and_nothing_is_lost(outbox, db):
    kept = [view(outbox).id for _ in range(3)]
    with db.write() as conn:
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages + 1}")
    big = {"product_id": "rm-1001", "blob": "x" * 3000}
    seqs = []
    with pytest.raises(StorageError, match="disk is full"):
        for _ in range(100):
            seqs.append(outbox.record("product_viewed", device_id="kiosk-1", payload=big).seq)
    assert outbox.stats().pending == 3 + len(seqs)
    with db.write() as conn:  # space comes back
        conn.execute("PRAGMA max_page_count = 1073741823")
    assert view(outbox).seq == 4 + len(seqs)  # the failed record consumed no seq
    assert set(kept) <= set(statuses(db))


_RECORD_AND_WAIT = """
import sys
from bridge.store.registry import open_database
from bridge.store.outbox import Outbox
db = open_database(sys.argv[1])
rec = Outbox(db).record("item_saved", device_id="kiosk-1", payload={"product_id": "p"})
print(rec.id, flush=True)
sys.stdin.read()
"""


def test_an_event_survives_a_kill_right_after_record_returns(tmp_path):
    path = tmp_path / "vitrine.db"
    child = subprocess.Popen([sys.executable, "-c", _RECORD_AND_WAIT, str(path)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        event_id = child.stdout.readline().strip()
    finally:
        child.kill()
        child.communicate()  # also closes the pipes
    with open_database(path) as db:
        assert db.quarantined is None
        assert statuses(db) == {event_id: EventStatus.PENDING}


def test_threads_record_concurrently_without_seq_gaps(outbox, db):
    def work():
        for _ in range(50):
            view(outbox)
    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seqs = [json.loads(b)["seq"] for (b,) in db.read().execute("SELECT body FROM outbox ORDER BY pos")]
    assert seqs == list(range(1, 301))


_RECORD_MANY = """
import sys
from bridge.store.registry import open_database
from bridge.store.outbox import Outbox
db = open_database(sys.argv[1], synchronous="NORMAL")
outbox = Outbox(db)
print("ready", flush=True)
sys.stdin.readline()  # start together
for i in range(int(sys.argv[2])):
    outbox.record("item_saved", device_id="pos-1", payload={"product_id": sys.argv[3]})
print("done", flush=True)
"""


def test_two_processes_share_one_gap_free_sequence(tmp_path):
    path = tmp_path / "vitrine.db"
    open_database(path).close()  # migrate once, so both children race on records only
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    n = 300
    children = [subprocess.Popen([sys.executable, "-c", _RECORD_MANY, str(path), str(n), name],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
                for name in ("a", "b")]
    try:
        for child in children:
            assert child.stdout.readline().strip() == "ready"
        for child in children:
            child.stdin.write("go\n")
            child.stdin.flush()
        for child in children:
            assert child.stdout.readline().strip() == "done"
    finally:
        for child in children:
            child.kill()
            child.communicate()  # also closes the pipes
    with open_database(path) as db:
        events = [json.loads(b) for (b,) in db.read().execute("SELECT body FROM outbox")]
    assert sorted(e["seq"] for e in events) == list(range(1, 2 * n + 1))
    assert sum(e["payload"]["product_id"] == "a" for e in events) == n


def test_seq_is_never_reused_after_the_newest_events_leave_the_outbox(outbox, db):
    ids = [view(outbox).id for _ in range(3)]
    view(outbox, device="pos-1")
    outbox.claim()
    outbox.kill([(ids[2], "rejected")])
    outbox.ack(ids[:2])
    assert outbox.drop_dead([ids[2]]) == 1  # kiosk-1 has no event left in the outbox
    assert view(outbox).seq == 4
    assert view(outbox, device="pos-1").seq == 2  # from its event still in flight
    marks = dict(db.read().execute("SELECT device_id, last_seq FROM device_sequences"))
    assert marks == {"kiosk-1": 3}  # written as events left the outbox, not per record


def test_record_writes_no_counter_row(outbox, db):
    view(outbox)
    view(outbox)
    assert db.read().execute("SELECT count(*) FROM device_sequences").fetchone()[0] == 0
    assert db.read().execute("SELECT device_id, seq FROM outbox ORDER BY pos").fetchall() == [
        ("kiosk-1", 1), ("kiosk-1", 2)]


@pytest.mark.parametrize("payload", [
    # ASCII text: orjson's output is kept
    {"product_id": "rm-1 \"quoted\" \\ /\n\t\x01", "dwell_ms": 1200,
     "extra": [1.5, None, True, 0.42, -0.0, 123456789.125, {"k": [], "n": -12}]},
    # non-ASCII text, an integer beyond 64 bits: the standard encoder
    {"product_id": "rm-\u00e9t\u00e9 \"1\"\n", "sku": "\U0001f457", "dwell_ms": 1200,
     "extra": [1.5, None, True, {"k\u00f8": [], "n": -0.0}]},
    {"product_id": "rm-1", "extra": 10**30},
], ids=["ascii", "non-ascii", "big-int"])
def test_a_body_is_the_compact_json_of_the_event_in_field_order(outbox, payload):
    # Bodies are written by hand and by orjson or a reused C encoder: they must stay what
    # json.dumps writes (ASCII, so that a body's length is its size in bytes).
    stored = outbox.record("product_viewed", device_id="kiosk-\u00e9", payload=payload, profile_id="p-1")
    body = outbox.claim(limit=1)[0].body
    event = {"id": stored.id, "type": "product_viewed", "occurred_at": json.loads(body)["occurred_at"],
             "device_id": "kiosk-\u00e9", "seq": stored.seq, "profile_id": "p-1", "claim_code": None,
             "payload": payload}
    assert body == json.dumps(event, separators=(",", ":"))
