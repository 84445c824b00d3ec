"""What a payment card number is: 13 to 19 digits, an issuer's range and length, the Luhn check.

    is_card_number("4111111111111111")   # True
    is_card_number("2018071422729")      # False: passes Luhn, but no issuer starts with 20

The bridge masks what this calls a card number (bridge/intake/receipts/cardmask.py) and HQ
refuses it in a receipt's tenders (hq/validation.py): one definition, so HQ never refuses
what the bridge lets through. bridge/ and hq/ may not import each other, so it lives here,
a leaf package that imports neither (nor anything else of ours).
"""

from __future__ import annotations

MIN_DIGITS, MAX_DIGITS = 13, 19  # the shortest and longest card numbers issued (ISO/IEC 7812)

__all__ = ["MAX_DIGITS", "MIN_DIGITS", "is_card_number", "issuer_ok", "luhn_ok"]


def _ascii(digits: str) -> str:
    """digits in ASCII: callers find runs with the regex \\d, which also matches other scripts' digits."""
    return digits if digits.isascii() else "".join(str(int(ch)) for ch in digits)


def luhn_ok(digits: str) -> bool:
    """True when the digit string (any script's decimal digits) passes the Luhn check."""
    total = 0
    for i, ch in enumerate(reversed(_ascii(digits))):
        d = ord(ch) - 48  # int(ch) per digit is several times slower
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def issuer_ok(digits: str) -> bool:
    """True when digits start with a card issuer's range and have a length it issues."""
    digits = _ascii(digits)
    n, p2, p3, p4 = len(digits), int(digits[:2]), int(digits[:3]), int(digits[:4])
    if digits[0] == "4":  # Visa
        return n in (13, 16, 19)
    if 51 <= p2 <= 55 or 2221 <= p4 <= 2720:  # Mastercard
        return n == 16
    if p2 in (34, 37):  # American Express
        return n == 15
    if 2200 <= p4 <= 2204:  # Mir
        return 16 <= n <= 19
    if p2 == 36 or 300 <= p3 <= 305 or p2 in (38, 39):  # Diners Club
        return 14 <= n <= 19
    if 3528 <= p4 <= 3589:  # JCB
        return 16 <= n <= 19
    if p4 == 6011 or 644 <= p3 <= 649 or p2 in (62, 65, 81):  # Discover, UnionPay
        return 16 <= n <= 19
    return p2 in (50, 56, 57, 58, 63, 67) or p2 == 60  # Maestro and other debit schemes


def is_card_number(digits: str) -> bool:
    """True when a digit string can be a payment card number (length, issuer range, Luhn)."""
    digits = _ascii(digits)
    return MIN_DIGITS <= len(digits) <= MAX_DIGITS and issuer_ok(digits) and luhn_ok(digits)
