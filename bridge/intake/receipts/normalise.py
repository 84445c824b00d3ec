"""Turn a receipt document into a contract `receipt` event: decimal money, numbers, ids, times.

    event = receipt_event({"receipt_id": "R1", "register_id": "pos-1", ...},
                          store_id="paris-marais", currency="EUR")

Errors raise InvalidEvent naming the field (`lines[0].unit_price`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, tzinfo
from decimal import Decimal, InvalidOperation

from bridge.errors import InvalidEvent
from bridge.intake.receipts.model import derived_id

# Fields of a document that are about the event, not its payload.
ENVELOPE = ("id", "device_id", "occurred_at", "profile_id", "loyalty_token", "currency", "type")
_ENVELOPE_KEYS = frozenset(ENVELOPE)
TENDER_METHODS = ("card", "cash", "gift_card", "other")
_CENT = Decimal("0.01")
_DECIMAL_COMMA = re.compile(r"-?\d+,\d+")
_CURRENCY = re.compile(r"[A-Z]{3}")
_CANONICAL = re.compile(r"-?(?:0|[1-9]\d*)\.\d\d")  # what amount_text writes for a whole number of cents


def decimal_of(value: object, field: str) -> Decimal:
    """Parse an amount or quantity exactly; floats are refused (they are not exact)."""
    if isinstance(value, bool) or isinstance(value, float):
        raise InvalidEvent(field, f"must be a decimal string like \"12.50\", not the number {value!r}")
    if isinstance(value, str):
        text = value.strip()
        if _DECIMAL_COMMA.fullmatch(text):
            text = text.replace(",", ".")  # "12,50" from a French spreadsheet
    elif isinstance(value, (int, Decimal)):
        text = str(value)
    else:
        raise InvalidEvent(field, f"must be a decimal amount, got {type(value).__name__}")
    try:
        dec = Decimal(text)
    except InvalidOperation:
        raise InvalidEvent(field, f"not a decimal amount: {value!r}"[:200]) from None
    if not dec.is_finite():
        raise InvalidEvent(field, f"not a finite amount: {value!r}")
    return dec


def amount_text(dec: Decimal) -> str:
    """Two decimals, unless the amount is finer than a cent (then kept exactly)."""
    text = str(dec)
    # Already two decimals, as tills write amounts: no rounding. str() of a Decimal has no
    # leading zeros and ends in an exponent's digits when it has one ("1.5E+3"), so a "."
    # third from the end means -?(0|[1-9]\d*)\.\d\d (_CANONICAL), at a fraction of its cost.
    if text[-3:-2] == ".":
        return text
    cents = dec.quantize(_CENT)
    if dec == cents:
        return format(cents, "f")
    return format(dec.normalize(), "f")


def money_of(value: object, currency: str, field: str) -> dict[str, str]:
    """Contract money {"amount", "currency"} from money, a decimal string or an int."""
    if isinstance(value, dict):
        cur = value.get("currency", currency)
        if not isinstance(cur, str) or not _CURRENCY.fullmatch(cur):
            raise InvalidEvent(f"{field}.currency", f"must be 3 capital letters like \"EUR\", got {cur!r}")
        return {"amount": amount_text(decimal_of(value.get("amount"), f"{field}.amount")), "currency": cur}
    if value is None or value == "":
        raise InvalidEvent(field, "required")
    if isinstance(value, str) and _CANONICAL.fullmatch(value):  # already as amount_text writes it
        return {"amount": value, "currency": currency}
    return {"amount": amount_text(decimal_of(value, field)), "currency": currency}


def quantity_of(value: object, field: str) -> int | float:
    """A whole quantity as int; a weighed one (0.42) as a number, the only non-decimal-string figure."""
    if value.__class__ is str and value.isdigit() and value.isascii():  # "3": the common case
        whole = int(value)
        if whole:
            return whole
    if isinstance(value, float):
        value = repr(value)
    if value is None or value == "":
        return 1
    dec = decimal_of(value, field)
    if dec == 0:
        raise InvalidEvent(field, "must not be 0")
    return int(dec) if dec == dec.to_integral_value() else float(dec)


def timestamp_of(value: object, field: str = "occurred_at", zone: tzinfo | None = None) -> str:
    """RFC 3339 with an offset; a time without one is taken in zone (the store's), else this machine's."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidEvent(field, "required (an RFC 3339 timestamp)")
    text = value.strip()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise InvalidEvent(field, f"not an ISO 8601 / RFC 3339 timestamp: {value!r}"[:200]) from None
    if moment.tzinfo is None:  # POS exports often give the store's wall time
        moment = moment.replace(tzinfo=zone) if zone is not None else moment.astimezone()
    return moment.isoformat(timespec="milliseconds" if moment.microsecond else "seconds")


def _text(doc: dict, key: str, field: str | None = None) -> str:
    value = doc.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise InvalidEvent(field or key, "required (a non-empty string)")
    return value.strip()


def _line(line: object, currency: str) -> dict:
    """A contract line item; InvalidEvent names the field relative to the line ("sku")."""
    if not isinstance(line, dict):
        raise InvalidEvent("", "must be an object")
    out = dict(line)  # its sku, quantity, unit_price and total are all replaced below
    sku = line.get("sku")
    out["sku"] = sku.strip() if sku.__class__ is str and sku.strip() else _text(line, "sku")
    out["quantity"] = quantity_of(line.get("quantity"), "quantity")
    unit = line.get("unit_price")
    total = line.get("total")
    if unit.__class__ is str and total.__class__ is str and _CANONICAL.fullmatch(unit) \
            and _CANONICAL.fullmatch(total):  # as money_of would give them
        out["unit_price"] = {"amount": unit, "currency": currency}
        out["total"] = {"amount": total, "currency": currency}
        return out
    if unit in (None, "") and total in (None, ""):
        raise InvalidEvent("unit_price", "required (unit_price or total)")
    if unit in (None, ""):  # derive the missing figure from the other
        out["total"] = money_of(total, currency, "total")
        each = (Decimal(out["total"]["amount"]) / _quantity_decimal(out["quantity"])).quantize(_CENT)
        out["unit_price"] = {"amount": amount_text(each), "currency": out["total"]["currency"]}
    else:
        out["unit_price"] = money_of(unit, currency, "unit_price")
        if total in (None, ""):
            line_total = (Decimal(out["unit_price"]["amount"]) * _quantity_decimal(out["quantity"])).quantize(_CENT)
            out["total"] = {"amount": amount_text(line_total), "currency": out["unit_price"]["currency"]}
        else:
            out["total"] = money_of(total, currency, "total")
    return out


def _quantity_decimal(quantity: int | float) -> Decimal:
    return Decimal(str(quantity))


def _tender(tender: object, currency: str) -> dict:
    """A contract tender; InvalidEvent names the field relative to the tender ("amount")."""
    if not isinstance(tender, dict):
        raise InvalidEvent("", "must be an object")
    out = dict(tender)
    method = tender.get("method")
    if method not in TENDER_METHODS:
        raise InvalidEvent("method", f"must be one of {', '.join(TENDER_METHODS)}, got {method!r}")
    out["amount"] = money_of(tender.get("amount"), currency, "amount")
    last4 = tender.get("card_last4")
    if last4 in (None, ""):
        out.pop("card_last4", None)
    elif not (isinstance(last4, str) and len(last4) == 4 and last4.isdigit() and last4.isascii()):
        raise InvalidEvent("card_last4", "must be exactly four digits")
    return out


def _each(items: list, name: str, make: Callable[[object], dict]) -> list[dict]:
    """make(item) for each item; an error's field is placed under name[i]."""
    out = []
    for i, item in enumerate(items):
        try:
            out.append(make(item))
        except InvalidEvent as exc:
            raise exc.under(f"{name}[{i}]") from None
    return out


def _list(doc: dict, key: str) -> list:
    value = doc.get(key, [])
    if not isinstance(value, list):
        raise InvalidEvent(key, "must be a list")
    return value


def receipt_device(doc: object) -> tuple[str, str] | None:
    """(field, value) of what receipt_event records as a document's device_id; None when it has none.

    Read without checking the rest of the document: the intake server binds the id to the
    token before anything is recorded (tests/receipts check it agrees with receipt_event).
    """
    if not isinstance(doc, dict):
        return None
    inner = doc.get("payload")
    if isinstance(inner, dict) and "device_id" not in doc:  # flattened: the payload's own
        field, device_id = "payload.device_id", inner.get("device_id")
    else:
        field, device_id = "device_id", doc.get("device_id")
    if device_id:
        return field, str(device_id)
    field, source = ("payload.register_id", inner) if isinstance(inner, dict) else ("register_id", doc)
    register = source.get("register_id")
    if isinstance(register, int) and not isinstance(register, bool):
        register = str(register)
    if isinstance(register, str) and register.strip():
        return field, register.strip()
    return None


def receipt_event(doc: dict, *, store_id: str, currency: str, zone: tzinfo | None = None) -> dict:
    """The `receipt` event (for Outbox.record_many) of a receipt document; InvalidEvent if it is wrong."""
    if not isinstance(doc, dict):
        raise InvalidEvent("receipt", "must be an object")
    if isinstance(doc.get("payload"), dict):  # a whole event was given: flatten it
        doc = {**doc["payload"], **{k: v for k, v in doc.items() if k in _ENVELOPE_KEYS}}
    if doc.get("type", "receipt") != "receipt":
        raise InvalidEvent("type", f"must be receipt, got {doc.get('type')!r}")
    cur = doc.get("currency") or currency
    if not isinstance(cur, str) or not _CURRENCY.fullmatch(cur):
        raise InvalidEvent("currency", f"must be 3 capital letters like \"EUR\", got {cur!r}")
    payload = {k: v for k, v in doc.items() if k not in _ENVELOPE_KEYS}
    payload["receipt_id"] = _text(doc, "receipt_id")
    payload["register_id"] = _text(doc, "register_id")
    payload["lines"] = _each(_list(doc, "lines"), "lines", lambda x: _line(x, cur))
    if not payload["lines"]:
        raise InvalidEvent("lines", "at least one line item is required")
    payload["tenders"] = _each(_list(doc, "tenders"), "tenders", lambda x: _tender(x, cur))
    payload["total"] = money_of(doc.get("total"), cur, "total")
    tax = doc.get("tax")
    payload["tax"] = money_of("0" if tax in (None, "") else tax, cur, "tax")
    subtotal = doc.get("subtotal")
    if subtotal in (None, ""):  # what was paid before tax
        subtotal = str(Decimal(payload["total"]["amount"]) - Decimal(payload["tax"]["amount"]))
    payload["subtotal"] = money_of(subtotal, cur, "subtotal")
    if doc.get("discount") not in (None, ""):  # discounts the till took off the lines
        payload["discount"] = money_of(doc["discount"], cur, "discount")
    loyalty = doc.get("loyalty_token")
    if loyalty not in (None, ""):
        payload["loyalty_token"] = str(loyalty).strip()
    occurred_at = timestamp_of(doc.get("occurred_at"), zone=zone)
    device_id = doc.get("device_id") or payload["register_id"]
    # The raw time text, so the id does not move with this machine's time zone.
    event_id = doc.get("id") or derived_id("rc-", store_id, payload["register_id"],
                                          payload["receipt_id"], str(doc.get("occurred_at")).strip())
    profile_id = doc.get("profile_id") or None
    return {"id": event_id, "type": "receipt", "device_id": str(device_id), "occurred_at": occurred_at,
            "profile_id": profile_id, "payload": payload}
