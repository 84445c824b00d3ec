"""Money as exact integers: a contract decimal string in millionths, and back.

    to_micros("129.90")   # -> 129_900_000
    from_micros(129_900_000)  # -> "129.90"
"""

from __future__ import annotations

from decimal import Decimal

MICROS = 1_000_000  # the contract allows up to 6 decimals: millionths hold every amount exactly


def to_micros(amount: str) -> int:
    """A contract amount ("129.90", "-5") as an integer number of millionths."""
    whole, _, frac = amount.partition(".")
    sign = -1 if whole.startswith("-") else 1
    return sign * (abs(int(whole)) * MICROS + int((frac + "000000")[:6]))


def from_micros(micros: int) -> str:
    """Millionths as a decimal string with at least two decimals ("129.90", "0.125")."""
    text = f"{Decimal(micros).scaleb(-6):f}"
    if "." in text:
        text = text.rstrip("0")
    whole, _, frac = text.partition(".")
    return f"{whole}.{frac:0<2}"
