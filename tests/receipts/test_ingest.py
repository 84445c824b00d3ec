"""Ingest into a real bridge: card data masked on disk and on the wire, idempotent exports,
local stock, shopper linking, and errors that name the line."""

import json
import time
from datetime import datetime

import pytest

from bridge.intake.ingest import ingest_path
from bridge.intake.receipts.recording import receive_documents

from .conftest import EAN, SAMPLES, SKU, bodies, on_hand, seed
from .poslog_samples import POSLOG_6

PAN = "4111 1111 1111 1111"


def receipt(**extra) -> dict:
    doc = {"receipt_id": "R-1", "register_id": "pos-1", "occurred_at": "2026-11-23T14:05:09+01:00",
           "lines": [{"sku": SKU, "quantity": 1, "unit_price": {"amount": "129.00", "currency": "EUR"},
                      "total": {"amount": "129.00", "currency": "EUR"}}],
           "subtotal": {"amount": "107.50", "currency": "EUR"}, "tax": {"amount": "21.50", "currency": "EUR"},
           "total": {"amount": "129.00", "currency": "EUR"},
           "tenders": [{"method": "card", "amount": {"amount": "129.00", "currency": "EUR"}}]}
    doc.update(extra)
    return doc


def test_card_numbers_never_reach_the_database_file_or_hq(open_bridge, tmp_path, capturing_hq):
    bridge = seed(open_bridge(hq_url=capturing_hq.url))
    doc = receipt(note=f"customer read out {PAN} at the till")
    doc["tenders"][0].update(reference=PAN, cvv="123", expiry="12/29")
    path = tmp_path / "r.json"
    path.write_text(json.dumps(doc))

    report = ingest_path(bridge, path)

    assert (report.recorded, report.errors) == (1, [])
    stored = bodies(bridge)[0]
    assert stored["payload"]["tenders"][0]["card_last4"] == "1111"
    assert stored["payload"]["note"] == "customer read out ************1111 at the till"
    assert "cvv" not in stored["payload"]["tenders"][0] and "expiry" not in stored["payload"]["tenders"][0]
    for f in tmp_path.glob("bridge.db*"):  # the database and its -wal
        data = f.read_bytes()
        assert b"4111111111111111" not in data and PAN.encode() not in data, f.name
    report = bridge.sync(pull=False)
    assert report.acked == 1
    sent = b"".join(capturing_hq.bodies)
    assert b'"card_last4":"1111"' in sent.replace(b" ", b"")
    assert b"4111111111111111" not in sent and PAN.encode() not in sent


def test_small_sample_records_one_receipt_for_1_07_usd(bridge):
    report = ingest_path(bridge, SAMPLES / "SMALL.xml")
    assert (report.recorded, report.skipped, report.errors) == (1, 1, [])
    event = bodies(bridge)[0]
    assert event["type"] == "receipt" and event["device_id"] == "34"
    assert event["payload"]["total"] == {"amount": "1.07", "currency": "USD"}
    assert event["payload"]["lines"][0]["quantity"] == 0.42
    assert event["payload"]["tenders"] == [{"method": "card", "amount": {"amount": "1.07", "currency": "USD"}}]
    assert event["payload"]["loyalty_token"] == "0000000000000040000066677"


def test_same_export_twice_is_recorded_once_and_stock_moves_once(bridge, tmp_path):
    path = tmp_path / "day.xml"
    path.write_text(POSLOG_6.format(ean=EAN))
    first = ingest_path(bridge, path)
    second = ingest_path(bridge, path)
    assert (first.recorded, first.duplicates, first.skipped) == (1, 0, 2)
    assert (second.recorded, second.duplicates) == (0, 1)
    assert len(bodies(bridge)) == 1
    payload = bodies(bridge)[0]["payload"]
    assert [line["sku"] for line in payload["lines"]] == [SKU, "RM-1001-S-BLK"]  # EAN mapped to the SKU
    assert on_hand(bridge) == 5 - 2  # sold two, once
    assert on_hand(bridge, "RM-1001-S-BLK") == 1  # one returned


