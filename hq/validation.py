"""Check event batches against the HQ contract (profile-api-v1), cheaply.

hq/ follows the contract on its own (it never imports bridge/), so this is a
deliberate, small duplicate of the bridge's checks; only the card-number rule is shared
(cardcheck/), so HQ refuses exactly what the bridge masks. Errors name the field:

    check_event({"id": "a", "type": "item_saved", ...})  # -> None or "payload.product_id: required"
"""

from __future__ import annotations

import re
from collections.abc import Callable

from cardcheck import is_card_number
from webguard.storable import UNSTORABLE_ESCAPE, first_unstorable, storable, storable_text

MAX_EVENTS = 500
MAX_BODY_BYTES = 1_048_576
MAX_SEQ = 2**63 - 1  # the seq column is a signed 64-bit integer (SQLite INTEGER, PostgreSQL BIGINT)

_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_AMOUNT = re.compile(r"-?\d{1,15}(\.\d{1,6})?")
_CURRENCY = re.compile(r"[A-Z]{3}")
_LAST4 = re.compile(r"\d{4}")
# RFC 3339 with a mandatory offset (Z or ±hh:mm); the ranges are checked here, without a
# datetime per event, so a 30 February slips through (cheap beats exact on the ingest path).
_TIMESTAMP = re.compile(
    r"\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[Tt]([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d{1,9})?"
    r"([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)"
)
_TIMESTAMP_MATCH = _TIMESTAMP.fullmatch
_DIGIT_RUN = re.compile(r"\d{13,19}")

TENDER_METHODS = frozenset({"card", "cash", "gift_card", "other"})
SESSION_REASONS = frozenset({"idle", "done", "staff"})


class BatchInvalid(ValueError):
    """The body is not a valid batch at all (answered with 400, no per-event results)."""


class _Bad(Exception):
    """One event field is wrong; str() is the contract's "field: message" text."""


def is_valid_id(value: object) -> bool:
    """True for an event id of 1–64 characters of [A-Za-z0-9_-]."""
    return isinstance(value, str) and _ID.fullmatch(value) is not None


def is_timestamp(value: object) -> bool:
    """True for an RFC 3339 timestamp with an offset."""
    return isinstance(value, str) and _TIMESTAMP.fullmatch(value) is not None


def is_amount(value: object) -> bool:
    """True for a contract decimal amount string ("129.00", "-5")."""
    return isinstance(value, str) and _AMOUNT.fullmatch(value) is not None


def is_currency(value: object) -> bool:
    """True for a 3-letter ISO 4217 code."""
    return isinstance(value, str) and _CURRENCY.fullmatch(value) is not None


def is_storable(text: str) -> bool:
    """False when text holds half of a UTF-16 surrogate pair or NUL, which the databases refuse."""
    return storable_text(text)


def check_batch(body: object) -> tuple[str, str, list[dict]]:
    """Return (store_id, bridge_id, events) or raise BatchInvalid naming the field."""
    if not isinstance(body, dict):
        raise BatchInvalid("body: must be a JSON object")
    store_id = body.get("store_id")
    if not isinstance(store_id, str) or not store_id:
        raise BatchInvalid("store_id: required (a non-empty string)")
    bridge_id = body.get("bridge_id")
    if not isinstance(bridge_id, str) or not bridge_id:
        raise BatchInvalid("bridge_id: required (a non-empty string)")
    sent_at = body.get("sent_at")
    if sent_at is not None and not is_timestamp(sent_at):
        raise BatchInvalid("sent_at: must be an RFC 3339 timestamp with an offset")
    events = body.get("events")
    if not isinstance(events, list):
        raise BatchInvalid("events: required (a list of 1 to 500 events)")
    if not 1 <= len(events) <= MAX_EVENTS:
        raise BatchInvalid(f"events: must hold 1 to {MAX_EVENTS} events, got {len(events)}")
    for i, event in enumerate(events):
        if not isinstance(event, dict):
            raise BatchInvalid(f"events[{i}]: must be an object")
        if not is_valid_id(event.get("id")):
            raise BatchInvalid(f"events[{i}].id: required, 1-64 characters of [A-Za-z0-9_-]")
    return store_id, bridge_id, events


