"""Attribution over a seeded month of one store, worked out by hand, on SQLite and PostgreSQL.

Paris, November 2026 (see attribution_seed.py):
- receipts in the month, by their own local day: R1 198.50, R2 129.00, R4 80.00, R6 40.00, R8 15.00 (sent
  days late), R10 70.00, R11 30.00, R12 60.00 -> 8 receipts, 622.50. R1 sent twice counts once; R7 (31 Oct)
  and R9 (1 Dec local, 30 Nov UTC) are outside; R14 is in pounds (excluded).
- hand-off: R2 (H2) 129.00 and R10 (H1) 70.00 at the till, order O5 (H5) 250.00 online -> 3, 449.00.
  R10 is also Camille's, identified 4 days before: counted as a hand-off only. R11's hand-off is unknown.
- identified: R1 198.50 (Camille, 3 days after S1) and R6 40.00 (Inès, through the claimed session S6)
  -> 2, 238.50; on viewed or saved SKUs: RM-1 129.00 (viewed in M) + RM-2 59.50 (saved without size)
  + RM-5 40.00 -> 228.50. R4 comes 18 days after James's session; R12 is Zoé's, seen only in Lyon.
- holdout: with suggestions S1 (R1), S2 (H2), S5 (H5) all converted: 3/3; holdout S3 no, S4 no, S6 yes
  (R6): 1/3. S7 has no flag.
"""

from __future__ import annotations

import math

import pytest
import requests
from attribution_seed import batches, paris_late
from hq_helpers import OTHER_TOKEN, TOKEN, batch

from hq.embedded import serve_in_thread
from hq.state import Access

ORDERS_TOKEN = "test-orders-token"
NOVEMBER = {"from": "2026-11-01", "to": "2026-11-30"}
ORDER_O5 = {"order_id": "O5", "handoff_id": "H5", "occurred_at": "2026-11-21T20:00:00+01:00",
            "total": {"amount": "250.00", "currency": "EUR"}}


@pytest.fixture
def hq(database, catalog_dir):
    running = serve_in_thread(database, tokens={"paris-marais": TOKEN, "lyon-presquile": OTHER_TOKEN},
                              catalog_dir=catalog_dir, access=Access(orders_token=ORDERS_TOKEN))
    yield running
    running.stop()


def seed(url: str) -> None:
    tokens = {"paris-marais": TOKEN, "lyon-presquile": OTHER_TOKEN}
    for store, body in batches():
        answer = requests.post(url + "/v1/events", json=body, headers=_auth(tokens[store]), timeout=10).json()
        assert {r["status"] for r in answer["results"]} == {"accepted"}, answer
    claim = requests.post(url + "/v1/claims/C6", json={"profile_id": "p-ines"}, headers=_auth(TOKEN), timeout=10)
    assert claim.status_code == 200
    orders = requests.post(url + "/v1/orders", json={"orders": [ORDER_O5]}, headers=_auth(ORDERS_TOKEN), timeout=10)
    assert orders.json() == {"results": [{"order_id": "O5", "status": "accepted"}]}
    late = requests.post(url + "/v1/events", json=batch(paris_late()), headers=_auth(TOKEN), timeout=10)
    assert [r["status"] for r in late.json()["results"]] == ["accepted", "accepted"]  # new event ids


def _auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def _ci(p1: float, n1: int, p0: float, n0: int) -> list[float]:
    se = math.sqrt(p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0)
    return [round(max(-1, p1 - p0 - 1.959964 * se), 4), round(min(1, p1 - p0 + 1.959964 * se), 4)]


def test_a_seeded_month_of_one_store(hq):
    seed(hq.url)
    report = requests.get(hq.url + "/stores/paris-marais/attribution.json", params=NOVEMBER, timeout=10).json()
    assert report == {
        "store_id": "paris-marais", "from": "2026-11-01", "to": "2026-11-30", "currency": "EUR",
        "receipts": {"count": 8, "revenue": "622.50"},
        "attributed": {
            "handoff": {"count": 3, "revenue": "449.00", "in_store": {"count": 2, "revenue": "199.00"},
                        "online": {"count": 1, "revenue": "250.00"}},
            "identified": {"count": 2, "revenue": "238.50", "on_viewed_skus": "228.50"},
        },
        "holdout": {
            "with_suggestions": {"sessions": 3, "converted": 3, "conversion_rate": 1.0},
            "holdout": {"sessions": 3, "converted": 1, "conversion_rate": 0.3333},
            "difference": 0.6667, "ci95": _ci(1.0, 3, 1 / 3, 3),
        },
        "excluded_currencies": {"GBP": 1},
    }


