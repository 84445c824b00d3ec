"""POSLog files ingested into a real bridge: what is not recorded says why (CLI, log, status);
ids are never taken for card numbers; times without an offset are the store's."""

import logging

from bridge.cli import main
from bridge.config import parse_settings
from bridge.intake.ingest import ingest_path

from .conftest import SAMPLES, STORE, bodies

CONFIG = """[store]
id = "{store}"
timezone = "Asia/Dubai"
[bridge]
database = "{db}"
[hq]
url = "http://127.0.0.1:9"
token = "t"
"""


def dubai_bridge(open_bridge, tmp_path):
    return open_bridge(parse_settings({
        "store": {"id": STORE, "timezone": "Asia/Dubai"},
        "bridge": {"database": str(tmp_path / "bridge.db"), "synchronous": "NORMAL"},
        "hq": {"url": "http://127.0.0.1:9", "token": "t"}}))


def test_an_id_of_luhn_valid_digits_reaches_the_outbox_whole_in_the_store_zone(open_bridge, tmp_path):
    bridge = dubai_bridge(open_bridge, tmp_path)
    report = ingest_path(bridge, SAMPLES / "wincor-void.xml")
    assert (report.recorded, report.skipped, report.errors) == (1, 1, [])
    (event,) = bodies(bridge)
    assert event["payload"]["receipt_id"] == "2018-07-14-2-2729"  # 13 digits that pass Luhn
    assert event["occurred_at"] == "2018-07-14T14:25:39+04:00"
    assert event["payload"]["total"] == {"amount": "15.00", "currency": "AED"}


def test_skipped_transactions_do_not_fail_the_file_and_status_keeps_the_reasons(bridge, caplog):
    with caplog.at_level(logging.INFO, logger="bridge.ingest"):
        report = ingest_path(bridge, SAMPLES / "ixretail-cases.xml")
    assert report.ok and (report.recorded, report.skipped) == (2, 5)
    assert report.skips[0] == "ixretail-cases.xml:Transaction[2](SequenceNumber 102): training mode (TrainingModeFlag)"
    assert "skipped ixretail-cases.xml:Transaction[4](SequenceNumber 104): empty (no sale line)" in caplog.messages
    status = bridge.status()
    assert (status["receipts_skipped"], status["receipts_refused"]) == (5, 0)
    assert status["receipts_not_recorded_recent"][-1].endswith("cancelled (CancelFlag)")
    flagged = [b["payload"] for b in bodies(bridge) if "total_mismatch" in b["payload"]]
    assert [p["total"]["amount"] for p in flagged] == ["70.00"]


def test_full_card_numbers_in_poslog_files_never_reach_the_database(bridge, tmp_path):
    for name in ("chile-kiosk-tlog.xml", "ixretail-cases.xml"):
        assert ingest_path(bridge, SAMPLES / name).ok
    for f in tmp_path.glob("bridge.db*"):  # the database and its -wal
        data = f.read_bytes()
        assert b"4111111111111111" not in data and b"4111 1111 1111 1111" not in data, f.name
    assert b"4003028413" not in b"".join(f.read_bytes() for f in tmp_path.glob("bridge.db*"))  # not kept either


def test_cli_summary_names_each_skipped_transaction(tmp_path, capsys):
    config = tmp_path / "config.toml"
    config.write_text(CONFIG.format(store=STORE, db=tmp_path / "bridge.db"))
    assert main(["--config", str(config), "ingest", str(SAMPLES / "wincor-void.xml")]) == 0
    out = capsys.readouterr().out
    assert "skipped wincor-void.xml:Transaction[2](SequenceNumber 2730): empty (every line voided)" in out
    assert out.strip().endswith("1 accepted, 0 duplicate, 0 refused, 1 skipped")


def test_an_unknown_store_time_zone_is_refused_naming_the_key():
    import pytest

    from bridge.errors import ConfigError

    with pytest.raises(ConfigError, match=r"\[store\] timezone: unknown time zone 'Paris'"):
        parse_settings({"store": {"id": STORE, "timezone": "Paris"}})


def test_an_app_token_the_till_scanned_identifies_the_shopper_before_the_account_id(bridge, keys, tmp_path):
    from datetime import datetime

    bridge.state.set_jwks(keys.jwks)
    sold_at = datetime.fromisoformat("2026-11-23T18:30:00+00:00").timestamp()
    xml = (SAMPLES / "ixretail-cases.xml").read_text().replace(
        "<LoyaltyAccountID>6275980012345672</LoyaltyAccountID>",
        f"<LoyaltyAccountID>6275980012345672</LoyaltyAccountID><LoyaltyID>{keys.token('prof-7', iat=sold_at - 60)}</LoyaltyID>")
    path = tmp_path / "scanned.xml"
    path.write_text(xml)
    assert ingest_path(bridge, path).recorded == 2
    sale = next(b for b in bodies(bridge) if b["payload"]["receipt_id"] == "2026-11-23-R4-101")
    assert sale["profile_id"] == "prof-7" and "loyalty_token" not in sale["payload"]
