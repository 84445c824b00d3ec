"""Events as the HQ contract defines them: types, validation, ids and timestamps.

    event = validate_event({"type": "product_viewed", "device_id": "kiosk-1",
                            "payload": {"product_id": "rm-1001"}})
    event["id"]  # -> "01JD3S2Q..." (assigned), event["occurred_at"] -> now
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable
from datetime import datetime

from bridge.errors import InvalidEvent
from webguard.storable import first_unstorable, storable

ID_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")
TIMESTAMP_RE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(?:[Zz]|([+-])(\d{2}):(\d{2}))", re.ASCII)
AMOUNT_RE = re.compile(r"-?\d{1,15}(\.\d{1,6})?", re.ASCII)
CURRENCY_RE = re.compile(r"[A-Z]{3}")
LAST4_RE = re.compile(r"\d{4}", re.ASCII)

# A sale moves stock, a 64-bit column: a bound per line keeps any batch's sum far inside it,
# so an absurd quantity from a till is one rejected event, not a failed batch.
MAX_QUANTITY = 1_000_000_000

TENDER_METHODS = ("card", "cash", "gift_card", "other")
SESSION_REASONS = ("idle", "done", "staff")
IDENTIFY_METHODS = ("app_qr",)

# The fields of an event, in the order they are written to JSON.
EVENT_FIELDS = ("id", "type", "occurred_at", "device_id", "seq", "profile_id", "claim_code", "payload")
_FIELD_SET = frozenset(EVENT_FIELDS)

# A check takes a value and raises InvalidEvent naming the failing field relative to it
# ("" for the value itself, "amount", "[2].sku"); the containers above it prefix their own
# names on the way out, so no field path is ever built for a value that passes.
Check = Callable[[object], None]


def _fail(field: str, message: str) -> None:
    raise InvalidEvent(field, message)


def _kind(value: object) -> str:
    return "null" if value is None else type(value).__name__


def string(value: object, field: str = "") -> None:
    if not isinstance(value, str) or not value:
        _fail(field, f"must be a non-empty string, got {_kind(value)} {value!r}"[:200])


def text(value: object, field: str = "") -> None:
    """A string that may be empty (a search query)."""
    if not isinstance(value, str):
        _fail(field, f"must be a string, got {_kind(value)}")


def count(value: object, field: str = "") -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        _fail(field, f"must be an integer >= 0, got {_kind(value)} {value!r}"[:200])


def integer(value: object, field: str = "") -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        _fail(field, f"must be an integer, got {_kind(value)} {value!r}"[:200])


def quantity(value: object, field: str = "") -> None:
    if value.__class__ is int and 0 < value <= MAX_QUANTITY:  # the common case in one test
        return
    # A number, not only an integer: weighed items sell 0.42 kg; a return is negative.
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not ok or value == 0 or value != value or value in (float("inf"), float("-inf")):
        _fail(field, f"must be a non-zero number, got {_kind(value)} {value!r}"[:200])
    if abs(value) > MAX_QUANTITY:
        _fail(field, f"must be at most {MAX_QUANTITY:,} in absolute value, got {value!r}"[:200])


def money(value: object, field: str = "") -> None:
    if value.__class__ is dict and len(value) == 2:  # the common case, in fewer steps
        amount, currency = value.get("amount"), value.get("currency")
        if amount.__class__ is str and currency.__class__ is str and AMOUNT_RE.fullmatch(amount) \
                and CURRENCY_RE.fullmatch(currency):
            return
    if not isinstance(value, dict):
        _fail(field, f'must be money {{"amount": "12.00", "currency": "EUR"}}, got {_kind(value)}')
    prefix = f"{field}." if field else ""
    amount, currency = value.get("amount"), value.get("currency")
    if not isinstance(amount, str) or not AMOUNT_RE.fullmatch(amount):
        _fail(f"{prefix}amount", f"must be a decimal string like \"129.00\", got {amount!r}"[:200])
    if not isinstance(currency, str) or not CURRENCY_RE.fullmatch(currency):
        _fail(f"{prefix}currency", f"must be 3 capital letters like \"EUR\", got {currency!r}"[:200])
    if len(value) != 2:  # amount and currency are there: anything more is unknown
        extra = sorted(set(value) - {"amount", "currency"})
        _fail(f"{prefix}{extra[0]}", "unknown money field (money is amount and currency)")


def one_of(*allowed: str) -> Check:
    def check(value: object) -> None:
        if value not in allowed:
            _fail("", f"must be one of {', '.join(allowed)}, got {value!r}"[:200])
    return check


def last4(value: object, field: str = "") -> None:
    if not isinstance(value, str) or not LAST4_RE.fullmatch(value):
        _fail(field, "must be exactly the last four digits of the card")


def list_of(item: Check) -> Check:
    def check(value: object) -> None:
        if value.__class__ is not list and not isinstance(value, list):
            _fail("", f"must be a list, got {_kind(value)}")
        for i, element in enumerate(value):
            try:
                item(element)
            except InvalidEvent as exc:
                raise exc.under(f"[{i}]") from None
    return check


def record_of(fields: dict[str, tuple[bool, Check]]) -> Check:
    """An object with these (required, check) fields; unknown fields are kept."""
    items = tuple((name, required, check) for name, (required, check) in fields.items())
    amount_ok, currency_ok = AMOUNT_RE.fullmatch, CURRENCY_RE.fullmatch

    def check(value: object) -> None:
        if value.__class__ is not dict and not isinstance(value, dict):
            _fail("", f"must be an object, got {_kind(value)}")
        get = value.get
        for name, required, check_field in items:
            v = get(name)
            if v is None:
                if required:
                    _fail(name, "required")
                continue
            # The commonest checks' common cases, inline: a call each costs more than the test.
            if check_field is string and v.__class__ is str and v:
                continue
            if check_field is money and v.__class__ is dict and len(v) == 2:
                amount, currency = v.get("amount"), v.get("currency")
                if amount.__class__ is str and currency.__class__ is str and amount_ok(amount) \
                        and currency_ok(currency):
                    continue
            try:
                check_field(v)
            except InvalidEvent as exc:
                raise exc.under(name) from None
    return check


REQ, OPT = True, False
_LINE = record_of({"sku": (REQ, string), "quantity": (REQ, quantity),
                   "unit_price": (REQ, money), "total": (REQ, money)})
_TENDER = record_of({"method": (REQ, one_of(*TENDER_METHODS)), "amount": (REQ, money),
                     "card_last4": (OPT, last4)})
_SESSION = {"session_id": (REQ, string), "reason": (OPT, one_of(*SESSION_REASONS))}
_ITEM = {"product_id": (REQ, string), "sku": (OPT, string)}

PAYLOADS: dict[str, Check] = {
    "receipt": record_of({
        "receipt_id": (REQ, string), "register_id": (REQ, string),
        "lines": (REQ, list_of(_LINE)), "subtotal": (REQ, money), "tax": (REQ, money),
        "total": (REQ, money), "tenders": (REQ, list_of(_TENDER)),
        "loyalty_token": (OPT, string)}),
    "product_viewed": record_of({**_ITEM, "dwell_ms": (OPT, count)}),
    "item_saved": record_of(_ITEM),
    "item_unsaved": record_of(_ITEM),
    "search_performed": record_of({"query": (REQ, text), "results_count": (REQ, count)}),
    "sent_to_phone": record_of({"handoff_id": (REQ, string), "skus": (REQ, list_of(string))}),
    "fitting_room_requested": record_of({"skus": (REQ, list_of(string)), "room": (OPT, string)}),
    "session_started": record_of(_SESSION),
    "session_ended": record_of(_SESSION),
    "shopper_identified": record_of({"session_id": (REQ, string),
                                     "method": (REQ, one_of(*IDENTIFY_METHODS))}),
}
EVENT_TYPES: frozenset[str] = frozenset(PAYLOADS)


def check_id(value: object, field: str = "id") -> None:
    if not isinstance(value, str) or not ID_RE.fullmatch(value):
        _fail(field, f"must be 1-64 characters of A-Z a-z 0-9 _ -, got {value!r}"[:200])


def check_timestamp(value: object, field: str = "occurred_at") -> None:
    """An RFC 3339 timestamp with an offset (Z or +hh:mm), and a real date."""
    m = TIMESTAMP_RE.fullmatch(value) if isinstance(value, str) else None
    if m is not None and m.group(8) is None or m is not None and int(m.group(9)) <= 23:
        try:  # the common case: the C parser checks the date, time and minutes of the offset
            datetime.fromisoformat(value)  # type: ignore[arg-type]
            return
        except ValueError:
            pass  # a leap second, or out of range: told apart below
    if m is None:
        _fail(field, f"must be RFC 3339 with an offset, like 2026-11-23T14:05:09.120+01:00, "
                     f"got {value!r}"[:200])
    year, month, day, hour, minute, second = (int(g) for g in m.group(1, 2, 3, 4, 5, 6))
    try:
        datetime(year, month, day, hour, minute, min(second, 59))  # 60: a leap second
        if second > 60 or (m.group(8) and (int(m.group(9)) > 23 or int(m.group(10)) > 59)):
            raise ValueError("out of range")
    except ValueError:
        _fail(field, f"not a real date and time: {value!r}"[:200])


def _optional_string(value: object, field: str) -> None:
    if value is not None and (not isinstance(value, str) or not value):
        _fail(field, f"must be a non-empty string or null, got {_kind(value)} {value!r}"[:200])


def validate_event(event: dict, *, walk_strings: bool = True) -> dict:
    """Check event against the contract; return it with id and occurred_at filled in, seq left out.

    walk_strings=False leaves the look for unstorable strings to a caller that encodes the
    event as ASCII JSON anyway and searches that text (see webguard.storable).
    """
    if not isinstance(event, dict):
        raise InvalidEvent("event", f"must be an object, got {_kind(event)}")
    if not _FIELD_SET.issuperset(event):
        unknown = sorted(set(event) - _FIELD_SET)
        _fail(unknown[0], f"unknown event field (known: {', '.join(EVENT_FIELDS)})")
    get = event.get
    event_id, occurred_at = check_event(get("type"), get("device_id"), get("payload"),
                                        get("profile_id"), get("claim_code"), get("id"),
                                        get("occurred_at"), walk_strings)
    # seq is the outbox's to assign, whatever a producer sent.
    return {"id": event_id, "type": event["type"], "occurred_at": occurred_at,
            "device_id": event["device_id"], "profile_id": get("profile_id"),
            "claim_code": get("claim_code"), "payload": event["payload"]}


def check_event(etype: object, device_id: object, payload: object, profile_id: object,
                claim_code: object, event_id: object, occurred_at: object,
                walk_strings: bool = True) -> tuple[str, str]:
    """Check an event given field by field; return its id and occurred_at, filled in if None.

    The record() hot path: no dict to build, no unknown fields possible.
    """
    check_payload = PAYLOADS.get(etype) if isinstance(etype, str) else None
    if check_payload is None:
        _fail("type", f"must be one of {', '.join(sorted(EVENT_TYPES))}, got {etype!r}"[:300])
    if event_id is None:
        event_id = new_event_id()
    else:
        check_id(event_id)
    if occurred_at is None:
        occurred_at = now_rfc3339()
    else:
        check_timestamp(occurred_at)
    if device_id.__class__ is not str or not device_id:  # the common case in one test
        string(device_id, "device_id")
    if profile_id is not None:
        _optional_string(profile_id, "profile_id")
    if claim_code is not None:
        _optional_string(claim_code, "claim_code")
    try:
        check_payload(payload)
    except InvalidEvent as exc:
        raise exc.under("payload") from None
    if walk_strings and not storable((device_id, profile_id, claim_code, payload)):
        check_storable({"device_id": device_id, "profile_id": profile_id, "claim_code": claim_code,
                        "payload": payload}, "")
    return event_id, occurred_at  # type: ignore[return-value]  # checked above


def check_storable(value: object, field: str) -> None:
    """Raise InvalidEvent naming the first string under value that holds a surrogate half or NUL."""
    problem = first_unstorable(value, field)
    if problem is not None:
        _fail(*problem)


_this_second: tuple[int, str] = (-1, "")


def now_rfc3339() -> str:
    """Now in UTC, RFC 3339 with an offset and milliseconds: 2026-11-23T13:05:09.120+00:00."""
    global _this_second
    second, millis = divmod(time.time_ns() // 1_000_000, 1000)
    cached_second, text = _this_second  # one tuple: consistent even across threads
    if second != cached_second:  # format the date and time once a second (record() hot path)
        text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        _this_second = (second, text)
    return f"{text}.{millis:03d}+00:00"


_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# Two digits per lookup: the 48-bit millisecond count is spelt in 5 lookups on a small int.
_PAIRS = [a + b for a in _CROCKFORD for b in _CROCKFORD]
# A random byte as a digit: its low 5 bits (uniform, since 256 is a multiple of 32).
_DIGIT_OF_BYTE = bytes(ord(_CROCKFORD[b & 31]) for b in range(256))
_AS_BASE32 = bytes.maketrans(_CROCKFORD.encode(), b"0123456789ABCDEFGHIJKLMNOPQRSTUV")  # for int(x, 32)
_id_lock = threading.Lock()
_last_id = (0, "")  # the last id's milliseconds and its 16 random digits


def new_event_id() -> str:
    """A new ULID-like id: 26 characters of [0-9A-Z], ordered by creation time.

    10 digits of Unix milliseconds, then 16 of randomness (79 bits: the first digit is
    below 16, headroom for counting on within a millisecond).
    """
    global _last_id
    millis = time.time_ns() // 1_000_000
    with _id_lock:
        last_ms, digits = _last_id
        if millis <= last_ms:
            # Same millisecond (or the clock stepped back): stay ordered by counting on.
            millis, digits = last_ms, _count_on(digits)
        else:
            digits = _random_digits()
        _last_id = (millis, digits)
    return (f"{_PAIRS[millis >> 40]}{_PAIRS[(millis >> 30) & 1023]}{_PAIRS[(millis >> 20) & 1023]}"
            f"{_PAIRS[(millis >> 10) & 1023]}{_PAIRS[millis & 1023]}{digits}")


def _random_digits() -> str:
    """16 random digits, the first below 16: spelt from random bytes by one translate,
    a tenth of the instructions of spelling an 80-bit integer ten bits at a time."""
    raw = bytearray(os.urandom(16))
    raw[0] &= 15
    return raw.translate(_DIGIT_OF_BYTE).decode("ascii")


def _count_on(digits: str) -> str:
    """The 16 digits after digits, counting in base 32."""
    value = int(digits.encode("ascii").translate(_AS_BASE32), 32) + 1
    high, low = value >> 40, value & 0xFF_FFFF_FFFF  # two small ints: cheaper shifts
    return (f"{_PAIRS[high >> 30]}{_PAIRS[(high >> 20) & 1023]}{_PAIRS[(high >> 10) & 1023]}"
            f"{_PAIRS[high & 1023]}{_PAIRS[low >> 30]}{_PAIRS[(low >> 20) & 1023]}"
            f"{_PAIRS[(low >> 10) & 1023]}{_PAIRS[low & 1023]}")
