"""Quantities and amounts of receipt documents: the fast paths give what the exact parse gives."""

import pytest

from decimal import Decimal

from bridge.errors import InvalidEvent
from bridge.intake.receipts.normalise import amount_text, quantity_of


@pytest.mark.parametrize("text, expected", [
    ("3", 3), ("03", 3), ("12", 12), (" 2 ", 2), ("-1", -1), ("0.42", 0.42), ("2,5", 2.5),
    ("2.0", 2), ("\u0663", 3), (None, 1), ("", 1), (4, 4), (0.5, 0.5)])
def test_quantities(text, expected):
    got = quantity_of(text, "q")
    assert got == expected and type(got) is type(expected)


@pytest.mark.parametrize("text", ["0", "00", "0.0", "-0", "\u0660"])
def test_a_zero_quantity_is_refused_however_written(text):
    with pytest.raises(InvalidEvent, match="must not be 0"):
        quantity_of(text, "q")


@pytest.mark.parametrize("amount, text", [("12.5", "12.50"), ("-3", "-3.00"), ("0.001", "0.001"),
                                          ("1E+2", "100.00"), ("0.10", "0.10"), ("7.1250", "7.125"),
                                          ("91.71", "91.71"), ("-0.00", "-0.00"), ("007.10", "7.10"),
                                          ("1.00E+1", "10.00"), ("123456789012345678.99", "123456789012345678.99")])
def test_amount_text(amount, text):
    assert amount_text(Decimal(amount)) == text
