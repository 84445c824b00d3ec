"""Every file of the POSLog corpus (tests/data/poslog) read into the receipts checked by hand."""

import io
from collections import Counter
from zoneinfo import ZoneInfo

from bridge.intake.receipts.model import Problem, Skipped, SourceDoc
from bridge.intake.receipts.poslog import read_poslog

from .conftest import SAMPLES, flat


def read(name: str, currency: str = "EUR", zone: str = "UTC") -> list:
    data = (SAMPLES / name).read_bytes()
    return list(read_poslog(io.BytesIO(data), name, store_id="s", currency=currency, zone=ZoneInfo(zone)))


def money(doc: dict) -> tuple:
    return doc["currency"], doc["total"], doc["tax"], doc["tax_included"], doc.get("discount")


def test_chilean_tlog_total_is_the_vat_inclusive_transaction_amount_total():
    (sale,) = read("chile-kiosk-tlog.xml", currency="CLP", zone="America/Santiago")
    doc = flat(sale.doc)
    # 116,990 + 11,990 = 128,980, VAT 19,797 + 1,914 = 21,711 already inside: not 150,691.
    assert money(doc) == ("CLP", "128980.00", "21711.00", True, None)
    assert doc["subtotal"] == "107269.00" and "total_mismatch" not in doc
    assert [(x["sku"], x["total"]) for x in doc["lines"]] == [("1136442", "116990.00"), ("111161", "11990.00")]
    # The card number is reduced to its last four; the store account number is not a card.
    assert doc["tenders"] == [{"method": "other", "amount": "128980.00", "card_last4": "1111"}]
    assert doc["occurred_at"] == "2020-11-02T17:49:54-03:00"  # the store's zone, summer time


def test_retalix_currency_comes_from_the_amounts_and_its_line_tax_is_kept():
    (sale,) = read("retalix-arts6.xml", currency="EUR")
    doc = flat(sale.doc)
    assert money(doc) == ("GBP", "3.96", "0.66", True, None)
    assert doc["tenders"] == [{"method": "card", "amount": "3.96", "card_last4": "0010"}]
    assert [x["sku"] for x in doc["lines"]] == ["5012345678900", "5000000000017"]


def test_wincor_void_line_cancels_the_line_it_names_and_an_all_voided_sale_is_skipped():
    sale, empty = read("wincor-void.xml", zone="Asia/Dubai")
    doc = flat(sale.doc)
    assert [(x["sku"], x["total"]) for x in doc["lines"]] == [("33", "15.00")]  # 21.00 voided
    assert money(doc) == ("AED", "15.00", "0.00", False, None)
    assert doc["tenders"] == [{"method": "cash", "amount": "15.00"}]  # 20 handed over, 5 back
    assert doc["receipt_id"] == "2018-07-14-2-2729"
    assert doc["occurred_at"] == "2018-07-14T14:25:39+04:00"
    assert isinstance(empty, Skipped) and empty.reason == "empty (every line voided)"


def test_ixretail_cases_each_recorded_or_skipped_with_its_reason():
    items = read("ixretail-cases.xml", zone="Europe/Paris")
    reasons = [i.reason for i in items if isinstance(i, Skipped)]
    assert reasons == ["training mode (TrainingModeFlag)", "suspended (TransactionStatus Suspended)",
                       "empty (no sale line)", "no sale (the drawer was opened)", "cancelled (CancelFlag)"]
    sale, flagged = [flat(i.doc) for i in items if isinstance(i, SourceDoc)]
    # 258.00 - 25.80 (line) - 129.00 (return) - 10.00 (coupon) = 93.20, VAT inside.
    assert money(sale) == ("EUR", "93.20", "15.53", True, "35.80")
    assert [(x["quantity"], x["total"]) for x in sale["lines"]] == [(2, "258.00"), (-1, "-129.00")]
    assert sale["tenders"] == [{"method": "cash", "amount": "93.20"}]  # 100.00 less 6.80 change
    assert sale["loyalty_token"] == "6275980012345672"  # the account, not the constant CustomerID
    assert sale["occurred_at"] == "2026-11-23T18:30:00+01:00"
    # The parts disagree: the till's own total, flagged with the figures.
    assert (flagged["total"], flagged["tenders"][0]["card_last4"]) == ("70.00", "1111")
    assert flagged["lines"][0]["description"] == "Paid by phone, card ************1111"
    assert flagged["total_mismatch"] == ("lines 50.00 + tax 10.00 = 60.00 (or 50.00 with tax included), "
                                         "but the till's total is 70.00")


def test_a_day_of_ncr_acs_every_sale_adds_up():
    items = read("NCR-ACS-day.xml")
    assert Counter(type(i).__name__ for i in items) == {"SourceDoc": 42, "Skipped": 9}
    docs = {i.doc["payload"]["receipt_id"]: flat(i.doc) for i in items if isinstance(i, SourceDoc)}
    assert not [d["receipt_id"] for d in docs.values() if "total_mismatch" in d]
    first = docs["2017-10-01-31-114"]  # six lines, tax added on top
    assert money(first) == ("USD", "20.45", "0.94", False, None) and len(first["lines"]) == 6
    rewarded = docs["2017-10-01-1-377"]  # a 10 % member reward, summarised once by the till
    assert money(rewarded) == ("USD", "202.84", "2.46", False, "22.26")
    assert rewarded["loyalty_token"] == "0000000000000002067842957"
    voided = docs["2017-10-01-31-115"]  # a weighed line voided by a negative copy of it
    assert "-4.40" not in [x["total"] for x in voided["lines"]]
    assert "4.40" not in [x["total"] for x in voided["lines"]]
    change = docs["2017-10-01-34-100"]  # 20.00 cash, 2.62 given back on a line of its own
    assert change["tenders"] == [{"method": "cash", "amount": "17.38"}]
    cashback = docs["2017-10-01-32-117"]  # debit card with 50.00 cash back
    assert cashback["tenders"] == [{"method": "card", "amount": "55.58"}, {"method": "cash", "amount": "-50.00"}]
    skipped = Counter(i.reason for i in items if isinstance(i, Skipped))
    assert skipped == {"not a sale (ControlTransaction)": 7, "no sale (the drawer was opened)": 2}


def test_no_corpus_file_is_refused():
    for path in sorted(SAMPLES.glob("*.xml")):
        assert not [i for i in read(path.name) if isinstance(i, Problem)], path.name
