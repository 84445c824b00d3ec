"""Kiosk sessions nobody joined are forgotten after the retention period; one whose link is owed never is.

The receiver is tests/hq/segment_double.py, a TEST DOUBLE of a Segment-style pipeline. Each
test runs on SQLite and on a throwaway PostgreSQL cluster. Age is made by back-dating rows
(noted_at is HQ's clock in epoch seconds), never by waiting.
"""

from __future__ import annotations

import threading
import time

import pytest
from hq_helpers import event
from test_forward import fast, wait_until
from test_forward_links import add, identified, links_sent, visit

from hq.cli import build_parser
from hq.forward.attach import attach
from hq.forward.config import ForwardConfig, default
from hq.forward.links import note_events
from hq.forward.retention import DAY_S, prune_sessions
from hq.forward.schema import POSTGRES, SQLITE, migrate
from hq.server import WorkerSpec
from hq.store import HQStore

RETENTION_S = 30 * DAY_S


@pytest.fixture
def store(database):
    hq_store = HQStore(database)
    hq_store.add_profile("p-camille", "Camille", "fr")
    yield hq_store
    hq_store.close()


def sessions(store: HQStore) -> list[tuple]:
    return store.db.read("SELECT session_id, claim_code, profile_id FROM forward_sessions ORDER BY session_id")


def age(store: HQStore, days: float, *session_ids: str) -> None:
    """Make these sessions' last event days older (all sessions when none are named)."""
    where = f" WHERE session_id IN ({','.join('?' * len(session_ids))})" if session_ids else ""
    with store.db.write() as tx:
        tx.run(f"UPDATE forward_sessions SET noted_at = noted_at - ?{where}", (days * DAY_S, *session_ids))


def test_old_anonymous_sessions_go_in_batches_and_a_session_whose_link_is_owed_stays(store, double):
    forwarder = attach(store, fast(double.url), run=False)
    for n in range(7):  # shoppers who never identified: a claim code only
        add(store, visit(10 * n + 1, f"CLAIM{n:05d}", f"s-old-{n}"))
    add(store, [identified(100, "p-camille", "s-owed")])  # identified; its session_started is still on its way
    age(store, 31)
    add(store, visit(200, "CLAIMRECENT", "s-recent"))
    assert len(sessions(store)) == 9

    assert [prune_sessions(store.db, older_than_s=RETENTION_S, limit=3) for _ in range(4)] == [3, 3, 1, 0]
    assert sessions(store) == [("s-owed", None, "p-camille"), ("s-recent", "CLAIMRECENT", None)]
    age(store, 365)
    assert prune_sessions(store.db, older_than_s=RETENTION_S, limit=500) == 1  # the recent one, now old
    assert sessions(store) == [("s-owed", None, "p-camille")]  # owed: kept however old

    add(store, visit(101, "CLAIMOWED00", "s-owed"))  # the other half arrives at last: the link still goes
    forwarder.run_once()
    assert [(m["type"], m["userId"]) for m in links_sent(double)] == [("alias", "p-camille"), ("identify", "p-camille")]
    assert sessions(store) == []


def test_a_session_heard_of_again_counts_from_its_last_event(store, double):
    attach(store, fast(double.url), run=False)
    add(store, visit(1, "CLAIMAAAAA", "s-1"))
    age(store, 31)
    add(store, [event(9, seq=9, etype="session_ended", claim_code="CLAIMAAAAA",
                      payload={"session_id": "s-1", "reason": "idle"})])  # a bridge back from a long outage
    assert prune_sessions(store.db, older_than_s=RETENTION_S, limit=500) == 0
    assert sessions(store) == [("s-1", "CLAIMAAAAA", None)]


def test_an_identified_sessions_later_events_leave_no_row_behind(store, double):
    attach(store, fast(double.url), run=False)
    add(store, visit(1, "CLAIMAAAAA", "s-1") + [identified(4, "p-camille", "s-1")])
    add(store, [event(5, seq=5, etype="session_ended", profile_id="p-camille",
                      payload={"session_id": "s-1", "reason": "done"})])  # tells neither half: nothing to wait for
    assert sessions(store) == []


