"""Card data never survives: Luhn runs masked to the last four, sensitive fields dropped."""

from bridge.intake.receipts.cardmask import find_card_last4, mask_card_numbers, mask_text, strip_sensitive


def test_card_numbers_in_any_spelling_are_masked_to_the_last_four():
    for text in ("4111111111111111", "4111 1111 1111 1111", "4111-1111-1111-1111",
                 "378282246310005", "6011 0009 9013 9424"):
        masked = mask_text(f"paid with {text} thanks")
        assert masked.startswith("paid with *") and masked.endswith(f"{text[-4:]} thanks")
        assert sum(c.isdigit() for c in masked) == 4


def test_a_card_number_inside_a_longer_spaced_run_is_found():
    assert mask_text("ref 12 4111 1111 1111 1111 ok") == "ref 12 ************1111 ok"


def test_non_card_digits_are_left_alone():
    for text in ("4111111111111112",                 # fails Luhn
                 "0000000000000040000066677",        # 25-digit loyalty id
                 "2017-10-01T02:02:54", "+33 1 23 45 67 89", "order 123456789012"):
        assert mask_text(text) == text


def test_nested_values_ints_and_keys_are_masked_but_gtin_skus_are_kept():
    doc = {"a": [{"b": {"note": "card 4111 1111 1111 1111"}}], "n": 4111111111111111,
           "lines": [{"sku": "4006381333924", "quantity": 1}],  # a Luhn-valid EAN-13
           "4111111111111111": "key"}
    out = mask_card_numbers(doc)
    assert out["a"][0]["b"]["note"] == "card ************1111"
    assert out["n"] == "************1111"
    assert out["lines"][0]["sku"] == "4006381333924"
    assert "************1111" in out
    assert "4111" not in str(out).replace("************1111", "")


def test_sensitive_fields_are_dropped_and_pan_becomes_card_last4():
    tender = {"method": "card", "amount": "10.00", "PAN": "5555 5555 5555 4444", "CVV": "123",
              "Exp-Date": "12/29", "cardholder_name": "A B", "extra": {"Track2": ";4111=29"}}
    out = strip_sensitive(tender)
    assert out == {"method": "card", "amount": "10.00", "extra": {}, "card_last4": "4444"}


def test_last4_from_masked_or_full_numbers():
    assert find_card_last4("XXXXXXXXXXXX1234") == "1234"
    assert find_card_last4("4111 1111 1111 1111") == "1111"
    assert find_card_last4("auth 734277") is None


def test_the_json_text_prechecks_agree_with_the_walks():
    import json

    from bridge.intake.receipts.cardmask import has_card_numbers, has_sensitive_keys

    docs = [{"sku": "4006381333924", "note": "x"}, {"note": "4006381333924"},
            {"lines": [{"SKU": "4111111111111111"}]}, {"a": ["12 4111-1111-1111-1111"]},
            {"n": 4111111111111111}, {"ref": "0000000000000040000066677"}, {"t": "2026-11-23 14:05"},
            {"tenders": [{"Card-Holder": "A"}]}, {"expires": 1, "panel": "span"}]
    for doc in docs:
        text = json.dumps(doc)
        assert has_card_numbers(text) == (mask_card_numbers(doc) != doc), doc
        assert has_sensitive_keys(text) == (strip_sensitive(doc) != doc), doc


def test_only_issuer_ranges_of_a_card_length_are_cards():
    # the rule itself is cardcheck's (tests/test_cardcheck.py); the masking follows it
    assert mask_text("receipt 2018-07-14-2-2729") == "receipt 2018-07-14-2-2729"  # 13 Luhn-valid digits
    assert mask_text("amex 3782 822463 10005 0") == "amex ***********0005 0"


def test_card_numbers_in_other_scripts_digits_are_masked_too():
    arabic_indic = "".join(chr(0x0660 + int(d)) for d in "4111111111111111")
    assert mask_text(f"paid {arabic_indic}") == "paid ************" + arabic_indic[-4:]


def test_ids_skus_and_loyalty_accounts_are_never_masked_but_tenders_are():
    doc = {"receipt_id": "4111111111111111", "loyalty_token": "6275980012345672",
           "lines": [{"sku": "4111111111111111", "description": "gift 4111 1111 1111 1111"}],
           "tenders": [{"method": "card", "reference_id": "4111111111111111"}]}
    out = mask_card_numbers(doc)
    assert out["receipt_id"] == "4111111111111111" and out["loyalty_token"] == "6275980012345672"
    assert out["lines"][0] == {"sku": "4111111111111111", "description": "gift ************1111"}
    assert out["tenders"][0]["reference_id"] == "************1111"


def test_a_csv_missing_columns_names_them_as_missing_and_lists_the_required():
    import io

    from bridge.intake.receipts.csv_format import read_csv

    (problem,) = read_csv(io.StringIO("receipt_id,sku,quantity\n"), "day.csv")
    assert str(problem) == ("day.csv:1: header: missing required columns register_id, occurred_at, total "
                            "(required: receipt_id, register_id, occurred_at, sku, quantity, total; "
                            "each line also needs unit_price or line_total)")
