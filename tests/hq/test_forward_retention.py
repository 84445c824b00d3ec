"""Kiosk sessions nobody joined are settled after the retention period: anonymous ones forgotten, identified ones
joined from HQ's stored facts (kiosk_facts) when it kept their claim code, else forgotten and counted.

The receiver is tests/hq/segment_double.py, a TEST DOUBLE of a Segment-style pipeline. Each
test runs on SQLite and on a throwaway PostgreSQL cluster. Age is made by back-dating rows
(noted_at is HQ's clock in epoch seconds), never by waiting.
"""

from __future__ import annotations

import logging
import threading
import time

import pytest
from hq_helpers import event
from test_forward import fast, wait_until
from test_forward_links import add, identified, links_sent, visit

from hq.cli import build_parser
from hq.forward import queue_stats
from hq.forward.attach import attach
from hq.forward.config import ForwardConfig, default
from hq.forward.links import note_events
from hq.forward.retention import DAY_S, Settled, prune_sessions, settle_identified
from hq.forward.schema import POSTGRES, SQLITE, migrate
from hq.server import WorkerSpec
from hq.store import HQStore
from hq.validation import check_event

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
    assert sessions(store) == [("s-owed", None, "p-camille")]  # owed: not prune_sessions' (settle_identified's)

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


def test_the_forwarder_prunes_on_its_own_in_small_batches(store, double, caplog):
    forwarder = attach(store, fast(double.url, prune_batch=2, prune_interval_s=0.05), run=False)
    for n in range(5):
        add(store, visit(10 * n + 1, f"CLAIM{n:05d}", f"s-{n}"))
    add(store, [identified(100, "p-camille", "s-owed")])  # its session_started never reached HQ
    add(store, [identified(200, "p-camille", "s-recent")])
    age(store, 31, *[f"s-{n}" for n in range(5)], "s-owed")
    with caplog.at_level(logging.INFO, logger="vitrine.hq.forward"):
        forwarder.start()
        try:
            wait_until(lambda: len(sessions(store)) == 1)
        finally:
            forwarder.stop()
    assert sessions(store) == [("s-recent", None, "p-camille")]
    assert (queue_stats(store.db)["sessions_recovered"], queue_stats(store.db)["sessions_forgotten"]) == (0, 1)
    assert [r.getMessage() for r in caplog.records if r.name == "vitrine.hq.forward"] == [
        "identified kiosk sessions past the 30-day retention: 0 joined from stored facts, 1 forgotten "
        "(their claim code never reached HQ)"]


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
        assert (queue_stats(store.db)["sessions_recovered"], queue_stats(store.db)["sessions_forgotten"]) == (0, 0)
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


# --- identified sessions whose claim code never came: recovered from stored facts, or forgotten ---------------

def started(n: int, claim: str, session: str, device: str = "kiosk-1", at: str | None = None) -> dict:
    """A session_started as the kiosk records it (the claim code and the session id)."""
    extra = {"occurred_at": at} if at else {}
    return event(n, seq=n, device=device, etype="session_started", claim_code=claim,
                 payload={"session_id": session, "holdout": False}, **extra)


def settle(store: HQStore, **kwargs) -> Settled:
    return settle_identified(store.db, older_than_s=RETENTION_S, limit=kwargs.pop("limit", 500), **kwargs)


def link_rows(store: HQStore) -> list[str]:
    """The queue ids of links' aliases and identifies (an event id holds no colon)."""
    return [r[0] for r in store.db.read("SELECT event_id FROM forward_queue ORDER BY ord") if ":" in r[0]]


def counts(store: HQStore) -> tuple[int, int]:
    stats = queue_stats(store.db)
    return stats["sessions_recovered"], stats["sessions_forgotten"]


