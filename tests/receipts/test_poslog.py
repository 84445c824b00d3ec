"""POSLog reading: the real SMALL.xml sample, 6.x exports, voids, and hostile or broken XML."""

import io

import pytest

from bridge.intake.receipts.model import Problem, Skipped, SourceDoc
from bridge.intake.receipts.poslog import read_poslog

from .conftest import EAN, SAMPLES, flat
from .poslog_samples import BILLION_LAUGHS, EXTERNAL_ENTITY, POSLOG_6, QUADRATIC, TRUNCATED


def parse(data: bytes | str, name: str = "t.xml") -> list:
    raw = data.encode() if isinstance(data, str) else data
    return list(read_poslog(io.BytesIO(raw), name, store_id="paris-marais", currency="EUR"))


def test_small_sample_gives_one_receipt_and_nothing_for_the_sign_on():
    items = parse((SAMPLES / "SMALL.xml").read_bytes(), "SMALL.xml")
    docs = [i for i in items if isinstance(i, SourceDoc)]
    assert [type(i) for i in items] == [Skipped, SourceDoc]
    assert "ControlTransaction" in items[0].reason
    doc = flat(docs[0].doc)
    assert doc["lines"] == [{"sku": "00000000067591", "quantity": 0.42, "unit_price": "2.99",
                             "total": "1.26", "description": "APPLE HONEYCRISP ORG"}]
    assert doc["tenders"] == [{"method": "card", "amount": "1.07"}]
    assert (doc["total"], doc["tax"], doc["currency"]) == ("1.07", "0.00", "USD")
    assert doc["register_id"] == "34" and doc["receipt_id"] == "2017-09-30-34-161"
    assert doc["loyalty_token"] == "0000000000000040000066677"
    assert doc["id"].startswith("pl-") and len(doc["id"]) <= 64


def test_ids_are_deterministic_per_store_workstation_day_and_sequence():
    first = parse((SAMPLES / "SMALL.xml").read_bytes())[1].doc["id"]
    again = parse((SAMPLES / "SMALL.xml").read_bytes())[1].doc["id"]
    other = parse((SAMPLES / "SMALL.xml").read_bytes().replace(b"<SequenceNumber>161<", b"<SequenceNumber>162<"))
    assert first == again != other[1].doc["id"]


def test_6x_export_lines_returns_tenders_loyalty_and_voids():
    items = parse(POSLOG_6.format(ean=EAN))
    assert [type(i) for i in items] == [SourceDoc, Skipped, Skipped]
    assert "Voided" in items[1].reason and "CancelFlag" in items[2].reason
    doc = flat(items[0].doc)
    assert [(x["sku"], x["quantity"], x["unit_price"], x["total"]) for x in doc["lines"]] == [
        (EAN, 2, "129.00", "258.00"), ("RM-1001-S-BLK", -1, "129.00", "-129.00")]
    assert doc["tenders"] == [{"method": "card", "amount": "100.00", "card_last4": "4242"},
                              {"method": "cash", "amount": "29.00"}]
    assert (doc["total"], doc["tax"], doc["subtotal"]) == ("129.00", "21.50", "107.50")
    assert doc["loyalty_token"] == "LOY-778899"
    assert doc["occurred_at"] == "2026-11-23T14:05:09+01:00"


@pytest.mark.parametrize("hostile", [BILLION_LAUGHS, QUADRATIC, EXTERNAL_ENTITY], ids=["laughs", "quadratic", "xxe"])
def test_entity_tricks_are_refused_before_expanding(hostile):
    items = parse(hostile, "evil.xml")
    assert len(items) == 1 and isinstance(items[0], Problem)
    assert items[0].where == "evil.xml:2" and "DTD" in items[0].reason


@pytest.mark.parametrize("late", ['<!DOCTYPE POSLog [<!ENTITY big "xxxxxxxxxx">]>',
                                  '<!ENTITY big "xxxxxxxxxx">', "&big;"], ids=["doctype", "entity", "reference"])
def test_dtd_or_entity_after_the_root_is_refused_in_a_later_chunk(late):
    # The guard reads only the prolog; what follows the root must still be refused, never expanded.
    sale = POSLOG_6.format(ean=EAN)
    cut = sale.index("</POSLog>")
    raw = (sale[:cut] + f"<Description>{late}</Description>" + sale[cut:]).encode()
    items = list(read_poslog(io.BytesIO(raw), "late.xml", store_id="paris-marais", currency="EUR",
                             chunk_bytes=64))
    assert isinstance(items[-1], Problem) and "invalid XML" in items[-1].reason
    assert not any("xxxxxxxxxx" in str(getattr(i, "doc", "")) for i in items)


def test_truncated_file_names_the_line():
    items = parse(TRUNCATED, "cut.xml")
    assert isinstance(items[-1], Problem)
    assert str(items[-1]).startswith("cut.xml:7: invalid XML")


def test_bad_amount_names_the_element():
    bad = POSLOG_6.format(ean=EAN).replace("<Quantity>2</Quantity>", "<Quantity>two</Quantity>")
    problem = parse(bad)[0]
    assert isinstance(problem, Problem)
    assert str(problem).startswith("t.xml:Transaction[1](SequenceNumber 5001): LineItem[0].Sale.Quantity: ")


@pytest.mark.parametrize("chunk_bytes", [7, 64, 333, 65536])
def test_a_transaction_split_across_read_chunks_keeps_its_loyalty_id_flags_and_status(chunk_bytes):
    # The reader notes which element names each transaction holds as it strips namespaces, to
    # skip looking for what is not there; a transaction cut across reads must keep all of them.
    raw = (SAMPLES / "ixretail-cases.xml").read_bytes()
    items = list(read_poslog(io.BytesIO(raw), "x.xml", store_id="s", currency="EUR", chunk_bytes=chunk_bytes))
    whole = list(read_poslog(io.BytesIO(raw), "x.xml", store_id="s", currency="EUR"))
    assert items == whole
    assert [i.reason for i in items if isinstance(i, Skipped)] == [
        "training mode (TrainingModeFlag)", "suspended (TransactionStatus Suspended)", "empty (no sale line)",
        "no sale (the drawer was opened)", "cancelled (CancelFlag)"]  # an attribute, then elements
    assert flat([i for i in items if isinstance(i, SourceDoc)][0].doc)["loyalty_token"] == "6275980012345672"