def test_a_sale_takes_stock_and_a_return_gives_it_back(bridge):
    receive_documents(bridge, [receipt()])
    assert on_hand(bridge) == 4
    back = receipt(receipt_id="R-2", lines=[{"sku": SKU, "quantity": -1, "unit_price": "129.00",
                                             "total": "-129.00"}], total="-129.00", subtotal="-107.50",
                   tax="-21.50", tenders=[])
    assert receive_documents(bridge, [back])[0]["status"] == "accepted"
    assert on_hand(bridge) == 5


def test_an_absurd_quantity_is_one_rejected_receipt_and_the_others_move_stock(bridge):
    # 2**64 pieces would overflow the 64-bit stock column and fail the whole transaction.
    huge = receipt(receipt_id="R-2", lines=[{"sku": SKU, "quantity": str(2**64), "unit_price": "0.00",
                                              "total": "0.00"}], total="0.00", subtotal="0.00", tax="0.00",
                   tenders=[])
    results = receive_documents(bridge, [huge, receipt()])
    assert [r["status"] for r in results] == ["rejected", "accepted"]
    assert results[0]["error"].startswith("lines[0].quantity: ")
    assert on_hand(bridge) == 4


@pytest.mark.parametrize("find, put, error", [
    ("<CurrencyCode>EUR</CurrencyCode>", "<CurrencyCode>eur</CurrencyCode>",
     "CurrencyCode: must be 3 capital letters like \"EUR\", got 'eur'"),
    ("2026-11-23T14:05:09+01:00", "yesterday", "EndDateTime: not an ISO 8601 / RFC 3339 timestamp: 'yesterday'"),
    ("<Quantity>2</Quantity>", "<Quantity>0.000</Quantity>", "lines[0].quantity: must be a non-zero number"),
    ("<Quantity>2</Quantity>", "<Quantity>1E+999999</Quantity>", "lines[0].quantity: must be a non-zero number"),
    ("258.00</ExtendedAmount>", "258.0000001</ExtendedAmount>", "lines[0].total.amount: must be a decimal string"),
], ids=["currency", "time", "zero", "endless", "finer-than-contract"])
def test_a_bad_poslog_value_is_refused_naming_its_field_and_the_next_sale_is_kept(bridge, tmp_path, find, put, error):
    # The reader builds contract events itself: its values are checked once, by the contract.
    sale = POSLOG_6.format(ean=EAN)
    first = sale[sale.index("<Transaction>"):sale.index("</Transaction>") + len("</Transaction>")]
    second = first.replace("<SequenceNumber>5001<", "<SequenceNumber>5004<")
    path = tmp_path / "day.xml"
    path.write_text(sale.replace(first, first.replace(find, put, 1) + second))
    report = ingest_path(bridge, path)
    assert report.recorded == 1 and len(report.errors) == 1
    assert report.errors[0].startswith(f"day.xml:Transaction[1](SequenceNumber 5001): {error}")
    assert [e["payload"]["receipt_id"] for e in bodies(bridge)] == ["2026-11-23-R2-5004"]


def test_a_valid_app_token_links_the_profile_and_is_not_forwarded(bridge, keys):
    bridge.state.set_jwks(keys.jwks)
    sale_time = time.time() - 3 * 3600  # exported hours later: checked at the time of the sale
    token = keys.token("prof-42", iat=sale_time - 30)
    at = datetime.fromtimestamp(sale_time).astimezone().isoformat()
    results = receive_documents(bridge, [receipt(loyalty_token=token, occurred_at=at),
                                         receipt(receipt_id="R-2", loyalty_token="LOY-778899"),
                                         receipt(receipt_id="R-3", loyalty_token=keys.token("x", iat=0))])
    assert [r["status"] for r in results] == ["accepted"] * 3
    linked, loyal, expired = bodies(bridge)
    assert linked["profile_id"] == "prof-42" and "loyalty_token" not in linked["payload"]
    assert loyal["profile_id"] is None and loyal["payload"]["loyalty_token"] == "LOY-778899"
    assert expired["profile_id"] is None and "loyalty_token" not in expired["payload"]


