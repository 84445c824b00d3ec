"""What attribution reads, kept at ingest: receipts (once per store and receipt id), their lines, kiosk events.

Called inside the transaction that stores a batch, with the events accepted now, so the
facts and the events commit together. A receipt sent again under another event id (a till
that lost its acknowledgement) is the same receipt: the primary key keeps the first.
"""

from __future__ import annotations

from calendar import monthrange
from datetime import datetime, timezone

from hq.db import Tx
from hq.money import to_micros

MAX_MICROS = 2**63 - 1
KIOSK_TYPES = frozenset({"session_started", "shopper_identified", "product_viewed", "item_saved",
                         "sent_to_phone", "fitting_room_requested"})


def utc_text(timestamp: str) -> str:
    """An RFC 3339 timestamp as fixed-width UTC text ("2026-11-23T13:05:09.120000Z"), ordered as time."""
    text = timestamp.replace("z", "Z").replace("t", "T")
    if text[17:19] == "60":  # a leap second, which datetime refuses: the instant just before
        text = text[:17] + "59.999999" + text[19:].lstrip(".0123456789")
    text = text.replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:  # a 30 February passes the ingest check (cheap by design): the month's last day
        year, month = int(text[:4]), int(text[5:7])
        moment = datetime.fromisoformat(f"{text[:8]}{monthrange(year, month)[1]:02d}{text[10:]}")
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds")[:26] + "Z"


def store_facts(tx: Tx, store_id: str, events: list[dict]) -> None:
    """Insert the attribution facts of these newly stored events."""
    receipts, lines, kiosk = [], [], []
    for ev in events:
        etype = ev["type"]
        if etype == "receipt":
            rid = ev["payload"]["receipt_id"]
            row = _receipt_row(store_id, ev)
            mine = [(store_id, rid, i, line["sku"], to_micros(line["total"]["amount"]))
                    for i, line in enumerate(ev["payload"]["lines"])]
            # the contract allows 15-digit amounts; beyond a BIGINT of millionths (9.2 trillion) a
            # receipt is kept as an event but left out of attribution rather than failing the batch
            if all(abs(m) <= MAX_MICROS for m in [row[8], *(x[4] for x in mine)]):
                receipts.append(row)
                lines += mine
        elif etype in KIOSK_TYPES:
            kiosk.append(_kiosk_row(store_id, ev))
    if receipts:
        tx.insert_new("receipts", _RECEIPT_COLUMNS, "(store_id, receipt_id)", receipts)
    if lines:  # lines of a receipt already kept are the first sending's: the key ignores the copy's
        tx.insert_new("receipt_lines", _LINE_COLUMNS, "(store_id, receipt_id, line)", lines)
    if kiosk:
        tx.insert_new("kiosk_facts", _KIOSK_COLUMNS, "(event_id)", kiosk)


_RECEIPT_COLUMNS = ("store_id", "receipt_id", "event_id", "at", "day", "profile_id", "claim_code", "handoff_id",
                    "total_micros", "currency")
_LINE_COLUMNS = ("store_id", "receipt_id", "line", "sku", "total_micros")
_KIOSK_COLUMNS = ("event_id", "store_id", "type", "device_id", "at", "day", "profile_id", "claim_code", "session_id",
                  "holdout", "product_id", "sku", "handoff_id")


def _receipt_row(store_id: str, ev: dict) -> tuple:
    p = ev["payload"]
    return (store_id, p["receipt_id"], ev["id"], utc_text(ev["occurred_at"]), ev["occurred_at"][:10],
            ev.get("profile_id"), ev.get("claim_code"), p.get("handoff_id"), to_micros(p["total"]["amount"]),
            p["total"]["currency"])


def _kiosk_row(store_id: str, ev: dict) -> tuple:
    p = ev["payload"]
    holdout = p.get("holdout") if ev["type"] == "session_started" else None
    return (ev["id"], store_id, ev["type"], ev["device_id"], utc_text(ev["occurred_at"]), ev["occurred_at"][:10],
            ev.get("profile_id"), ev.get("claim_code"), p.get("session_id"),
            None if holdout is None else int(holdout), p.get("product_id"), p.get("sku"), p.get("handoff_id"))