def check_event(event: dict) -> str | None:
    """None when the event matches the contract, else "field: message"."""
    error = _check_shape(event)
    if error is not None:
        return error
    # Checked on every event, unknown fields included: one such string would fail the
    # whole batch's insert, and the bridge would resend that batch for ever.
    if storable(event):
        return None
    field, message = first_unstorable(event, "") or ("event", "cannot be stored")
    return f"{field}: {message}"


def event_check_for(text: str) -> Callable[[dict], str | None]:
    """check_event for the events parsed from text, without the string walk when text cannot hold an unstorable string."""
    # The usual case: one search of the batch's text costs ~1,200 instructions per event
    # (callgrind, 500 kiosk events), the walk ~14,000.
    return check_event if UNSTORABLE_ESCAPE.search(text) else _check_shape


def _check_shape(event: dict) -> str | None:
    """check_event without the look for unstorable strings."""
    if _looks_valid(event):
        return None
    try:
        _check_event(event)
    except _Bad as bad:
        return str(bad)
    return None


def _looks_valid(ev: dict) -> bool:
    """The happy path in one expression: True only if _check_event would pass.

    Ingest spends most of its validation time on valid events, so they get inline checks
    without calls or exceptions; anything doubtful (and every receipt) goes the long way,
    which also finds the error message.
    """
    etype = ev.get("type")
    fast = _FAST_PAYLOADS.get(etype) if type(etype) is str else None
    if fast is None:
        return False
    occurred_at, device_id, seq = ev.get("occurred_at"), ev.get("device_id"), ev.get("seq")
    profile_id, claim_code, payload = ev.get("profile_id"), ev.get("claim_code"), ev.get("payload")
    return (type(occurred_at) is str and _TIMESTAMP_MATCH(occurred_at) is not None
            and type(device_id) is str and device_id != ""
            and type(seq) is int and 1 <= seq <= MAX_SEQ
            and (profile_id is None or (type(profile_id) is str and profile_id != ""))
            and (claim_code is None or (type(claim_code) is str and claim_code != ""))
            and type(payload) is dict and fast(payload))


def _fast_text(value: object) -> bool:
    return type(value) is str and value != ""


def _fast_optional_text(value: object) -> bool:
    return value is None or (type(value) is str and value != "")


def _fast_count(value: object) -> bool:
    return type(value) is int and value >= 0


def _fast_skus(value: object) -> bool:
    return type(value) is list and len(value) > 0 and all(type(v) is str and v != "" for v in value)


_FAST_PAYLOADS = {
    "product_viewed": lambda p: (_fast_text(p.get("product_id")) and _fast_optional_text(p.get("sku"))
                                 and (p.get("dwell_ms") is None or _fast_count(p.get("dwell_ms")))),
    "item_saved": lambda p: _fast_text(p.get("product_id")) and _fast_optional_text(p.get("sku")),
    "item_unsaved": lambda p: _fast_text(p.get("product_id")) and _fast_optional_text(p.get("sku")),
    "search_performed": lambda p: type(p.get("query")) is str and _fast_count(p.get("results_count")),
    "sent_to_phone": lambda p: _fast_text(p.get("handoff_id")) and _fast_skus(p.get("skus")),
    "fitting_room_requested": lambda p: _fast_skus(p.get("skus")) and _fast_optional_text(p.get("room")),
    "session_started": lambda p: (_fast_text(p.get("session_id"))
                                  and p.get("reason") in (None, "idle", "done", "staff")
                                  and (p.get("holdout") is None or type(p.get("holdout")) is bool)),
    "session_ended": lambda p: (_fast_text(p.get("session_id"))
                                and p.get("reason") in (None, "idle", "done", "staff")),
    "shopper_identified": lambda p: _fast_text(p.get("session_id")) and p.get("method") == "app_qr",
}