def test_receive_documents_reports_each_document(bridge):
    results = receive_documents(bridge, [receipt(), receipt(), receipt(receipt_id="R-9", lines=[{"sku": ""}]),
                                         "nope"])
    assert [r["status"] for r in results] == ["accepted", "duplicate", "rejected", "rejected"]
    assert results[0]["id"] == results[1]["id"]
    assert results[2]["error"] == "lines[0].sku: required (a non-empty string)"


def test_csv_bad_row_names_line_and_column_and_good_receipts_are_kept(bridge, tmp_path):
    path = tmp_path / "sales.csv"
    path.write_text(
        "receipt_id,register_id,occurred_at,sku,quantity,unit_price,line_total,currency,total,tender_method,tender_amount\n"
        f"A1,pos-1,2026-11-23T10:00:00+01:00,{SKU},1,129.00,129.00,EUR,139.00,card,139.00\n"
        "A1,pos-1,,RM-1001-S-BLK,1,10.00,10.00,,,,\n"
        "B2,pos-1,2026-11-23T10:05:00+01:00,RM-1001-S-BLK,abc,10.00,,EUR,10.00,cash,10.00\n"
        "C3,pos-1,2026-11-23T10:06:00+01:00,RM-1001-S-BLK,1,\"12,50\",,EUR,12.50,cash,12.50\n")
    report = ingest_path(bridge, path)
    assert report.recorded == 2
    assert report.errors == ["sales.csv:4: quantity: not a decimal amount: 'abc'"]
    a1, c3 = bodies(bridge)
    assert [x["sku"] for x in a1["payload"]["lines"]] == [SKU, "RM-1001-S-BLK"]
    assert c3["payload"]["lines"][0]["unit_price"] == {"amount": "12.50", "currency": "EUR"}
    assert ingest_path(bridge, path).duplicates == 2  # same file again: nothing new


def test_jsonl_keeps_good_lines_and_names_bad_ones(bridge, tmp_path):
    good = {"id": "ev-1", "type": "search_performed", "device_id": "kiosk-1",
            "occurred_at": "2026-11-23T10:00:00Z", "payload": {"query": "robe", "results_count": 3}}
    bad = {**good, "id": "ev-2", "payload": {"query": "robe"}}
    path = tmp_path / "events.jsonl"
    nan = json.dumps({**good, "id": "ev-4", "payload": {**good["payload"], "score": float("nan")}})
    path.write_text("\n".join([json.dumps(good), "{not json", json.dumps(bad),
                               json.dumps({**good, "id": "ev-3"}), nan]) + "\n")
    report = ingest_path(bridge, path)
    assert report.recorded == 2
    assert report.errors[0].startswith("events.jsonl:2: invalid JSON")
    # Python's json writes and reads NaN; JSON has no such number, so no body may hold one.
    assert report.errors[1] == "events.jsonl:5: invalid JSON: NaN is not a JSON number (numbers must be finite)"
    assert report.errors[2] == "events.jsonl:3: payload.results_count: required"  # refused once read
    assert ingest_path(bridge, path).duplicates == 2


def test_too_large_and_unknown_files_get_clear_errors(open_bridge, tmp_path):
    bridge = open_bridge(max_file_bytes=100)
    big = tmp_path / "big.jsonl"
    big.write_text("x" * 101)
    odd = tmp_path / "notes.txt"
    odd.write_text("hello")
    assert ingest_path(bridge, big).errors == ["big.jsonl: too large (101 bytes; [intake] max_file_bytes is 100)"]
    assert "unknown format" in ingest_path(bridge, odd).errors[0]


