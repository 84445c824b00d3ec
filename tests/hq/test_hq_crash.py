"""Exactly-once across a kill -9 of HQ (two workers on PostgreSQL) in the middle of many stores' pushes."""

from __future__ import annotations

import threading
import time

import psycopg
import requests
from hq_helpers import event
from hq_process import kill_hq, start_hq

STORES = 8
BATCHES = 15
PER_BATCH = 100


def push_all(url_box: dict, store: int, done: list) -> None:
    """A bridge's loop: each batch until HQ answers 200 for it, retrying through connection errors."""
    token = f"t-{store}"
    with requests.Session() as s:
        for b in range(BATCHES):
            events = [event(0, seq=b * PER_BATCH + i + 1, device=f"kiosk-{store}") | {"id": f"s{store}-b{b}-e{i}"}
                      for i in range(PER_BATCH)]
            body = {"store_id": f"store-{store}", "bridge_id": f"bridge-{store}", "sent_at": "2026-11-23T14:05:10Z",
                    "events": events}
            deadline = time.monotonic() + 120
            while True:
                assert time.monotonic() < deadline, f"store {store} batch {b} never acknowledged"
                try:
                    answer = s.post(url_box["url"] + "/v1/events", json=body, timeout=10,
                                    headers={"Authorization": f"Bearer {token}"})
                    if answer.status_code == 200:
                        assert {r["status"] for r in answer.json()["results"]} <= {"accepted", "duplicate"}
                        break
                except requests.RequestException:
                    pass
                time.sleep(0.05)  # the bridge's backoff, short
    done.append(store)


def test_kill_9_mid_run_loses_nothing_and_stores_nothing_twice(pg_cluster):
    url = pg_cluster.new_database()
    tokens = {f"store-{n}": f"t-{n}" for n in range(STORES)}
    proc, hq_url = start_hq(url, workers=2, tokens=tokens)
    port = int(hq_url.rsplit(":", 1)[1])
    box, done = {"url": hq_url}, []
    threads = [threading.Thread(target=push_all, args=(box, n, done)) for n in range(STORES)]
    for t in threads:
        t.start()
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            deadline = time.monotonic() + 60
            while conn.execute("SELECT count(*) FROM events").fetchone()[0] < STORES * BATCHES * PER_BATCH // 4:
                assert time.monotonic() < deadline, "pushes did not start"
                time.sleep(0.05)
        kill_hq(proc)  # SIGKILL to the whole process group, mid-run
        proc, _ = start_hq(url, workers=2, port=port, tokens=tokens)
        for t in threads:
            t.join(timeout=180)
    finally:
        kill_hq(proc)
    assert sorted(done) == list(range(STORES))
    total = STORES * BATCHES * PER_BATCH
    with psycopg.connect(url) as conn:
        count, distinct = conn.execute("SELECT count(*), count(DISTINCT id) FROM events").fetchone()
        seqs = conn.execute("SELECT sum(count), sum(max_seq) FROM device_seqs").fetchone()
    assert (count, distinct) == (total, total)
    assert seqs == (total, total)  # every device: each seq once, no gap