def test_a_profile_seen_on_two_stores_and_the_chain_sum(hq):
    seed(hq.url)
    lyon = requests.get(hq.url + "/stores/lyon-presquile/attribution.json", params=NOVEMBER, timeout=10).json()
    assert lyon["receipts"] == {"count": 1, "revenue": "45.00"}
    assert lyon["attributed"]["identified"] == {"count": 1, "revenue": "45.00", "on_viewed_skus": "0.00"}
    assert lyon["attributed"]["handoff"]["count"] == 0
    chain = requests.get(hq.url + "/attribution.json", params=NOVEMBER, timeout=10).json()
    assert chain["stores"] == 2 and chain["currency"] == "EUR"
    assert chain["receipts"] == {"count": 9, "revenue": "667.50"}
    assert chain["attributed"]["handoff"]["revenue"] == "449.00"
    assert chain["attributed"]["identified"] == {"count": 3, "revenue": "283.50", "on_viewed_skus": "228.50"}
    assert chain["holdout"]["with_suggestions"] == {"sessions": 4, "converted": 4, "conversion_rate": 1.0}


def test_a_longer_window_and_another_period(hq):
    seed(hq.url)
    url = hq.url + "/stores/paris-marais/attribution.json"
    wide = requests.get(url, params={**NOVEMBER, "window_days": "30"}, timeout=10).json()
    # James's R4, 18 days after his session, now counts; S4 converts too
    assert wide["attributed"]["identified"] == {"count": 3, "revenue": "318.50", "on_viewed_skus": "228.50"}
    assert wide["holdout"]["holdout"]["converted"] == 2
    october = requests.get(url, params={"from": "2026-10-31", "to": "2026-10-31"}, timeout=10).json()
    assert october["receipts"] == {"count": 1, "revenue": "999.00"}
    assert october["attributed"]["identified"]["count"] == 0  # Camille first came on 2 November
    # S6 (25 Nov) converts through Inès's R6 of 26 Nov, after this period
    late = requests.get(url, params={"from": "2026-11-20", "to": "2026-11-25"}, timeout=10).json()
    assert late["holdout"]["holdout"] == {"sessions": 1, "converted": 1, "conversion_rate": 1.0}
    assert late["holdout"]["with_suggestions"] == {"sessions": 1, "converted": 1, "conversion_rate": 1.0}
    pounds = requests.get(url, params={**NOVEMBER, "currency": "GBP"}, timeout=10).json()
    assert pounds["receipts"] == {"count": 1, "revenue": "5.00"}
    assert pounds["excluded_currencies"]["EUR"] == 9  # 8 receipts, 1 order


@pytest.mark.parametrize("query, field", [
    ({"from": "2026-11-31"}, "from:"), ({"to": "26-11-01"}, "to:"),
    ({"from": "2026-12-01", "to": "2026-11-01"}, "from:"),
    ({"from": "2024-01-01", "to": "2026-01-01"}, "to:"), ({"window_days": "0"}, "window_days:"),
    ({"window_days": "\u00b2"}, "window_days:"), ({"window_days": "\u0663"}, "window_days:"),
    ({"window_days": "1" * 5000}, "window_days:"),
    ({"currency": "eur"}, "currency:"),
])
def test_bad_queries_name_the_field(hq, query, field):
    answer = requests.get(hq.url + "/stores/paris-marais/attribution.json", params=query, timeout=10)
    assert answer.status_code == 400 and answer.json()["error"].startswith(field)


def test_orders_need_their_own_token_and_count_once(hq):
    url = hq.url + "/v1/orders"
    body = {"orders": [ORDER_O5]}
    assert requests.post(url, json=body, timeout=10).status_code == 401
    assert requests.post(url, json=body, headers=_auth(TOKEN), timeout=10).status_code == 401  # a store's token
    assert requests.post(url, json=body, headers=_auth(ORDERS_TOKEN), timeout=10).json()["results"][0]["status"] \
        == "accepted"
    again = requests.post(url, json={"orders": [ORDER_O5, {**ORDER_O5, "order_id": "O6"}]},
                          headers=_auth(ORDERS_TOKEN), timeout=10).json()
    assert [r["status"] for r in again["results"]] == ["duplicate", "accepted"]
    bad = requests.post(url, json={"orders": [{**ORDER_O5, "total": {"amount": "1,00", "currency": "EUR"}}]},
                        headers=_auth(ORDERS_TOKEN), timeout=10)
    assert bad.status_code == 400 and bad.json()["error"].startswith("orders[0].total.amount:")


def test_orders_are_refused_without_an_orders_token(database, catalog_dir):
    running = serve_in_thread(database, tokens={"paris-marais": TOKEN}, catalog_dir=catalog_dir)
    try:
        answer = requests.post(running.url + "/v1/orders", json={"orders": [ORDER_O5]}, headers=_auth(TOKEN),
                               timeout=10)
        assert answer.status_code == 401
    finally:
        running.stop()


