"""A profile known later for an anonymous claim code: one alias and one identify, whatever the order and workers.

The receiver is tests/hq/segment_double.py, a TEST DOUBLE of a Segment-style pipeline. Each
test runs on SQLite and on a throwaway PostgreSQL cluster.
"""

from __future__ import annotations

import json
import threading

import pytest
import requests
from hq_helpers import AUTH, TOKEN, batch, event
from segment_double import SegmentDouble
from test_forward import WRITE_KEY, fast, wait_until

from hq.embedded import serve_in_thread
from hq.forward import Forwarder, queue_stats
from hq.forward.attach import attach
from hq.forward.links import Link, link, link_all, message_id
from hq.forward.schema import migrate
from hq.store import HQStore
from hq.validation import check_event


@pytest.fixture
def store(database):
    hq_store = HQStore(database)
    hq_store.add_profile("p-camille", "Camille", "fr")
    hq_store.add_profile("p-hugo", "Hugo", "fr")
    yield hq_store
    hq_store.close()


def visit(first: int, claim: str, session: str, device: str = "kiosk-1") -> list[dict]:
    """An anonymous kiosk session as the kiosk records it: started, a view and a save, all with the claim code."""
    return [event(first, seq=first, device=device, etype="session_started", claim_code=claim,
                  payload={"session_id": session, "holdout": False}),
            event(first + 1, seq=first + 1, device=device, claim_code=claim),
            event(first + 2, seq=first + 2, device=device, etype="item_saved", claim_code=claim,
                  payload={"product_id": "rm-1"})]


def identified(n: int, profile: str, session: str, device: str = "kiosk-1") -> dict:
    """The shopper scanned their app QR: the kiosk records the profile and the session, no claim code."""
    return event(n, seq=n, device=device, etype="shopper_identified", profile_id=profile,
                 payload={"session_id": session, "method": "app_qr"})


def add(store: HQStore, events: list[dict]) -> None:
    results = store.add_events("paris-marais", "paris-marais-bridge-1", events, check_event)
    assert {r["status"] for r in results} == {"accepted"}, results


def links_sent(double: SegmentDouble) -> list[dict]:
    return [m for m in double.messages if m["type"] == "alias" or m["messageId"].startswith("identify:")]


def test_identifying_at_the_kiosk_links_the_sessions_claim_code(store, double):
    forwarder = attach(store, fast(double.url), run=False)
    add(store, visit(1, "CLAIMAAAAA", "s-1") + [identified(4, "p-camille", "s-1"),
                                                event(5, seq=5, etype="item_saved", profile_id="p-camille",
                                                      payload={"product_id": "rm-2"})])
    assert forwarder.run_once() == (7, 0.0)
    by_id = {m["messageId"]: m for m in double.messages}
    alias, identify = by_id[message_id("alias", "CLAIMAAAAA", "p-camille")], \
        by_id[message_id("identify", "CLAIMAAAAA", "p-camille")]
    assert (alias["type"], alias["previousId"], alias["userId"]) == ("alias", "CLAIMAAAAA", "p-camille")
    assert (identify["type"], identify["anonymousId"], identify["userId"]) == ("identify", "CLAIMAAAAA", "p-camille")
    assert alias["timestamp"] == by_id["ev-4"]["timestamp"]  # when the shopper identified
    assert alias["context"]["store"] == {"id": "paris-marais"} and alias["context"]["vitrine"]["link"] == \
        "shopper_identified"
    order = double.received_ids()
    assert order.index(alias["messageId"]) + 1 == order.index(identify["messageId"])  # alias just before identify
    assert order.index("ev-3") < order.index(alias["messageId"])
    # the kiosk's own id is never sent beside a profile: it would merge every shopper of that kiosk
    assert "anonymousId" not in by_id["ev-4"] and "anonymousId" not in by_id["ev-5"]
    assert by_id["ev-5"]["userId"] == "p-camille" and by_id["ev-2"]["anonymousId"] == "CLAIMAAAAA"
    assert store.db.read("SELECT count(*) FROM forward_sessions")[0][0] == 0  # joined, then forgotten


def test_the_session_join_holds_whichever_half_arrives_first(store, double):
    forwarder = attach(store, fast(double.url), run=False)
    add(store, [identified(14, "p-camille", "s-1")])  # a later batch of the kiosk arrived first
    add(store, visit(1, "CLAIMBBBBB", "s-2", device="kiosk-2"))  # another kiosk's session: not joined
    forwarder.run_once()
    assert links_sent(double) == []
    add(store, visit(11, "CLAIMAAAAA", "s-1"))
    forwarder.run_once()
    assert [(m["type"], m.get("previousId") or m["anonymousId"], m["userId"]) for m in links_sent(double)] == [
        ("alias", "CLAIMAAAAA", "p-camille"), ("identify", "CLAIMAAAAA", "p-camille")]
    assert store.db.read("SELECT store_id, device_id, session_id, claim_code, profile_id FROM forward_sessions") == [
        ("paris-marais", "kiosk-2", "s-2", "CLAIMBBBBB", None)]