def test_an_identified_session_past_the_retention_is_linked_from_stored_facts_or_forgotten(store, double):
    # stored while forwarding was off: kept in kiosk_facts, never noted in forward_sessions
    add(store, [started(1, "CLAIMAAAAA", "s-kept"),
                started(2, "CLAIMWRONG", "s-other-kiosk", device="kiosk-2"),  # same session id, other kiosk
                started(3, "CLAIMDDDDD", "s-midnight", at="2026-11-22T23:58:00+01:00")])
    forwarder = attach(store, fast(double.url), run=False)
    add(store, [identified(10, "p-camille", "s-kept"),
                identified(11, "p-hugo", "s-other-kiosk"),  # on kiosk-1: its kiosk-2 namesake is not it
                identified(12, "p-camille", "s-lost"),  # nothing of its start anywhere
                event(13, seq=13, etype="shopper_identified", profile_id="p-hugo", occurred_at="2026-11-23T00:03:00+01:00",
                      payload={"session_id": "s-midnight", "method": "app_qr"})])  # started the day before
    add(store, visit(20, "CLAIMBBBBB", "s-anonymous"))  # claim code only: not this path's
    with store.db.write() as tx:  # a joined row an older version left behind: not this path's either
        tx.run("INSERT INTO forward_sessions (store_id, device_id, session_id, claim_code, profile_id, identified_at, "
               "noted_at) VALUES ('paris-marais', 'kiosk-1', 's-joined', 'CLAIMJJJJJ', 'p-hugo', ?, 0)",
               ("2026-11-23T14:05:09.120+01:00",))
    age(store, 31)
    add(store, [identified(30, "p-camille", "s-recent")])
    forwarder.run_once()
    double.messages.clear()

    assert settle(store, limit=2) == Settled(recovered=1, forgotten=1)  # oldest first, in batches
    assert settle(store) == Settled(recovered=1, forgotten=1)
    assert settle(store) == Settled()
    assert counts(store) == (2, 2)
    assert sessions(store) == [("s-anonymous", "CLAIMBBBBB", None), ("s-joined", "CLAIMJJJJJ", "p-hugo"),
                               ("s-recent", None, "p-camille")]
    assert store.db.read("SELECT previous_id, user_id, store_id, at, source FROM forward_links ORDER BY previous_id") == [
        ("CLAIMAAAAA", "p-camille", "paris-marais", "2026-11-23T14:05:09.120+01:00", "shopper_identified"),
        ("CLAIMDDDDD", "p-hugo", "paris-marais", "2026-11-23T00:03:00+01:00", "shopper_identified")]
    forwarder.run_once()
    assert sorted((m["type"], m.get("previousId") or m["anonymousId"], m["userId"]) for m in links_sent(double)) == [
        ("alias", "CLAIMAAAAA", "p-camille"), ("alias", "CLAIMDDDDD", "p-hugo"),
        ("identify", "CLAIMAAAAA", "p-camille"), ("identify", "CLAIMDDDDD", "p-hugo")]
    assert len(double.messages) == 4
    assert prune_sessions(store.db, older_than_s=RETENTION_S, limit=500) == 1  # the anonymous one
    assert sessions(store) == [("s-joined", "CLAIMJJJJJ", "p-hugo"), ("s-recent", None, "p-camille")]


def test_a_session_whose_anonymous_half_was_pruned_is_joined_when_its_identify_comes_late(store, double):
    forwarder = attach(store, fast(double.url), run=False)
    add(store, visit(1, "CLAIMAAAAA", "s-1"))
    age(store, 31)
    assert prune_sessions(store.db, older_than_s=RETENTION_S, limit=500) == 1
    add(store, [identified(4, "p-camille", "s-1")])  # a bridge back after a long outage
    assert settle(store) == Settled()  # not past the retention yet: the code may still come as it did before
    age(store, 31)
    assert settle(store) == Settled(recovered=1)
    forwarder.run_once()
    assert [(m["type"], m["userId"]) for m in links_sent(double)] == [("alias", "p-camille"), ("identify", "p-camille")]
    assert sessions(store) == []