def _check_event(ev: dict) -> None:
    etype = ev.get("type")
    if etype is None:
        raise _Bad("type: required")
    check_payload = _PAYLOADS.get(etype) if isinstance(etype, str) else None
    if check_payload is None:
        raise _Bad(f"type: unknown event type {etype!r}")
    if "occurred_at" not in ev:
        raise _Bad("occurred_at: required")
    if not is_timestamp(ev["occurred_at"]):
        raise _Bad("occurred_at: must be an RFC 3339 timestamp with an offset")
    _text(ev, "device_id", "device_id")
    seq = ev.get("seq")
    if seq is None:
        raise _Bad("seq: required")
    if type(seq) is not int or seq < 1:
        raise _Bad("seq: must be an integer >= 1")
    if seq > MAX_SEQ:
        raise _Bad(f"seq: must be at most {MAX_SEQ} (2^63-1)")
    for key in ("profile_id", "claim_code"):
        value = ev.get(key)
        if value is not None and (not isinstance(value, str) or not value):
            raise _Bad(f"{key}: must be a non-empty string or null")
    payload = ev.get("payload")
    if payload is None:
        raise _Bad("payload: required")
    if not isinstance(payload, dict):
        raise _Bad("payload: must be an object")
    check_payload(payload)


# --- field helpers: each raises _Bad naming the full path -------------------------


def _text(obj: dict, key: str, path: str, *, optional: bool = False) -> None:
    value = obj.get(key)
    if value is None:
        if optional:
            return
        raise _Bad(f"{path}: required")
    if not isinstance(value, str) or not value:
        raise _Bad(f"{path}: must be a non-empty string")


def _string(obj: dict, key: str, path: str) -> None:
    """A required string that may be empty (e.g. a search query)."""
    if key not in obj or obj[key] is None:
        raise _Bad(f"{path}: required")
    if not isinstance(obj[key], str):
        raise _Bad(f"{path}: must be a string")


def _count(obj: dict, key: str, path: str, *, optional: bool = False) -> None:
    value = obj.get(key)
    if value is None:
        if optional:
            return
        raise _Bad(f"{path}: required")
    if type(value) is not int or value < 0:
        raise _Bad(f"{path}: must be an integer >= 0")


def _money(obj: dict, key: str, path: str) -> None:
    value = obj.get(key)
    if value is None:
        raise _Bad(f"{path}: required")
    if not isinstance(value, dict):
        raise _Bad(f"{path}: must be a money object {{amount, currency}}")
    amount = value.get("amount")
    if not isinstance(amount, str) or not _AMOUNT.fullmatch(amount):
        raise _Bad(f"{path}.amount: must be a decimal string such as \"129.00\"")
    currency = value.get("currency")
    if not isinstance(currency, str) or not _CURRENCY.fullmatch(currency):
        raise _Bad(f"{path}.currency: must be a 3-letter ISO 4217 code")


def _list(obj: dict, key: str, path: str, *, min_len: int = 0) -> list:
    value = obj.get(key)
    if value is None:
        raise _Bad(f"{path}: required")
    if not isinstance(value, list):
        raise _Bad(f"{path}: must be a list")
    if len(value) < min_len:
        raise _Bad(f"{path}: must hold at least {min_len} item(s)")
    return value


def _skus(obj: dict, path: str) -> None:
    for i, sku in enumerate(_list(obj, "skus", f"{path}.skus", min_len=1)):
        if not isinstance(sku, str) or not sku:
            raise _Bad(f"{path}.skus[{i}]: must be a non-empty string")


def _object(value: object, path: str) -> dict:
    if not isinstance(value, dict):
        raise _Bad(f"{path}: must be an object")
    return value


# --- payloads, one function per event type -----------------------------------------


