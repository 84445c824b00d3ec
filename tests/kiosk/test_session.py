"""The shopper's session and idle timer, as plain Python (no Kivy, no window)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from kiosk.logic.idle import IdleState, IdleWatch
from kiosk.logic.session import FittingQueue, Session, format_url
from tests.support.clock import FakeClock


class CapturedEvents:
    """Keeps what Session would hand to Bridge.record, in order."""

    def __init__(self) -> None:
        self.events: list[dict] = []

    def __call__(self, type, *, device_id, payload, profile_id=None, claim_code=None):
        self.events.append(dict(type=type, device_id=device_id, payload=payload,
                                profile_id=profile_id, claim_code=claim_code))
        return f"id-{len(self.events)}"

    def types(self) -> list[str]:
        return [e["type"] for e in self.events]


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def rec():
    return CapturedEvents()


@pytest.fixture
def session(rec, clock):
    return Session(rec, device_id="kiosk-7", clock=clock)


def test_session_starts_once_and_ends_with_reason(session, rec):
    session.start()
    session.start()
    session.end("idle")
    session.end("done")
    assert rec.types() == ["session_started", "session_ended"]
    assert rec.events[1]["payload"] == {"session_id": session.session_id, "reason": "idle"}
    assert all(e["device_id"] == "kiosk-7" for e in rec.events)


def test_untouched_session_ends_silently(session, rec):
    session.end("idle")
    assert rec.events == []


def test_anonymous_saves_carry_the_claim_code(session, rec):
    session.save("RM-1001", "RM-1001-S-BLK")
    session.save("RM-1001", "RM-1001-M-BLK")  # already saved: nothing new
    session.unsave("RM-1001")
    saved = [e for e in rec.events if e["type"] in ("item_saved", "item_unsaved")]
    assert [e["type"] for e in saved] == ["item_saved", "item_unsaved"]
    assert saved[0]["payload"] == {"product_id": "RM-1001", "sku": "RM-1001-S-BLK"}
    assert all(e["claim_code"] == session.claim_code and e["profile_id"] is None for e in saved)
    assert session.saved == []


def test_identified_events_carry_the_profile(session, rec):
    session.identify("p-camille")
    session.save("RM-1002")
    assert rec.events[-2]["type"] == "shopper_identified"
    assert rec.events[-2]["payload"] == {"session_id": session.session_id, "method": "app_qr"}
    assert rec.events[-1]["profile_id"] == "p-camille"
    assert rec.events[-1]["claim_code"] is None


def test_profile_merges_saved_items_and_first_name(session):
    seen = []
    session.bind(lambda s: seen.append(s.first_name))
    session.identify("p-camille")
    session.save("RM-1001")
    session.apply_profile({"id": "p-camille", "first_name": "Camille",
                           "saved_items": [{"product_id": "RM-1001"}, {"product_id": "RM-2002", "sku": "X"}]})
    assert session.first_name == "Camille"
    assert [i.product_id for i in session.saved] == ["RM-1001", "RM-2002"]
    assert seen[-1] == "Camille"


def test_late_profile_of_another_shopper_is_ignored(session):
    session.identify("p-camille")
    session.apply_profile({"id": "p-someone-else", "first_name": "Léa", "saved_items": [{"product_id": "X"}]})
    assert session.first_name is None and session.saved == []


def test_product_viewed_records_dwell_time(session, rec, clock):
    session.view_product("RM-1001")
    clock.now += 4.25
    session.choose_sku("RM-1001-M-BLK")
    session.leave_product()
    session.leave_product()
    viewed = [e for e in rec.events if e["type"] == "product_viewed"]
    assert len(viewed) == 1
    assert viewed[0]["payload"] == {"product_id": "RM-1001", "sku": "RM-1001-M-BLK", "dwell_ms": 4250}


def test_ending_while_on_a_product_records_the_view_first(session, rec, clock):
    session.start()
    session.view_product("RM-1001")
    clock.now += 1
    session.end("done")
    assert rec.types() == ["session_started", "product_viewed", "session_ended"]


def test_search_recorded_once_per_settled_query(session, rec):
    session.searched("escarpin", 3)
    session.searched("Escarpin ", 3)
    session.searched("  ", 0)
    session.searched("bottines", 0)
    searches = [e["payload"] for e in rec.events if e["type"] == "search_performed"]
    assert searches == [{"query": "escarpin", "results_count": 3}, {"query": "bottines", "results_count": 0}]


def test_send_to_phone_url_holds_handoff_and_encoded_skus(session, rec):
    url = session.send_to_phone(["RM 1/S", "RM-2"], "https://app.test/c?h={handoff_id}&skus={skus}")
    event = rec.events[-1]
    query = parse_qs(urlparse(url).query)
    assert query["h"] == [event["payload"]["handoff_id"]]
    assert query["skus"] == ["RM 1/S,RM-2"]
    assert "RM%201%2FS%2CRM-2" in url
    assert event["payload"]["skus"] == ["RM 1/S", "RM-2"]


def test_fitting_room_and_claim_url(session, rec):
    session.request_fitting_room(["RM-1001-S-BLK"], room="3")
    assert rec.events[-1]["payload"] == {"skus": ["RM-1001-S-BLK"], "room": "3"}
    assert session.claim_url("https://app.test/claim/{claim_code}") == f"https://app.test/claim/{session.claim_code}"
    assert format_url("x/{a}", a="é&") == "x/%C3%A9%26"


def test_fitting_queue_restarts_each_day():
    day = ["2026-11-23"]
    queue = FittingQueue(today=lambda: day[0])
    assert [queue.next(), queue.next()] == [1, 2]
    day[0] = "2026-11-24"
    assert queue.next() == 1


def test_idle_watch_counts_down_then_expires(clock):
    watch = IdleWatch(idle_timeout_s=60, countdown_s=10, clock=clock)
    assert watch.state() is IdleState.ACTIVE
    clock.now += 59.9
    assert watch.state() is IdleState.ACTIVE and watch.countdown_left() == 0
    clock.now += 0.2
    assert watch.state() is IdleState.COUNTDOWN and watch.countdown_left() == 10
    clock.now += 5
    assert watch.countdown_left() == 5
    watch.touch()
    assert watch.state() is IdleState.ACTIVE
    clock.now += 70
    assert watch.state() is IdleState.EXPIRED


def test_holdout_is_drawn_per_session_and_recorded(rec, clock):
    draws = iter([0.05, 0.95])
    held = Session(rec, device_id="k", clock=clock, holdout_share=0.10, draw=lambda: next(draws))
    shown = Session(rec, device_id="k", clock=clock, holdout_share=0.10, draw=lambda: next(draws))
    held.start()
    shown.start()
    assert [e["payload"]["holdout"] for e in rec.events] == [True, False]
    held.identify("p-1")
    shown.identify("p-2")
    assert (held.personal, shown.personal) == (False, True)


def test_holdout_share_is_roughly_kept_over_many_sessions(rec, clock):
    import random
    rng = random.Random(14)
    sessions = [Session(rec, device_id="k", clock=clock, holdout_share=0.10, draw=rng.random)
                for _ in range(2000)]
    share = sum(s.holdout for s in sessions) / len(sessions)
    assert 0.08 < share < 0.12


def test_anonymous_session_is_never_personal(session):
    session.start()
    assert not session.personal


def test_send_to_phone_records_the_handoff_id_of_the_qr(session, rec):
    url = session.send_to_phone(["RM-1001-S-BLK"], "https://app.example/c?h={handoff_id}&s={skus}")
    handoff_id = rec.events[-1]["payload"]["handoff_id"]
    assert parse_qs(urlparse(url).query)["h"] == [handoff_id]