def test_an_identified_session_heard_of_again_counts_from_its_last_event(store, double):
    attach(store, fast(double.url), run=False)
    add(store, [identified(1, "p-camille", "s-1")])
    age(store, 31)
    add(store, [identified(2, "p-camille", "s-1")])  # scanned again, from a bridge back after an outage
    assert settle(store) == Settled()
    assert sessions(store) == [("s-1", None, "p-camille")]
    assert counts(store) == (0, 0)


def test_a_code_already_linked_is_not_queued_again(store, double):
    add(store, [started(1, "CLAIMAAAAA", "s-1")])  # forwarding off
    attach(store, fast(double.url), run=False)
    assert store.claim("CLAIMAAAAA", "p-camille") == 1  # the app claimed it (one event of it): linked already
    add(store, [identified(2, "p-camille", "s-1")])
    age(store, 31)
    assert settle(store) == Settled(recovered=1)
    assert store.db.read("SELECT previous_id, source FROM forward_links") == [("CLAIMAAAAA", "claim")]
    assert len(link_rows(store)) == 2


def test_two_workers_settling_at_once_link_each_session_once(database, double):
    first, second = HQStore(database), HQStore(database)  # two workers' connections
    try:
        first.add_events("paris-marais", "paris-marais-bridge-1",
                         [started(n, f"CLAIM{n:05d}", f"s-{n}") for n in range(1, 41)], check_event)
        attach(first, fast(double.url), run=False)
        add(first, [identified(100 + n, "p-camille", f"s-{n}") for n in range(1, 61)])  # 20 lost their start
        age(first, 31)
        gate = threading.Barrier(2)
        results: dict[int, list[Settled]] = {0: [], 1: []}

        def worker(number: int, hq_store: HQStore) -> None:
            gate.wait(30)
            while (done := settle_identified(hq_store.db, older_than_s=RETENTION_S, limit=3)).total:
                results[number].append(done)

        threads = [threading.Thread(target=worker, args=(n, s), daemon=True) for n, s in enumerate((first, second))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        every = results[0] + results[1]
        assert (sum(s.recovered for s in every), sum(s.forgotten for s in every)) == (40, 20) == counts(first)
        assert sessions(first) == []
        assert first.db.read("SELECT count(*), count(DISTINCT previous_id) FROM forward_links") == [(40, 40)]
        queued = link_rows(first)
        assert len(queued) == len(set(queued)) == 80
    finally:
        first.close()
        second.close()


@pytest.mark.parametrize("batch", ["renews", "joins"])
def test_settling_never_waits_for_nor_undoes_a_batch_noting_the_same_session(pg_cluster, batch):
    """PostgreSQL: a batch noting an old identified session holds its row; the settle skips it, the batch wins."""
    store = HQStore(pg_cluster.new_database())
    try:
        store.add_profile("p-camille", "Camille", "fr")
        add(store, [started(1, "CLAIMAAAAA", "s-1")])  # forwarding off: only kiosk_facts knows the code
        attach(store, fast("http://127.0.0.1:9"), run=False)  # notes sessions; nothing is sent
        add(store, [identified(2, "p-camille", "s-1")])
        age(store, 31)
        done = threading.Event()
        settled: list[Settled] = []

        def run() -> None:
            settled.append(settle(store))
            done.set()

        late = identified(3, "p-camille", "s-1") if batch == "renews" else started(3, "CLAIMAAAAA", "s-1")
        with store.db.write() as tx:  # the batch, not yet committed
            note_events(tx, "paris-marais", [late])
            threading.Thread(target=run, daemon=True).start()
            assert done.wait(30), "the settle waited for the batch's transaction"
        assert settled == [Settled()]
        assert settle(store) == Settled()
        if batch == "renews":
            assert sessions(store) == [("s-1", None, "p-camille")]
            assert store.db.read("SELECT count(*) FROM forward_links") == [(0,)]
        else:  # joined by the batch itself: linked once, by it
            assert sessions(store) == []
            assert store.db.read("SELECT previous_id, source FROM forward_links") == [("CLAIMAAAAA", "shopper_identified")]
            assert len(link_rows(store)) == 2
        assert counts(store) == (0, 0)
    finally:
        store.close()
