"""Group commit on a real SQLite file: shared transactions, durability, failures, kill -9."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from bridge.errors import InvalidEvent
from bridge.store.database import Database
from bridge.store.outbox import Outbox
from bridge.store.registry import open_database

ROOT = Path(__file__).resolve().parents[2]
VIEW = {"product_id": "rm-1001"}
# A deferred foreign key is checked at COMMIT: a way to make a real commit fail.
PARENTS = [(1, "parents", """
    CREATE TABLE parent (id INTEGER PRIMARY KEY);
    CREATE TABLE child (id INTEGER PRIMARY KEY, parent INTEGER
        REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED);
""")]


def _wait_until(predicate, what: str) -> None:
    """Poll for a state another thread reaches (synchronisation, not a timed assertion)."""
    deadline = time.monotonic() + 30
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"never reached: {what}")
        time.sleep(0.001)


def _hold_first_group(db: Database, queued: int, works: list) -> tuple[list, list]:
    """Run works[0] as a lone leader held open until `queued` others wait, then let all go.

    Returns (results, errors) per work, in order.
    """
    release = threading.Event()
    results: list = [None] * len(works)
    errors: list = [None] * len(works)

    def first(conn):
        release.wait(30)
        return works[0](conn)

    def call(i, work):
        try:
            results[i] = db.commits.run(work)
        except Exception as exc:  # noqa: BLE001  # the test looks at it
            errors[i] = exc

    threads = [threading.Thread(target=call, args=(0, first))]
    threads[0].start()
    _wait_until(lambda: db.commits._leading, "the first caller leads")
    for i, work in enumerate(works[1:], 1):
        threads.append(threading.Thread(target=call, args=(i, work)))
        threads[-1].start()
    _wait_until(lambda: len(db.commits._queue) == queued, f"{queued} callers queued")
    release.set()
    for t in threads:
        t.join(30)
    return results, errors


def _insert_child(parent: int):
    return lambda conn: conn.execute("INSERT INTO child(parent) VALUES (?) RETURNING id",
                                     (parent,)).fetchall()[0][0]


def test_callers_arriving_during_a_commit_share_the_next_one(tmp_path):
    db = Database.open(tmp_path / "g.db", migrations=PARENTS)
    with db.write() as conn:
        conn.execute("INSERT INTO parent(id) VALUES (1)")
    before = db.commits.groups
    results, errors = _hold_first_group(db, 5, [_insert_child(1) for _ in range(6)])
    assert errors == [None] * 6
    assert sorted(results) == [1, 2, 3, 4, 5, 6]
    assert db.commits.groups - before == 2  # the lone leader's, then one for the five
    db.close()
    reopened = Database.open(tmp_path / "g.db")
    assert reopened.read().execute("SELECT count(*) FROM child").fetchone()[0] == 6
    reopened.close()


def test_a_failing_commit_fails_every_caller_of_its_group_and_stores_nothing(tmp_path):
    db = Database.open(tmp_path / "g.db", migrations=PARENTS)
    with db.write() as conn:
        conn.execute("INSERT INTO parent(id) VALUES (1)")
    # The second group holds one child of a missing parent: its COMMIT fails.
    works = [_insert_child(1), _insert_child(1), _insert_child(99), _insert_child(1)]
    results, errors = _hold_first_group(db, 3, works)
    assert results[0] == 1 and errors[0] is None
    assert all("FOREIGN KEY" in str(e) for e in errors[1:]), errors
    assert results[1:] == [None, None, None]
    assert db.read().execute("SELECT id FROM child").fetchall() == [(1,)]
    assert db.commits.run(_insert_child(1)) == 2  # the writer is usable afterwards
    db.close()


def test_one_callers_error_fails_only_that_caller(tmp_path):
    db = Database.open(tmp_path / "g.db", migrations=PARENTS)
    with db.write() as conn:
        conn.execute("INSERT INTO parent(id) VALUES (1)")

    def bad(conn):
        conn.execute("INSERT INTO child(id, parent) VALUES (100, 1)")
        raise ValueError("refused after writing")

    results, errors = _hold_first_group(db, 3, [_insert_child(1), _insert_child(1), bad,
                                                _insert_child(1)])
    assert isinstance(errors[2], ValueError) and results[2] is None
    assert errors[:2] == [None, None] and errors[3] is None
    ids = [r for (r,) in db.read().execute("SELECT id FROM child ORDER BY id")]
    assert ids == sorted(results[:2] + results[3:]) and 100 not in ids  # its write undone
    db.close()


def test_a_lone_caller_commits_alone_every_time(tmp_path):
    db = Database.open(tmp_path / "g.db", migrations=PARENTS)
    with db.write() as conn:
        conn.execute("INSERT INTO parent(id) VALUES (1)")
    before = db.commits.groups
    assert [db.commits.run(_insert_child(1)) for _ in range(5)] == [1, 2, 3, 4, 5]
    assert db.commits.groups - before == 5
    assert not db.commits._leading and db.commits._queue == []
    db.close()


def test_concurrent_records_are_all_durable_with_gap_free_seqs(tmp_path):
    path = tmp_path / "bridge.db"
    db = open_database(path)
    outbox = Outbox(db)
    returned: list = []
    lock = threading.Lock()

    def producer(device: str) -> None:
        for _ in range(40):
            rec = outbox.record("product_viewed", device_id=device, payload=dict(VIEW))
            with lock:
                returned.append((device, rec.id, rec.seq))

    threads = [threading.Thread(target=producer, args=(f"kiosk-{i % 4}",)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    db.close()
    db = open_database(path)
    stored = dict(db.read().execute("SELECT id, seq FROM outbox").fetchall())
    assert len(returned) == 480 and {i: s for _, i, s in returned} == stored
    for device in {d for d, _, _ in returned}:
        assert sorted(s for d, _, s in returned if d == device) == list(range(1, 121))
    db.close()


def test_record_many_runs_then_in_its_transaction_or_stores_nothing(tmp_path):
    db = open_database(tmp_path / "bridge.db")
    outbox = Outbox(db)
    events = [{"type": "item_saved", "device_id": "k", "payload": {"product_id": "a"}},
              {"type": "item_saved", "device_id": "k", "payload": {}}]
    seen = []
    results = outbox.record_many(events, then=lambda conn, res: seen.append(
        (conn.in_transaction, [type(r).__name__ for r in res])))
    assert seen == [(True, ["Recorded", "InvalidEvent"])] and results[0].seq == 1

    def fail(conn, res):
        raise RuntimeError("stock update failed")

    with pytest.raises(RuntimeError):
        outbox.record_many(events[:1], then=fail)
    assert outbox.stats().pending == 1  # the second call's event was not kept
    assert isinstance(outbox.record_many(events[1:])[0], InvalidEvent)
    db.close()


_PRODUCE = """
import sys, threading
sys.path.insert(0, sys.argv[2])
from bridge.store.registry import open_database
from bridge.store.outbox import Outbox
outbox = Outbox(open_database(sys.argv[1]))
lock = threading.Lock()
def produce(n):
    while True:
        rec = outbox.record("product_viewed", device_id=f"kiosk-{n}", payload={"product_id": "x"})
        with lock:
            sys.stdout.write(rec.id + "\\n")
            sys.stdout.flush()
for n in range(8):
    threading.Thread(target=produce, args=(n,), daemon=True).start()
threading.Event().wait()
"""


def test_every_event_returned_before_a_kill_9_is_in_the_file(tmp_path):
    path = tmp_path / "bridge.db"
    proc = subprocess.Popen([sys.executable, "-c", _PRODUCE, str(path), str(ROOT)],
                            stdout=subprocess.PIPE, text=True)
    returned = []
    try:
        for line in proc.stdout:  # type: ignore[union-attr]
            returned.append(line.strip())
            if len(returned) >= 300:
                break
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
    returned += [line.strip() for line in proc.stdout if line.strip()]  # type: ignore[union-attr]
    db = open_database(path)
    stored = {i for (i,) in db.read().execute("SELECT id FROM outbox")}
    db.close()
    assert len(returned) >= 300 and set(returned) <= stored