def _receipt(p: dict) -> None:
    _text(p, "receipt_id", "payload.receipt_id")
    _text(p, "register_id", "payload.register_id")
    for i, line in enumerate(_list(p, "lines", "payload.lines", min_len=1)):
        path = f"payload.lines[{i}]"
        _object(line, path)
        _text(line, "sku", f"{path}.sku")
        quantity = line.get("quantity")
        if quantity is None:
            raise _Bad(f"{path}.quantity: required")
        if type(quantity) not in (int, float) or quantity == 0 or quantity != quantity \
                or abs(quantity) == float("inf"):
            raise _Bad(f"{path}.quantity: must be a non-zero number")
        _money(line, "unit_price", f"{path}.unit_price")
        _money(line, "total", f"{path}.total")
    for key in ("subtotal", "tax", "total"):
        _money(p, key, f"payload.{key}")
    for i, tender in enumerate(_list(p, "tenders", "payload.tenders")):
        path = f"payload.tenders[{i}]"
        _object(tender, path)
        method = tender.get("method")
        if method is None:
            raise _Bad(f"{path}.method: required")
        if type(method) is not str or method not in TENDER_METHODS:
            raise _Bad(f"{path}.method: must be one of card, cash, gift_card, other")
        _money(tender, "amount", f"{path}.amount")
        last4 = tender.get("card_last4")
        if last4 is not None and (not isinstance(last4, str) or not _LAST4.fullmatch(last4)):
            raise _Bad(f"{path}.card_last4: must be exactly 4 digits")
        # Only tenders are scanned: receipt ids may legitimately hold long digit runs.
        _refuse_card_numbers(tender, path)
    _text(p, "loyalty_token", "payload.loyalty_token", optional=True)
    _text(p, "handoff_id", "payload.handoff_id", optional=True)


def _refuse_card_numbers(value: object, path: str) -> None:
    """Reject any card number (cardcheck's: the one the bridge masks): a receipt never carries one in full."""
    if isinstance(value, dict):
        for key, item in value.items():
            _refuse_card_numbers(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _refuse_card_numbers(item, f"{path}[{i}]")
    elif isinstance(value, str):
        for run in _DIGIT_RUN.findall(value.replace(" ", "").replace("-", "")):
            if is_card_number(run):
                raise _Bad(f"{path}: looks like a full card number; send at most the last four digits")


def _product_viewed(p: dict) -> None:
    _text(p, "product_id", "payload.product_id")
    _text(p, "sku", "payload.sku", optional=True)
    _count(p, "dwell_ms", "payload.dwell_ms", optional=True)


def _item_saved(p: dict) -> None:
    _text(p, "product_id", "payload.product_id")
    _text(p, "sku", "payload.sku", optional=True)


def _search_performed(p: dict) -> None:
    _string(p, "query", "payload.query")
    _count(p, "results_count", "payload.results_count")


def _sent_to_phone(p: dict) -> None:
    _text(p, "handoff_id", "payload.handoff_id")
    _skus(p, "payload")


def _fitting_room_requested(p: dict) -> None:
    _skus(p, "payload")
    _text(p, "room", "payload.room", optional=True)


def _session(p: dict) -> None:
    _text(p, "session_id", "payload.session_id")
    reason = p.get("reason")
    if reason is not None and (type(reason) is not str or reason not in SESSION_REASONS):
        raise _Bad("payload.reason: must be one of idle, done, staff")


def _shopper_identified(p: dict) -> None:
    _text(p, "session_id", "payload.session_id")
    method = p.get("method")
    if method is None:
        raise _Bad("payload.method: required")
    if method != "app_qr":
        raise _Bad("payload.method: must be \"app_qr\"")


def _session_started(p: dict) -> None:
    _session(p)
    holdout = p.get("holdout")
    if holdout is not None and type(holdout) is not bool:
        raise _Bad("payload.holdout: must be true, false or absent")


_PAYLOADS = {
    "receipt": _receipt,
    "product_viewed": _product_viewed,
    "item_saved": _item_saved,
    "item_unsaved": _item_saved,
    "search_performed": _search_performed,
    "sent_to_phone": _sent_to_phone,
    "fitting_room_requested": _fitting_room_requested,
    "session_started": _session_started,
    "session_ended": _session,
    "shopper_identified": _shopper_identified,
}
EVENT_TYPES = frozenset(_PAYLOADS)
