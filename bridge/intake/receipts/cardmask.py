"""Keep card data out of receipts: mask card numbers, drop track data, CVV, expiry and names.

    doc = strip_sensitive(mask_card_numbers(doc))

A card number is a run of 13 to 19 digits, written whole or in groups separated by
single spaces or dashes, that starts with a card issuer's range, has a length that
issuer uses and passes the Luhn check (cardcheck.is_card_number, which HQ applies
too). It becomes its last four digits behind
asterisks: "4111 1111 1111 1111" -> "************1111". Identifiers (ids, SKUs,
GTINs, loyalty accounts) are never masked: a card number is not written there.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from cardcheck import MAX_DIGITS, MIN_DIGITS, is_card_number

# At least 13 digits, in groups joined by at most one space or dash, not touching other digits.
_RUN = re.compile(r"(?<!\d)\d(?:[ -]?\d){12,}(?!\d)")
_MIN, _MAX = MIN_DIGITS, MAX_DIGITS

# Keys whose values are identifiers (item codes, receipt and loyalty ids): a digit run
# there is not a card number, and masking it would corrupt the id. So is any "*_id" key.
ID_KEYS = frozenset({"id", "sku", "ean", "gtin", "upc", "loyalty_token", "loyalty_account",
                     "account_number", "reference"})

# Dropped outright (compared after lower-casing and turning "-" and " " into "_").
SENSITIVE_KEYS = frozenset({
    "track1", "track2", "track3", "track_data", "trackdata", "track_1", "track_2",
    "cvv", "cvc", "cvv2", "cvc2", "cid", "security_code", "securitycode",
    "expiry", "expiry_date", "exp_date", "expdate", "exp_month", "exp_year",
    "expiration", "expiration_date",
    "cardholder", "cardholder_name", "card_holder", "card_holder_name", "name_on_card",
})
# Full card numbers by key: reduced to card_last4 on the enclosing object, then dropped.
PAN_KEYS = frozenset({"pan", "card_number", "cardnumber", "primary_account_number"})


def gtin_ok(digits: str) -> bool:
    """True when digits is a GTIN-8/12/13/14 with a valid check digit."""
    if len(digits) not in (8, 12, 13, 14):
        return False
    body, check = digits[:-1], ord(digits[-1]) - 48
    total = sum((ord(c) - 48) * (3 if i % 2 == 0 else 1) for i, c in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


_is_card = is_card_number


def is_id_key(key: str | None) -> bool:
    """True for keys whose values are identifiers, never card numbers."""
    return key is not None and (key in ID_KEYS or key.endswith("_id"))


def _masked(digits: str) -> str:
    return "*" * (len(digits) - 4) + digits[-4:]


def _mask_run(run: str) -> str:
    """Mask a run of digit groups whole, or any card-number span of consecutive groups in it."""
    digits = re.sub(r"[ -]", "", run)
    if _is_card(digits):
        return _masked(digits)
    groups = re.split(r"([ -])", run)  # digits, sep, digits, sep, ...
    nums = groups[0::2]
    if len(nums) == 1:
        return run
    out = list(groups)
    i = 0
    while i < len(nums):
        best, span = 0, ""
        for j in range(i, len(nums)):  # grow the span while it can still be a card number
            span += nums[j]
            if len(span) > _MAX:
                break
            if _is_card(span):
                best = j + 1
        if best:
            out[2 * i] = _masked("".join(nums[i:best]))
            for k in range(2 * i + 1, 2 * best - 1):
                out[k] = ""
            i = best
        else:
            i += 1
    return "".join(out)


# Thirteen digits, maybe with separators: anything without this holds no card number.
_CANDIDATE = re.compile(r"\d(?:[ -]?\d){12}")


def mask_text(text: str) -> str:
    """Return text with every card number in it masked to its last four digits."""
    if len(text) < _MIN or _CANDIDATE.search(text) is None:
        return text
    return _RUN.sub(lambda m: _mask_run(m.group(0)), text)


# A number already masked: four or more mask characters, then the last four digits.
_MASKED_LAST4 = re.compile(r"[*Xx#\u2022]{4,}[ -]?(\d{4})(?!\d)")
_SEPARATORS = str.maketrans("", "", " -")


def find_card_last4(text: str) -> str | None:
    """The last four digits of the first card number (or already-masked number) in text."""
    for m in _RUN.finditer(text):
        digits = m.group(0).translate(_SEPARATORS)
        if _is_card(digits):
            return digits[-4:]
    m = _MASKED_LAST4.search(text)
    return m.group(1) if m else None


def _mask_value(value: Any, key: str | None, tender: bool = False) -> Any:
    """Mask value; ids are left alone, except inside a tender, where a card number can be anywhere."""
    if not tender and is_id_key(key) and not isinstance(value, (dict, list, tuple)):
        return value
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        text = str(value)
        return _masked(text) if _is_card(text) else value
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            name = k.lower() if isinstance(k, str) else None
            out[mask_text(k) if isinstance(k, str) else k] = _mask_value(v, name, tender or name == "tenders")
        return out
    if isinstance(value, (list, tuple)):
        return [_mask_value(v, key, tender) for v in value]
    return value


def mask_card_numbers(obj: Any, *, keep_id: bool = False) -> Any:
    """Return a copy of obj (dicts, lists, strings, ints at any depth) with card numbers masked.

    With keep_id, a top-level "id" is left as is: it is an idempotency key, and a
    producer's numeric id may happen to pass the Luhn check.
    """
    if keep_id and isinstance(obj, dict) and "id" in obj:
        out = _mask_value({k: v for k, v in obj.items() if k != "id"}, None)
        return {"id": obj["id"], **out}
    return _mask_value(obj, None)


@functools.lru_cache(maxsize=4096)
def _norm_key(key: str) -> str:
    return key.lower().replace("-", "_").replace(" ", "_")


def strip_sensitive(obj: Any) -> Any:
    """Return a copy of obj without track data, CVV, expiry or cardholder fields at any depth.

    A full card number under a key such as "pan" or "card_number" becomes "card_last4"
    on the same object (unless one is already there) and the key is dropped.
    """
    if isinstance(obj, list):
        return [strip_sensitive(v) for v in obj]
    if not isinstance(obj, dict):
        return obj
    out: dict = {}
    last4 = None
    for key, value in obj.items():
        norm = _norm_key(key) if isinstance(key, str) else key
        if norm in SENSITIVE_KEYS:
            continue
        if norm in PAN_KEYS:
            text = str(value)
            last4 = find_card_last4(text) or last4
            if last4 is None:
                digits = re.sub(r"\D", "", text)
                last4 = digits[-4:] if len(digits) >= 4 else None
            continue
        out[key] = strip_sensitive(value)
    if last4 and not out.get("card_last4"):
        out["card_last4"] = last4
    return out


# Every key strip_sensitive acts on, as json.dumps writes it once lower-cased with
# "-" and " " turned into "_" (the same folding as _norm_key).
_JSON_KEYS = re.compile("|".join(re.escape(f'"{k}":') for k in sorted(SENSITIVE_KEYS | PAN_KEYS)))
# A value under an identifier key, as json.dumps writes it: exempt from masking.
_ID_JSON = re.compile(r'"(?:' + "|".join(sorted(ID_KEYS)) + r'|[^"]*_id)": (?:"(?:[^"\\]|\\.)*"|-?\d+)',
                      re.IGNORECASE)


def has_sensitive_keys(json_text: str) -> bool:
    """True when a JSON text (from json.dumps) may have a key strip_sensitive acts on; a cheap pre-check."""
    folded = json_text.lower().replace("-", "_").replace(" ", "_")
    return _JSON_KEYS.search(folded) is not None


def has_card_numbers(json_text: str) -> bool:
    """True when mask_card_numbers would change the object json.dumps wrote as json_text.

    Digits, spaces and dashes are never escaped in JSON, so a card number in any value
    or key shows in the text; values under identifier keys are left out, as the walk does.
    """
    if _CANDIDATE.search(json_text) is None:
        return False
    text = json_text if '"tenders"' in json_text.lower() else _ID_JSON.sub("", json_text)
    for m in _RUN.finditer(text):  # what mask_text would change, without building its result
        run = m.group(0)
        if run.isdigit():
            if is_card_number(run):
                return True
        elif _mask_run(run) != run:
            return True
    return False