def test_a_code_is_linked_once_to_its_first_profile(store, double):
    forwarder = attach(store, fast(double.url), run=False)
    add(store, visit(1, "CLAIMAAAAA", "s-1"))
    assert store.claim("CLAIMAAAAA", "p-camille") == 3
    assert store.claim("CLAIMAAAAA", "p-camille") == 3  # the app retried its claim
    add(store, [identified(4, "p-camille", "s-1"),  # the same shopper also identified at the kiosk
                event(5, seq=5, claim_code="CLAIMAAAAA", profile_id="p-hugo")])  # a second profile: not merged in
    forwarder.run_once()
    assert [(m["type"], m["userId"]) for m in links_sent(double)] == [("alias", "p-camille"), ("identify", "p-camille")]
    assert links_sent(double)[0]["context"]["vitrine"]["link"] == "claim"
    assert store.db.read("SELECT previous_id, user_id, source FROM forward_links") == [
        ("CLAIMAAAAA", "p-camille", "claim")]
    assert (queue_stats(store.db)["queued"], queue_stats(store.db)["set_aside"]) == (0, 0)  # nothing else queued


def test_concurrent_claims_and_events_queue_the_link_once(store, double):
    attach(store, fast(double.url), run=False)
    add(store, visit(1, "CLAIMAAAAA", "s-1"))
    errors: list = []

    def claim() -> None:
        try:
            store.claim("CLAIMAAAAA", "p-camille")
        except Exception as exc:  # surfaced below
            errors.append(exc)

    def identify(n: int) -> None:
        try:
            add(store, [event(n, seq=n, device=f"kiosk-{n}", claim_code="CLAIMAAAAA", profile_id="p-camille")])
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=claim) for _ in range(4)]
    threads += [threading.Thread(target=identify, args=(n,)) for n in range(10, 14)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    queued = [r[0] for r in store.db.read("SELECT event_id FROM forward_queue ORDER BY ord")]
    links = [q for q in queued if ":" in q]
    assert links == [message_id("alias", "CLAIMAAAAA", "p-camille"), message_id("identify", "CLAIMAAAAA", "p-camille")]


def test_a_link_sent_again_after_a_lost_worker_keeps_its_message_ids(store, double):
    first = attach(store, fast(double.url, lease_s=0.3), run=False)
    add(store, visit(1, "CLAIMAAAAA", "s-1"))
    store.claim("CLAIMAAAAA", "p-camille")
    double.slow(0)
    assert first.run_once() == (5, 0.0)
    delivered = {m["messageId"]: m for m in links_sent(double)}
    # the pipeline took them but the worker died before it recorded so: they go again after the lease
    with store.db.write() as tx:
        tx.many("INSERT INTO forward_queue (event_id, store_id, enqueued_at) VALUES (?, 'paris-marais', 'x')",
                [(mid,) for mid in delivered])
    assert first.queue.claim(10, lease_s=0.3)  # claimed, then the worker is gone
    second = Forwarder(store.db, fast(double.url), owner="second")
    wait_until(lambda: second.run_once()[0] == 2)
    again = links_sent(double)[2:]
    assert [json.dumps(m, sort_keys=True) for m in again] == [json.dumps(m, sort_keys=True)
                                                              for m in delivered.values()]


def test_a_claim_through_the_endpoint_is_forwarded(database, double):
    hq = serve_in_thread(database, tokens={"paris-marais": TOKEN}, seed_catalog=False, forward=fast(double.url))
    try:
        hq.store.add_profile("p-camille", "Camille", "fr")
        answer = requests.post(hq.url + "/v1/events", json=batch(visit(1, "CLAIMAAAAA", "s-1")), headers=AUTH,
                               timeout=10)
        assert answer.status_code == 200
        assert double.wait_for(3)
        for _ in range(2):  # the app's retry changes nothing
            answer = requests.post(hq.url + "/v1/claims/CLAIMAAAAA", json={"profile_id": "p-camille"},
                                   headers=AUTH, timeout=10)
            assert answer.status_code == 200, answer.text
        requests.post(hq.url + "/v1/events", json=batch([event(9, seq=9)]), headers=AUTH, timeout=10)
        assert double.wait_for(6)
        wait_until(lambda: queue_stats(hq.store.db)["queued"] == 0)
    finally:
        hq.stop()
    sent = links_sent(double)
    assert [(m["type"], m["userId"]) for m in sent] == [("alias", "p-camille"), ("identify", "p-camille")]
    assert sent[0]["previousId"] == "CLAIMAAAAA" and sent[1]["anonymousId"] == "CLAIMAAAAA"


def test_links_made_together_are_each_made_as_one_link_would_be(store):
    migrate(store.db)
    with store.db.write() as tx:
        assert link(tx, Link("CLAIMCCCCC", "p-hugo", "paris-marais", "2026-11-23T14:00:00Z", "claim"))
    wanted = [Link(f"CLAIM{n:05d}", "p-camille", "paris-marais", "2026-11-23T14:05:09Z", "shopper_identified")
              for n in range(450)]  # more than one statement's worth
    wanted += [Link("CLAIM00007", "p-hugo", None, "2026-11-23T15:00:00Z", "event"),  # the first per code is kept
               Link("CLAIMCCCCC", "p-camille", "paris-marais", "2026-11-23T15:00:00Z", "event")]  # linked already
    with store.db.write() as tx:
        recorded = link_all(tx, wanted)
    assert sorted(recorded, key=lambda n: n.previous_id) == wanted[:450]
    assert store.db.read("SELECT user_id, source FROM forward_links WHERE previous_id = 'CLAIM00007'") == [
        ("p-camille", "shopper_identified")]
    ords = dict(store.db.read("SELECT event_id, ord FROM forward_queue"))
    assert len(ords) == 2 * 451
    assert all(ords[message_id("alias", n.previous_id, n.user_id)] < ords[message_id("identify", n.previous_id,
                                                                                      n.user_id)] for n in wanted[:450])
    with store.db.write() as tx:
        assert link_all(tx, wanted) == []  # again: nothing new
    assert store.db.read("SELECT count(*) FROM forward_queue") == [(2 * 451,)]