def test_a_folder_ingests_each_file_but_not_subfolders_or_temp_files(bridge, tmp_path):
    folder = tmp_path / "in"
    (folder / "processed").mkdir(parents=True)
    (folder / "a.json").write_text(json.dumps(receipt()))
    (folder / "b.json.part").write_text(json.dumps(receipt(receipt_id="R-2")))
    (folder / "processed" / "c.json").write_text(json.dumps(receipt(receipt_id="R-3")))
    assert ingest_path(bridge, folder).recorded == 1


def test_intake_server_receipts_are_masked_and_answered_per_document(open_bridge, tmp_path):
    import requests

    from bridge.intake.http_server import IntakeServer

    bridge = seed(open_bridge(token="intake-secret", port=0))
    server = IntakeServer(bridge)
    server.start()
    try:
        doc = receipt(note=f"card {PAN}")
        answer = requests.post(f"http://127.0.0.1:{server.port}/v1/intake/receipts",
                               json={"receipts": [doc, receipt(receipt_id="R-2", total=12.5)]},
                               headers={"Authorization": "Bearer intake-secret"}, timeout=5)
    finally:
        server.stop()
    assert answer.status_code == 200
    accepted, refused = answer.json()["results"]
    assert accepted["status"] == "accepted" and accepted["id"].startswith("rc-")
    assert refused["status"] == "rejected" and refused["error"].startswith("total: must be a decimal string")
    assert bodies(bridge)[0]["payload"]["note"] == "card ************1111"
    assert on_hand(bridge) == 4


def test_receive_events_scrubs_receipt_events_too(bridge):
    from bridge.intake.receipts.recording import receive_events

    event = {"id": "pos-1-0001", "type": "receipt", "device_id": "pos-1",
             "occurred_at": "2026-11-23T10:00:00+01:00", "payload": receipt(note=f"pan {PAN}")}
    for key in ("occurred_at",):
        event["payload"].pop(key)
    event["payload"]["tenders"][0]["pan"] = PAN
    results = receive_events(bridge, [event, 7])
    assert results[0] == {"id": "pos-1-0001", "status": "accepted"}
    assert results[1]["status"] == "rejected"
    stored = bodies(bridge)[0]["payload"]
    assert stored["note"] == "pan ************1111" and stored["tenders"][0]["card_last4"] == "1111"
    assert "pan" not in stored["tenders"][0] and on_hand(bridge) == 4


def test_the_callers_documents_and_events_are_left_untouched(bridge, keys):
    # The recorder maps barcodes to SKUs and drops app tokens in what it stores, never in
    # what it was handed (documents are normalised into new dicts; events are copied).
    import copy

    from bridge.intake.receipts.recording import receive_events

    bridge.state.set_jwks(keys.jwks)
    token = keys.token("prof-7")
    doc = receipt(loyalty_token=token, occurred_at=datetime.now().astimezone().isoformat())
    doc["lines"][0]["sku"] = EAN
    event = {"id": "pos-1-0002", "type": "receipt", "device_id": "pos-1",
             "occurred_at": doc["occurred_at"], "payload": copy.deepcopy(doc)}
    event["payload"].update(receipt_id="R-7", loyalty_token=token)
    event["payload"].pop("occurred_at")
    before = copy.deepcopy((doc, event))
    assert receive_documents(bridge, [doc])[0]["status"] == "accepted"
    assert receive_events(bridge, [event])[0]["status"] == "accepted"
    assert (doc, event) == before
    stored = bodies(bridge)
    assert [b["payload"]["lines"][0]["sku"] for b in stored] == [SKU, SKU]
    assert [b["profile_id"] for b in stored] == ["prof-7", "prof-7"]
    assert not any("loyalty_token" in b["payload"] for b in stored)
