"""The rows attribution reads, for one store or the whole chain, over a period of local days.

Each function runs one query; `store_id=None` reads every store. Days are the local dates
events were sent with ("YYYY-MM-DD"); `at` values are fixed-width UTC text.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from operator import itemgetter
from typing import NamedTuple

from hq.db import Database


class Receipt(NamedTuple):
    store_id: str
    receipt_id: str
    day: str
    at: str
    profile_id: str | None  # the receipt's own, or the profile that claimed its claim code
    handoff_id: str | None
    via_handoff: int  # 1 when its hand-off id is one a kiosk showed
    micros: int
    currency: str


class Order(NamedTuple):
    order_id: str
    store_id: str | None  # the store of the kiosk that showed its hand-off, None if unknown
    day: str
    handoff_id: str
    micros: int
    currency: str


class KioskFact(NamedTuple):
    store_id: str
    type: str
    device_id: str
    at: str
    day: str
    profile_id: str | None  # the event's own, or the profile that claimed its session's claim code
    claim_code: str | None
    session_id: str | None
    holdout: int | None  # 1: in the holdout, 0: with suggestions, None: not assigned
    product_id: str | None
    sku: str | None
    handoff_id: str | None


def _scope(store_id: str | None, column: str) -> tuple[str, tuple]:
    return ("", ()) if store_id is None else (f" AND {column} = ?", (store_id,))


def receipts(db: Database, first: str, last: str, store_id: str | None, *,
             named_only: bool = False) -> list[Receipt]:
    """Receipts whose own local day is in [first, last] (named_only: those that may name a shopper)."""
    where, params = _scope(store_id, "r.store_id")
    if named_only:
        where += " AND (r.profile_id IS NOT NULL OR r.claim_code IS NOT NULL)"
    sql = ("SELECT r.store_id, r.receipt_id, r.day, r.at, COALESCE(r.profile_id, c.profile_id), r.handoff_id, "
           "CASE WHEN r.handoff_id IS NOT NULL AND EXISTS (SELECT 1 FROM kiosk_facts h WHERE "
           "h.handoff_id = r.handoff_id AND h.type = 'sent_to_phone') THEN 1 ELSE 0 END, "
           "r.total_micros, r.currency FROM receipts r LEFT JOIN claims c ON c.claim_code = r.claim_code "
           "WHERE r.day BETWEEN ? AND ?" + where)
    return list(map(Receipt._make, db.read(sql, (first, last, *params))))


def receipt_lines(db: Database, first: str, last: str, store_id: str | None) -> dict[tuple[str, str], list]:
    """(store_id, receipt_id) -> [(sku, micros)] for receipts in the period that may name a shopper."""
    where, params = _scope(store_id, "r.store_id")
    sql = ("SELECT l.store_id, l.receipt_id, l.sku, l.total_micros FROM receipt_lines l JOIN receipts r "
           "ON r.store_id = l.store_id AND r.receipt_id = l.receipt_id WHERE r.day BETWEEN ? AND ? "
           "AND (r.profile_id IS NOT NULL OR r.claim_code IS NOT NULL)" + where + " ORDER BY l.line")
    out: dict[tuple[str, str], list] = {}
    for s, rid, sku, micros in db.read(sql, (first, last, *params)):
        out.setdefault((s, rid), []).append((sku, int(micros)))
    return out


def orders(db: Database, first: str, last: str, store_id: str | None) -> list[Order]:
    """Online orders of the period whose hand-off a kiosk (of store_id, when given) showed, with its store."""
    shown = "SELECT min(h.store_id) FROM kiosk_facts h WHERE h.handoff_id = o.handoff_id AND h.type = 'sent_to_phone'"
    where, params = _scope(store_id, f"({shown})")
    sql = (f"SELECT o.order_id, ({shown}), o.day, o.handoff_id, o.total_micros, o.currency FROM orders o "
           f"WHERE o.day BETWEEN ? AND ? AND ({shown}) IS NOT NULL" + where)
    return list(map(Order._make, db.read(sql, (first, last, *params))))


def kiosk_facts(db: Database, first: str, last: str, store_id: str | None, types: Sequence[str],
                anonymous_too: Sequence[str] = ()) -> list[KioskFact]:
    """Kiosk events of these types whose local day is in [first, last], in time order: those of a known
    shopper only, but for the types in anonymous_too (an anonymous view tells attribution nothing)."""
    where, params = _scope(store_id, "k.store_id")
    marks, anonymous = ",".join("?" * len(types)), ",".join("?" * len(anonymous_too)) or "NULL"
    sql = ("SELECT k.store_id, k.type, k.device_id, k.at, k.day, COALESCE(k.profile_id, c.profile_id), "
           "k.claim_code, k.session_id, k.holdout, k.product_id, k.sku, k.handoff_id FROM kiosk_facts k "
           f"LEFT JOIN claims c ON c.claim_code = k.claim_code WHERE k.day BETWEEN ? AND ? AND k.type IN ({marks})"
           f" AND (k.type IN ({anonymous}) OR COALESCE(k.profile_id, c.profile_id) IS NOT NULL)"
           + where)
    rows = db.read(sql, (first, last, *types, *anonymous_too, *params))
    rows.sort(key=itemgetter(3))  # by time: cheaper here than SQLite's sort of whole rows
    return list(map(KioskFact._make, rows))


def redeemed_handoffs(db: Database, first: str, last: str, store_id: str | None) -> set[str]:
    """Hand-off ids shown on kiosks (of store_id) in [first, last] that a receipt or an online order carries."""
    where, params = _scope(store_id, "h.store_id")
    rows = db.read("SELECT h.handoff_id FROM kiosk_facts h WHERE h.type = 'sent_to_phone' AND h.day BETWEEN ? AND ?"
                   + where + " AND (EXISTS (SELECT 1 FROM receipts r WHERE r.handoff_id = h.handoff_id) "
                   "OR EXISTS (SELECT 1 FROM orders o WHERE o.handoff_id = h.handoff_id))", (first, last, *params))
    return {r[0] for r in rows}


def sku_products(db: Database) -> dict[str, str]:
    """sku -> product id, from the catalog (a view without a size names the product only)."""
    out = {}
    for (body,) in db.read("SELECT body FROM products"):
        product = json.loads(body)
        for variant in product.get("variants", []):
            out[variant.get("sku")] = product.get("id")
    return out
