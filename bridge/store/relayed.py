"""Events relayed by another bridge (a kiosk's) into this bridge's outbox, id, device and seq kept.

A kiosk bridge numbers its events itself; the store bridge keeps that seq so HQ's per-device
gap check holds across both hops. Each batch is one durable transaction: when the answer
says `accepted`, the event is on disk. An id already held (pending, sent or acknowledged)
is `duplicate` and changes nothing.

    results = store_relayed(outbox, "store:paris-marais", events)
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from bridge.errors import InvalidEvent
from bridge.events import EVENT_FIELDS, validate_event
from bridge.store.catalog.writes import adjust_known_stock

MAX_SEQ = 2**63 - 1  # a signed 64-bit integer: SQLite here, BIGINT at HQ

# The outbox's own tables (bridge.store.outbox): a relayed row is an ordinary outbox row
# whose body already holds its seq, so the sender pushes it like any other.
_FIND = "SELECT 1 FROM outbox WHERE id = ?1 UNION ALL SELECT 1 FROM acked WHERE id = ?1"
_INSERT = "INSERT INTO outbox(id, recorded_at, body) VALUES (?, ?, ?)"
_JSON = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def check_relayed(raw: Any) -> dict:
    """The event in contract form with its seq, or InvalidEvent naming the field."""
    if not isinstance(raw, dict):
        raise InvalidEvent("event", f"must be an object, got {type(raw).__name__}")
    seq = raw.get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool) or not 1 <= seq <= MAX_SEQ:
        raise InvalidEvent("seq", f"must be an integer from 1 to {MAX_SEQ} (the device's own number), "
                                  f"got {seq!r}"[:200])
    for key in ("id", "occurred_at"):
        if key not in raw:
            raise InvalidEvent(key, "required on a relayed event")
    event = validate_event({k: v for k, v in raw.items() if k != "seq"})  # bounds quantities too
    event["seq"] = seq
    return {k: event[k] for k in EVENT_FIELDS}


def store_relayed(outbox: Any, location: str, events: list) -> list[dict]:
    """Store valid events durably in one transaction; one contract result per event, in order."""
    results: list[dict | None] = []
    valid: list[tuple[int, dict]] = []
    for raw in events:
        try:
            valid.append((len(results), check_relayed(raw)))
            results.append(None)
        except InvalidEvent as exc:
            results.append({"id": _id_of(raw), "status": "rejected", "error": str(exc)})
        except RecursionError:
            results.append({"id": _id_of(raw), "status": "rejected", "error": "event: nested too deeply"})
    if valid:
        stamp = outbox.clock()

        def store(conn) -> None:
            sold: dict[str, int] = defaultdict(int)
            for slot, event in valid:
                held = conn.execute(_FIND, (event["id"],)).fetchone() is not None
                if not held:
                    conn.execute(_INSERT, (event["id"], stamp, _JSON.encode(event))).fetchall()
                    if event["type"] == "receipt":
                        _count_sales(sold, event["payload"])
                results[slot] = {"id": event["id"], "status": "duplicate" if held else "accepted"}
            # A till bridge's receipt relayed here moves this store's stock in the same
            # transaction: a crash cannot keep the receipt and lose the stock change.
            adjust_known_stock(conn, location, {sku: -qty for sku, qty in sold.items()})

        outbox.db.commits.run(store)  # shares the fsync with concurrent writers; raises if it failed
    return results  # type: ignore[return-value]  # every slot is filled


def _count_sales(sold: dict[str, int], payload: dict) -> None:
    for line in payload.get("lines") or []:
        qty = line.get("quantity") if isinstance(line, dict) else None
        if isinstance(qty, int) and not isinstance(qty, bool) and isinstance(line.get("sku"), str):
            sold[line["sku"]] += qty


def _id_of(raw: Any) -> str | None:
    value = raw.get("id") if isinstance(raw, dict) else None
    return value if isinstance(value, str) else None
