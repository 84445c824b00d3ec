"""Online orders that carry a kiosk hand-off: checked against the contract, stored once per order id."""

from __future__ import annotations

from hq.attribution.facts import MAX_MICROS, utc_text
from hq.clock import utc_now
from hq.db import Database
from hq.errors import HTTPFailure
from hq.money import to_micros
from hq.validation import is_amount, is_currency, is_storable, is_timestamp, is_valid_id

MAX_ORDERS = 500


def check_orders(body: object) -> list[dict]:
    """The orders of a POST /v1/orders body, or HTTPFailure(400) naming the first bad field."""
    orders = body.get("orders") if isinstance(body, dict) else None
    if not isinstance(orders, list) or not 1 <= len(orders) <= MAX_ORDERS:
        raise HTTPFailure(400, f"orders: required (a list of 1 to {MAX_ORDERS} orders)")
    for i, order in enumerate(orders):
        _check_order(order, f"orders[{i}]")
    return orders


def _check_order(order: object, path: str) -> None:
    if not isinstance(order, dict):
        raise HTTPFailure(400, f"{path}: must be an object")
    for key in ("order_id", "handoff_id"):
        if not is_valid_id(order.get(key)):
            raise HTTPFailure(400, f"{path}.{key}: required, 1-64 characters of [A-Za-z0-9_-]")
    if not is_timestamp(order.get("occurred_at")):
        raise HTTPFailure(400, f"{path}.occurred_at: required, an RFC 3339 timestamp with an offset")
    total = order.get("total")
    if not isinstance(total, dict) or not is_amount(total.get("amount")):
        raise HTTPFailure(400, f"{path}.total.amount: required, a decimal string such as \"129.00\"")
    if abs(to_micros(total["amount"])) > MAX_MICROS:  # total_micros is a 64-bit column
        raise HTTPFailure(400, f"{path}.total.amount: at most 9223372036854.775807 in absolute value")
    if not is_currency(total.get("currency")):
        raise HTTPFailure(400, f"{path}.total.currency: required, a 3-letter ISO 4217 code")
    profile = order.get("profile_id")
    if profile is not None and (not isinstance(profile, str) or not profile):
        raise HTTPFailure(400, f"{path}.profile_id: must be a non-empty string or null")
    if profile is not None and not is_storable(profile):
        raise HTTPFailure(400, f"{path}.profile_id: holds half of a UTF-16 surrogate pair or NUL, "
                               "which cannot be stored")


def add_orders(db: Database, orders: list[dict]) -> list[dict]:
    """Store each order once by its id; return [{"order_id", "status": "accepted"|"duplicate"}] in order."""
    received = utc_now()
    rows = [(o["order_id"], o["handoff_id"], utc_text(o["occurred_at"]), o["occurred_at"][:10],
             to_micros(o["total"]["amount"]), o["total"]["currency"], o.get("profile_id"), received)
            for o in orders]
    inserted: set[str] = set()
    with db.write() as tx:
        for row in rows:
            inserted |= {r[0] for r in tx.rows(
                "INSERT INTO orders (order_id, handoff_id, at, day, total_micros, currency, profile_id, received_at) "
                "VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (order_id) DO NOTHING RETURNING order_id", row)}
    results = []
    for o in orders:
        # An id given twice in one request was inserted once: the second mention is a duplicate.
        status = "accepted" if o["order_id"] in inserted else "duplicate"
        inserted.discard(o["order_id"])
        results.append({"order_id": o["order_id"], "status": status})
    return results
