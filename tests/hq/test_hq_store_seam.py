"""The seam for forwarding: the accepted-events hook runs inside the storing transaction."""

from __future__ import annotations

import pytest
from hq_helpers import event

from hq.store import HQStore
from hq.validation import check_event


def test_the_hook_sees_only_events_accepted_now_and_shares_their_transaction(database):
    seen = []

    def hook(tx, store_id, events):
        seen.append((store_id, [e["id"] for e in events]))
        tx.run("INSERT INTO profiles (id, first_name, language) VALUES (?, ?, ?)", (f"p-{len(seen)}", "x", "fr"))
        if any(e["id"] == "ev-9" for e in events):
            raise RuntimeError("the forwarding queue is full")

    store = HQStore(database, on_accepted=hook)
    try:
        store.add_events("paris-marais", "b", [event(1), event(2)], check_event)
        store.add_events("paris-marais", "b", [event(2), event(3), event(1, seq=0)], check_event)
        with pytest.raises(RuntimeError):
            store.add_events("paris-marais", "b", [event(4), event(9)], check_event)
        assert seen == [("paris-marais", ["ev-1", "ev-2"]), ("paris-marais", ["ev-3"]),
                        ("paris-marais", ["ev-4", "ev-9"])]
        # the failing hook took its batch down with it: neither ev-4 nor its queue row was kept
        assert store.event_count() == 3 and store.profile("p-3") is None and store.profile("p-2") is not None
        assert store.stats("paris-marais")["devices"]["kiosk-1"]["max_seq"] == 3
    finally:
        store.close()
