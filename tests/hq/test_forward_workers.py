"""Forwarding across workers and crashes: claims, leases, Retry-After, a kill -9 mid-forward (SQLite and PostgreSQL).

The receiver is tests/hq/segment_double.py, a TEST DOUBLE of a Segment-style pipeline.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from hq_helpers import event
from test_forward import WRITE_KEY, fast, wait_until

from hq.forward import (
    ForwardConfig,
    ForwardConfigError,
    Forwarder,
    queue_stats,
    read_write_key,
)
from hq.forward.attach import attach
from hq.forward.sender import retry_after
from hq.store import HQStore
from hq.validation import check_event

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def store(database):
    hq_store = HQStore(database)
    yield hq_store
    hq_store.close()


def add(store: HQStore, first: int, count: int, store_id: str = "paris-marais") -> None:
    events = [event(n, seq=n) for n in range(first, first + count)]
    results = store.add_events(store_id, f"{store_id}-bridge-1", events, check_event)
    assert {r["status"] for r in results} == {"accepted"}


def test_retry_after_is_honoured_and_the_events_stay_queued(store, double):
    forwarder = attach(store, fast(double.url), run=False)
    add(store, 1, 5)
    double.fail(429, retry_after=7)
    handled, wait = forwarder.run_once()
    assert (handled, wait) == (5, 7.0)  # Retry-After beats the short backoff
    rows = store.db.read("SELECT attempts, lease_owner, last_error FROM forward_queue ORDER BY ord")
    assert rows == [(1, None, rows[0][2])] * 5 and "HTTP 429" in rows[0][2]
    double.fail(503, retry_after="Wed, 21 Oct 2015 07:28:00 GMT")  # a date in the past: no wait beyond backoff
    handled, wait = forwarder.run_once()
    assert handled == 5 and 0 < wait <= 0.2
    assert forwarder.run_once() == (5, 0.0)
    assert sorted(double.received_ids()) == [f"ev-{n}" for n in range(1, 6)]
    assert queue_stats(store.db)["queued"] == 0


def test_a_claimed_event_is_not_claimed_again_until_its_lease_ends(store, double):
    first = attach(store, fast(double.url, lease_s=0.5), run=False)
    second = Forwarder(store.db, fast(double.url, lease_s=0.5), owner="second")
    add(store, 1, 3)
    claimed = first.queue.claim(10, lease_s=0.5)
    assert [r.event_id for r in claimed] == ["ev-1", "ev-2", "ev-3"]
    assert second.queue.claim(10, lease_s=0.5) == []
    wait_until(lambda: bool(second.queue.claim(10, lease_s=30)))  # the first "died": its lease ran out


def test_several_forwarders_share_the_queue_and_send_each_event_once(store, double):
    forwarders = [attach(store, fast(double.url, claim_limit=50), run=False)]
    forwarders += [Forwarder(store.db, fast(double.url, claim_limit=50), owner=f"w{n}") for n in range(3)]
    for b in range(10):
        add(store, b * 200 + 1, 200)
    errors: list = []

    def drain(forwarder: Forwarder) -> None:
        try:
            while forwarder.run_once()[0]:
                pass
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=drain, args=(f,)) for f in forwarders]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    received = double.received_ids()
    assert len(received) == len(set(received)) == 2000
    assert queue_stats(store.db)["delivered"] == 2000


def test_the_write_key_file_must_be_private(tmp_path: Path):
    key = tmp_path / "write.key"
    key.write_text("wk-abc\n", encoding="utf-8")
    key.chmod(0o644)
    with pytest.raises(ForwardConfigError, match=r"write\.key: mode 0644 .* chmod 600"):
        read_write_key(key)
    key.chmod(0o600)
    assert read_write_key(key) == "wk-abc"
    key.write_text("", encoding="utf-8")
    with pytest.raises(ForwardConfigError, match="found 0 non-empty lines"):
        read_write_key(key)
    with pytest.raises(ForwardConfigError, match="absent.key"):
        read_write_key(tmp_path / "absent.key")


def test_cli_refuses_a_readable_key_file_and_half_the_options(tmp_path: Path):
    key = tmp_path / "write.key"
    key.write_text("wk-abc\n", encoding="utf-8")
    key.chmod(0o640)
    base = [sys.executable, "-m", "hq", "serve", "--db", str(tmp_path / "hq.db"), "--port", "0", "--no-seed"]
    bad = subprocess.run(base + ["--forward-url", "http://127.0.0.1:9", "--forward-write-key-file", str(key)],
                         capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert bad.returncode == 2 and f"{key}: mode 0640" in bad.stderr
    half = subprocess.run(base + ["--forward-url", "http://127.0.0.1:9"], capture_output=True, text=True, cwd=ROOT,
                          timeout=60)
    assert half.returncode == 2 and "go together" in half.stderr


# --- a kill -9 of HQ in the middle of forwarding ------------------------------------------------


def start_hq(database: str, key: Path, double_url: str, workers: int) -> tuple[subprocess.Popen, str]:
    args = [sys.executable, "-m", "hq", "serve", "--database", database, "--port", "0", "--no-seed",
            "--workers", str(workers), "--token", "paris-marais=t0k3n", "--forward-url", double_url,
            "--forward-write-key-file", str(key), "--forward-lease-s", "2"]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT,
                            start_new_session=True)
    line = proc.stdout.readline()
    assert line.startswith("vitrine-hq listening on "), line
    return proc, line.split()[-1]


def kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=30)
    proc.stdout.close()


def test_kill_9_mid_forward_loses_nothing_and_keeps_message_ids(database, double, tmp_path: Path):
    key = tmp_path / "write.key"
    key.write_text(WRITE_KEY + "\n", encoding="utf-8")
    key.chmod(0o600)
    workers = 2 if database.startswith("postgresql") else 1
    proc, url = start_hq(database, key, double.url, workers)
    try:
        double.slow(0.2)
        ids = []
        for b in range(8):
            events = [event(b * 250 + n, seq=b * 250 + n) for n in range(1, 251)]
            ids += [e["id"] for e in events]
            body = {"store_id": "paris-marais", "bridge_id": "b-1", "events": events}
            answer = requests.post(url + "/v1/events", json=body, timeout=30,
                                   headers={"Authorization": "Bearer t0k3n"})
            assert answer.status_code == 200
        wait_until(lambda: len(double.received_ids()) >= 250, timeout_s=60)
        kill_group(proc)  # mid-forward: some events delivered, some claimed and in flight, the rest queued
        assert len(set(double.received_ids())) < len(ids)
        double.slow(0)
        proc, url = start_hq(database, key, double.url, workers)
        assert double.wait_for(len(ids), timeout_s=90)
    finally:
        kill_group(proc)
    received = double.received_ids()
    assert set(received) == set(ids)
    copies: dict[str, list] = {}
    for m in double.messages:
        copies.setdefault(m["messageId"], []).append(m)
    assert all(c == cs[0] for cs in copies.values() for c in cs)  # a message sent again is the same message
    print(f"\n{len(ids)} events, {len(received) - len(set(received))} sent again after the kill (same messageId)")


def test_retry_after_is_read_as_seconds_or_a_date_and_capped():
    assert retry_after("12") == 12.0
    assert retry_after("Wed, 02 Dec 2026 07:00:30 GMT", now=1796194800.0) == 30.0  # 07:00:00 UTC
    assert retry_after("999999") == 3600.0
    assert retry_after("soon") == 0.0 and retry_after(None) == 0.0
    assert retry_after("\u00b2") == 0.0  # a digit to str.isdigit(), not to float()


def test_an_event_that_cannot_be_mapped_is_set_aside_not_retried(store, double):
    forwarder = attach(store, fast(double.url), run=False)
    add(store, 1, 2)
    with store.db.write() as tx:  # a batch body edited behind HQ's back: ev-1 loses its device_id
        body, = tx.rows("SELECT body FROM batches")[0]
        doc = json.loads(body)
        del doc["events"][0]["device_id"]
        tx.run("UPDATE batches SET body = ?", (json.dumps(doc),))
    assert forwarder.run_once() == (2, 0.0)
    assert double.received_ids() == ["ev-2"]
    [(eid, reason)] = store.db.read("SELECT event_id, reason FROM forward_set_aside")
    assert eid == "ev-1" and "cannot map the event: KeyError" in reason


def test_sigterm_lets_the_request_in_flight_finish_and_settles_its_events(tmp_path: Path, double):
    key = tmp_path / "write.key"
    key.write_text(WRITE_KEY + "\n", encoding="utf-8")
    key.chmod(0o600)
    database = str(tmp_path / "hq.db")
    proc, url = start_hq(database, key, double.url, workers=1)
    try:
        double.slow(0.6)  # under the request timeout (half the 2 s lease start_hq gives)
        events = [event(n, seq=n) for n in range(1, 1001)]
        body = {"store_id": "paris-marais", "bridge_id": "b-1", "events": events[:500]}
        for part in (events[:500], events[500:]):
            answer = requests.post(url + "/v1/events", json=body | {"events": part}, timeout=30,
                                   headers={"Authorization": "Bearer t0k3n"})
            assert answer.status_code == 200
        wait_until(lambda: _in_flight(database))
        os.killpg(proc.pid, signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
    finally:
        kill_group(proc)
    store = HQStore(database)
    try:
        leased = store.db.read("SELECT count(*) FROM forward_queue WHERE lease_owner IS NOT NULL")[0][0]
        queued = store.db.read("SELECT count(*) FROM forward_queue")[0][0]
    finally:
        store.close()
    assert leased == 0  # nothing left waiting for a lease to run out
    assert queued + len(set(double.received_ids())) == 1000 and len(double.received_ids()) >= 500


def _in_flight(database: str) -> bool:
    store = HQStore(database)
    try:
        return store.db.read("SELECT count(*) FROM forward_queue WHERE lease_owner IS NOT NULL")[0][0] > 0
    finally:
        store.close()


def test_forwarding_survives_the_database_going_away_and_resumes(pg_cluster, double):
    from test_hq_operations import _cut_off

    url = pg_cluster.new_database()
    store = HQStore(url)
    forwarder = attach(store, fast(double.url))
    try:
        double.outage(503)
        add(store, 1, 5)
        wait_until(lambda: double.requests)
        _cut_off(pg_cluster, url, allow=False)
        try:
            double.recover()
            # "error" comes from the read-ahead claim failing, and a round claimed before the cut-off
            # may still be on its way then (it reaches the receiver, recovered, but its acknowledgement
            # cannot be written): wait for it too. Then nothing can go out until the database is back.
            wait_until(lambda: forwarder.status()["state"] == "error" and forwarder.status()["in_flight"] == 0,
                       timeout_s=60)
            early = set(double.received_ids())
        finally:
            _cut_off(pg_cluster, url, allow=True)
        assert double.wait_for(5, timeout_s=90)
        # until every event is settled: what went out unacknowledged goes again once its lease ends
        wait_until(lambda: queue_stats(store.db)["queued"] == 0, timeout_s=90)
    finally:
        forwarder.stop()
        store.close()
    received = double.received_ids()
    assert sorted(set(received)) == [f"ev-{n}" for n in range(1, 6)]
    repeated = {i for i in received if received.count(i) > 1}
    assert repeated == early, "what went out while the database was away comes again (at least once), nothing else"


def test_the_next_round_is_claimed_while_one_is_being_sent(store, double):
    forwarder = attach(store, fast(double.url, claim_limit=10))
    try:
        double.slow(0.3)  # each request takes a while: the forwarder reads and encodes the next round meanwhile
        add(store, 1, 40)
        wait_until(lambda: queue_stats(store.db)["leased"] >= 20 and len(double.received_ids()) < 40)
        assert double.wait_for(40)
    finally:
        forwarder.stop()
    received = double.received_ids()
    assert sorted(received) == sorted(f"ev-{n}" for n in range(1, 41)) and len(received) == 40
    wait_until(lambda: queue_stats(store.db)["queued"] == 0)