def test_holdout_and_handoff_fields_are_checked(hq):
    from attribution_seed import kiosk, receipt

    bad = [kiosk("session_started", "2026-11-02T10:00:00+01:00", session_id="S", holdout="yes"),
           kiosk("session_started", "2026-11-02T10:00:00+01:00", session_id="S", holdout=1),
           receipt("R", "2026-11-02T10:00:00+01:00", [("RM-1-M-BLK", "1.00")])]
    bad[2]["payload"]["handoff_id"] = ""
    answer = requests.post(hq.url + "/v1/events", json=batch(bad), headers=_auth(TOKEN), timeout=10).json()
    assert [r.get("error") for r in answer["results"]] == [
        "payload.holdout: must be true, false or absent", "payload.holdout: must be true, false or absent",
        "payload.handoff_id: must be a non-empty string"]


def test_backfill_derives_the_facts_of_events_stored_before(hq):
    from datetime import date

    from hq.attribution.credit import attribute
    from hq.attribution.period import Period
    from hq.attribution.report import store_json
    from hq.cli import main

    seed(hq.url)
    db, november = hq.store.db, Period(date(2026, 11, 1), date(2026, 11, 30))
    target = db.path if db.kind == "sqlite" else db.url

    def report() -> dict:  # computed afresh: the server's cache sees new batches, not a backfill
        return store_json("paris-marais", november, attribute(db, november, store_id="paris-marais"))

    before = report()
    assert before == requests.get(hq.url + "/stores/paris-marais/attribution.json", params=NOVEMBER,
                                  timeout=10).json()
    with db.write() as tx:  # as a database from before migration 3 would be
        for table in ("receipts", "receipt_lines", "kiosk_facts"):
            tx.run(f"DELETE FROM {table}")
    assert report()["receipts"]["count"] == 0
    assert main(["backfill-attribution", "--database", target]) == 0
    assert report() == before
    assert main(["backfill-attribution", "--database", target]) == 0  # again: nothing changes
    assert report() == before


def test_a_report_follows_what_arrives_after_it_was_computed(hq):
    from attribution_seed import receipt

    seed(hq.url)
    url = hq.url + "/stores/paris-marais/attribution.json"
    assert requests.get(url, params=NOVEMBER, timeout=10).json()["receipts"]["count"] == 8
    late = receipt("R-late", "2026-11-29T10:00:00+01:00", [("RM-1-M-BLK", "10.00")])
    requests.post(hq.url + "/v1/events", json=batch([late]), headers=_auth(TOKEN), timeout=10).raise_for_status()
    assert requests.get(url, params=NOVEMBER, timeout=10).json()["receipts"] == {"count": 9, "revenue": "632.50"}
    order = {**ORDER_O5, "order_id": "O-late", "total": {"amount": "1.00", "currency": "EUR"}}
    requests.post(hq.url + "/v1/orders", json={"orders": [order]}, headers=_auth(ORDERS_TOKEN), timeout=10)
    assert requests.get(url, params=NOVEMBER, timeout=10).json()["attributed"]["handoff"]["online"] == \
        {"count": 2, "revenue": "251.00"}


def test_a_receipt_too_large_for_attribution_is_still_stored(hq):
    from attribution_seed import receipt

    huge = receipt("R-huge", "2026-11-02T10:00:00+01:00", [("RM-1-M-BLK", "999999999999999.00")])
    answer = requests.post(hq.url + "/v1/events", json=batch([huge]), headers=_auth(TOKEN), timeout=10).json()
    assert answer["results"][0]["status"] == "accepted" and hq.event_count() == 1
    report = requests.get(hq.url + "/stores/paris-marais/attribution.json", params=NOVEMBER, timeout=10).json()
    assert report["receipts"] == {"count": 0, "revenue": "0.00"}


def test_an_order_id_repeated_in_one_post_is_accepted_once(hq):
    second = {**ORDER_O5, "order_id": "O6"}
    answer = requests.post(hq.url + "/v1/orders", json={"orders": [ORDER_O5, second, ORDER_O5]},
                           headers=_auth(ORDERS_TOKEN), timeout=10)
    assert answer.json()["results"] == [{"order_id": "O5", "status": "accepted"},
                                        {"order_id": "O6", "status": "accepted"},
                                        {"order_id": "O5", "status": "duplicate"}]


@pytest.mark.parametrize("change, field", [
    ({"profile_id": "p\ud800"}, "orders[0].profile_id:"), ({"profile_id": "p\x00"}, "orders[0].profile_id:"),
    ({"total": {"amount": "999999999999999", "currency": "EUR"}}, "orders[0].total.amount:"),
])
def test_an_order_the_database_cannot_store_is_a_400_naming_the_field(hq, change, field):
    answer = requests.post(hq.url + "/v1/orders", json={"orders": [{**ORDER_O5, **change}]},
                           headers=_auth(ORDERS_TOKEN), timeout=10)
    assert answer.status_code == 400 and answer.json()["error"].startswith(field), answer.text
