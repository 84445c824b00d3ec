"""Our events as Segment-spec messages: track calls, identify for shopper identification, alias for links.

    to_message(event, store_id="paris-marais", bridge_id="paris-marais-bridge-1")
    # {"type": "track", "event": "Product Viewed", "messageId": event["id"], "timestamp": ..., ...}

The message depends only on the event as stored, so every retry sends the same bytes but
sentAt (set per request on the batch): messageId is our event id, never re-minted.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from hq.forward.links import Link, message_id

LIBRARY = {"name": "vitrine-hq", "version": "1"}

# our type -> Segment event name (the e-commerce spec's names where one fits)
TRACK_NAMES = {
    "receipt": "Order Completed",
    "product_viewed": "Product Viewed",
    "item_saved": "Product Added to Wishlist",
    "item_unsaved": "Product Removed from Wishlist",
    "search_performed": "Products Searched",
    "sent_to_phone": "Product Shared",
    "fitting_room_requested": "Fitting Room Requested",
    "session_started": "Kiosk Session Started",
    "session_ended": "Kiosk Session Ended",
}


def to_message(event: dict, *, store_id: str, bridge_id: str | None) -> dict:
    """The Segment message for one stored event (identify for shopper_identified, else track)."""
    message = {
        "messageId": event["id"],
        "timestamp": event["occurred_at"],
        "context": {
            "library": LIBRARY,
            "device": {"id": event["device_id"], "type": "kiosk"},
            "store": {"id": store_id},
            "vitrine": {"bridge_id": bridge_id, "seq": event["seq"], "type": event["type"]},
        },
    }
    if event.get("claim_code"):
        message["anonymousId"] = event["claim_code"]
    if event.get("profile_id"):
        message["userId"] = event["profile_id"]
    elif not event.get("claim_code"):
        # the kiosk (or register) stands for the anonymous shopper; never sent beside a userId, or
        # identity resolution would merge every shopper who used that kiosk into one profile
        message["anonymousId"] = f"{store_id}:{event['device_id']}"
    payload = event.get("payload") or {}
    if event["type"] == "shopper_identified":
        message.update(type="identify", traits={})
        message["context"]["vitrine"].update(session_id=payload.get("session_id"), method=payload.get("method"))
        return message
    name = TRACK_NAMES.get(event["type"], event["type"])  # a type added later still goes, under its own name
    message.update(type="track", event=name, properties=_properties(event["type"], payload))
    return message


def _properties(etype: str, p: dict) -> dict:
    if etype == "receipt":
        return _order(p)
    if etype == "search_performed":
        return {"query": p.get("query"), "results_count": p.get("results_count")}
    if etype == "sent_to_phone":
        return {"share_via": "phone", "handoff_id": p.get("handoff_id"), "skus": p.get("skus")}
    return {k: v for k, v in p.items() if v is not None}


def _order(p: dict) -> dict:
    """A receipt as the spec's Order Completed (amounts as numbers, currency from the total)."""
    total = p.get("total") or {}
    order = {
        "order_id": p.get("receipt_id"),
        "register_id": p.get("register_id"),
        "total": _number(total.get("amount")),
        "subtotal": _number((p.get("subtotal") or {}).get("amount")),
        "tax": _number((p.get("tax") or {}).get("amount")),
        "currency": total.get("currency"),
        "products": [{"sku": line.get("sku"), "quantity": line.get("quantity"),
                      "price": _number((line.get("unit_price") or {}).get("amount"))}
                     for line in p.get("lines", [])],
        "payment_methods": sorted({t.get("method") for t in p.get("tenders", []) if t.get("method")}),
    }
    return order  # the loyalty token and card digits are not forwarded


def _number(amount: object) -> float | int | None:
    """A money amount (a decimal string) as the JSON number the spec expects."""
    if not isinstance(amount, str):
        return None
    try:
        value = Decimal(amount)
    except InvalidOperation:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def link_message(kind: str, link: Link) -> dict:
    """The alias (previousId -> userId) or identify (anonymousId + userId) that joins a claim code to its profile."""
    message: dict = {
        "type": kind,
        "messageId": message_id(kind, link.previous_id, link.user_id),
        "timestamp": link.at,
        "userId": link.user_id,
        "context": {"library": LIBRARY, "vitrine": {"link": link.source}},
    }
    if link.store_id:
        message["context"]["store"] = {"id": link.store_id}
    if kind == "alias":
        message["previousId"] = link.previous_id
    else:
        message.update(anonymousId=link.previous_id, traits={})
    return message
