"""Check a till's grand total against its parts: lines, discounts and tax (included or not).

    check = reconcile(Parts(lines=Decimal("128980"), tax=Decimal("21711"), grand=Decimal("128980")))
    check.tax_included  # -> True (the lines already hold the VAT)

The total recorded is always the till's own; when no reading of the parts gives it,
`mismatch` says so in words, and the receipt is recorded with that flag.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from bridge.intake.receipts.normalise import amount_text

ZERO = Decimal(0)


@dataclass(frozen=True)
class Parts:
    """What a transaction says about its money; grand is None when the till wrote no total."""

    lines: Decimal
    tax: Decimal = ZERO
    grand: Decimal | None = None
    line_discounts: Decimal = ZERO  # discounts written on lines, maybe already in their totals
    discounts: Decimal = ZERO  # transaction discounts, not in the line totals
    rounding: Decimal = ZERO


@dataclass(frozen=True)
class Check:
    """The total to record and how the parts add up to it."""

    total: Decimal
    tax_included: bool
    discount: Decimal  # every discount taken off the lines to reach the total
    mismatch: str = ""  # why the parts do not add up to the till's total; "" when they do
    computed: bool = False  # the file has no grand total: computed from the parts


def reconcile(parts: Parts) -> Check:
    """The till's total, checked against each way a dialect may count tax and line discounts."""
    p = parts
    readings = [(False, False), (True, False), (False, True), (True, True)]  # (tax included, line discounts open)
    if p.grand is None:
        total = p.lines - p.discounts + p.tax + p.rounding
        return Check(total, False, p.discounts, computed=True)
    for included, open_lines in readings:
        if open_lines and not p.line_discounts:
            continue
        discount = p.discounts + (p.line_discounts if open_lines else ZERO)
        total = p.lines - discount + (ZERO if included else p.tax) + p.rounding
        if total == p.grand:
            return Check(p.grand, included and p.tax != ZERO, discount)
    return Check(p.grand, False, p.discounts, mismatch=_why(p))


def _why(p: Parts) -> str:
    """The disagreement in words, with the figures a person would check by hand."""
    parts = [f"lines {amount_text(p.lines)}"]
    if p.discounts:
        parts.append(f"- discounts {amount_text(p.discounts)}")
    if p.line_discounts:
        parts.append(f"(line discounts {amount_text(p.line_discounts)})")
    parts.append(f"+ tax {amount_text(p.tax)}")
    if p.rounding:
        parts.append(f"+ rounding {amount_text(p.rounding)}")
    plain = p.lines - p.discounts + p.tax + p.rounding
    return (f"{' '.join(parts)} = {amount_text(plain)} (or {amount_text(plain - p.tax)} with tax included), "
            f"but the till's total is {amount_text(p.grand)}")  # type: ignore[arg-type]
