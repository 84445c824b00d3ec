"""cardcheck: the one card-number rule the bridge masks by and HQ refuses by."""

from __future__ import annotations

import pytest

from cardcheck import is_card_number, issuer_ok, luhn_ok

# Test numbers the card schemes publish for integration testing (no real account behind them).
CARDS = ["4111111111111111", "4012888888881881", "4222222222222", "5555555555554444", "2223003122003222",
         "378282246310005", "371449635398431", "6011000990139424", "3530111333300000", "36227206271667",
         "6200000000000005"]


@pytest.mark.parametrize("number", CARDS)
def test_published_test_card_numbers_are_card_numbers(number: str) -> None:
    assert luhn_ok(number) and issuer_ok(number) and is_card_number(number)


def test_one_wrong_digit_fails_the_luhn_check() -> None:
    for number in CARDS:
        for i in range(len(number)):
            wrong = number[:i] + str((int(number[i]) + 1) % 10) + number[i + 1:]
            assert not luhn_ok(wrong), wrong


def test_luhn_valid_runs_outside_issuer_ranges_or_lengths_are_not_card_numbers() -> None:
    assert luhn_ok("2018071422729") and not is_card_number("2018071422729")  # a receipt id: no issuer starts 20
    assert not is_card_number("378282246310005" + "0")  # Amex is 15 digits, not 16
    assert not is_card_number("4111111111" + "11")  # 12 digits: too short for any card
    assert not is_card_number("4" * 20)


def test_digits_of_other_scripts_count_as_their_values() -> None:
    arabic_indic = "".join(chr(0x0660 + int(d)) for d in "4111111111111111")
    assert is_card_number(arabic_indic) and luhn_ok(arabic_indic)