def test_the_forwarder_prunes_on_its_own_in_small_batches(store, double):
    forwarder = attach(store, fast(double.url, prune_batch=2, prune_interval_s=0.05), run=False)
    for n in range(5):
        add(store, visit(10 * n + 1, f"CLAIM{n:05d}", f"s-{n}"))
    add(store, [identified(100, "p-camille", "s-owed")])
    age(store, 31)
    forwarder.start()
    try:
        wait_until(lambda: len(sessions(store)) == 1)
    finally:
        forwarder.stop()
    assert sessions(store) == [("s-owed", None, "p-camille")]


def test_a_prune_never_waits_for_nor_undoes_a_batch_noting_the_same_session(pg_cluster):
    """PostgreSQL: a batch noting an old session holds its row; the prune skips it, and the renewed row stays."""
    store = HQStore(pg_cluster.new_database())
    try:
        attach(store, fast("http://127.0.0.1:9"), run=False)  # notes sessions; nothing is sent
        add(store, visit(1, "CLAIMAAAAA", "s-1"))
        age(store, 31)
        done = threading.Event()
        pruned: list[int] = []

        def prune() -> None:
            pruned.append(prune_sessions(store.db, older_than_s=RETENTION_S, limit=500))
            done.set()

        with store.db.write() as tx:  # a batch with the session's end, not yet committed
            note_events(tx, "paris-marais", [event(9, seq=9, etype="session_ended", claim_code="CLAIMAAAAA",
                                                   payload={"session_id": "s-1", "reason": "idle"})])
            threading.Thread(target=prune, daemon=True).start()
            assert done.wait(30), "the prune waited for the batch's transaction"
        assert pruned == [0]
        assert prune_sessions(store.db, older_than_s=RETENTION_S, limit=500) == 0  # renewed by the batch
        assert sessions(store) == [("s-1", "CLAIMAAAAA", None)]
    finally:
        store.close()


def test_sessions_kept_before_the_retention_existed_count_from_the_upgrade(database):
    store = HQStore(database)
    try:
        old = (POSTGRES if store.db.kind == "postgresql" else SQLITE)[:2]
        with store.db.write() as tx:  # a database forwarding with forward_schema 2
            tx.run("CREATE TABLE forward_schema (version INTEGER NOT NULL)")
            for number, script in enumerate(old, 1):
                for statement in filter(str.strip, script.split(";")):
                    tx.run(statement)
                tx.run("INSERT INTO forward_schema VALUES (?)", (number,))
            tx.run("INSERT INTO forward_sessions (store_id, device_id, session_id, claim_code) "
                   "VALUES ('paris-marais', 'kiosk-1', 's-1', 'CLAIMAAAAA')")
        before = time.time()
        migrate(store.db)
        [(noted_at,)] = store.db.read("SELECT noted_at FROM forward_sessions")
        assert before - 60 <= noted_at <= time.time() + 60
        assert prune_sessions(store.db, older_than_s=RETENTION_S, limit=500) == 0
        assert prune_sessions(store.db, older_than_s=RETENTION_S, limit=500, now=before + RETENTION_S + 120) == 1
    finally:
        store.close()


def test_the_retention_has_one_default_which_the_cli_and_the_workers_take():
    args = build_parser().parse_args(["serve", "--db", "x.db"])
    assert default("session_retention_days") == ForwardConfig("http://x", "k").session_retention_days == 30
    assert args.forward_session_retention_days == WorkerSpec("x").forward_session_retention_days == 30
    assert args.forward_lease_s == WorkerSpec("x").forward_lease_s == ForwardConfig("http://x", "k").lease_s
    args = build_parser().parse_args(["serve", "--db", "x.db", "--forward-session-retention-days", "90"])
    assert args.forward_session_retention_days == 90
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve", "--db", "x.db", "--forward-session-retention-days", "0"])
