"""Values JSON allows but a database cannot store are one event's rejection, not the batch's 500."""

from __future__ import annotations

import json

import pytest
import requests
from hq_helpers import AUTH, batch, event

# A till that cut an emoji in half sends one half of a surrogate pair as a JSON escape.
HALF_EMOJI = "Caf\ud83d"


def post(hq, body: dict) -> requests.Response:
    return requests.post(hq.url + "/v1/events", data=json.dumps(body).encode(), headers=AUTH, timeout=10)


@pytest.mark.parametrize(("bad", "field"), [
    (event(2, device="kiosk-\ud800"), "device_id"),
    (event(2, payload={"product_id": "rm-1", "sku": HALF_EMOJI}), "payload.sku"),
    (event(2, payload={"product_id": "rm-1", "note": HALF_EMOJI}), "payload.note"),
    (event(2, payload={"product_id": "rm-1", HALF_EMOJI: 1}), "payload"),
    (event(2, etype="search_performed", payload={"query": HALF_EMOJI, "results_count": 1}), "payload.query"),
    (event(2, profile_id="\udfff"), "profile_id"),
    (event(2, seq=2**63), "seq"),
    (event(2, device="kiosk-\x00"), "device_id"),
    (event(2, payload={"product_id": "rm-1", "note": "a\x00b"}), "payload.note"),
])
def test_an_unstorable_event_is_rejected_and_the_rest_of_the_batch_stored(hq, bad, field):
    answer = post(hq, batch([event(1), bad, event(3)]))
    assert answer.status_code == 200, answer.text
    results = answer.json()["results"]
    assert [r["status"] for r in results] == ["accepted", "rejected", "accepted"]
    assert results[1]["error"].startswith(field + ":"), results[1]["error"]
    assert [e["id"] for e in hq.events()] == ["ev-1", "ev-3"]


def test_a_whole_emoji_and_the_largest_seq_are_accepted(hq):
    fine = event(2, seq=2**63 - 1, payload={"product_id": "rm-1", "sku": "Caf\u00e9 \U0001f600"})
    assert [r["status"] for r in post(hq, batch([fine])).json()["results"]] == ["accepted"]
    assert hq.events() == [fine]


def test_escapes_in_any_case_are_found_and_an_escaped_backslash_is_no_false_alarm(hq):
    """HQ skips the string walk when the text holds no such escape: check the escapes it looks for."""
    text = json.dumps(batch([event(1), event(2, payload={"product_id": "rm-1", "sku": "@"}),
                             event(3, payload={"product_id": "rm-1", "sku": "\\u0000 \\ud800"})]))
    text = text.replace('"@"', '"Caf\\uD83D"')  # upper-case hex digits, as some encoders write them
    answer = requests.post(hq.url + "/v1/events", data=text.encode(), headers=AUTH, timeout=10)
    assert [r["status"] for r in answer.json()["results"]] == ["accepted", "rejected", "accepted"]
    assert hq.events()[1]["payload"]["sku"] == "\\u0000 \\ud800"  # backslashes, not escapes
