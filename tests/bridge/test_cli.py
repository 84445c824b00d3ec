"""`vitrine-bridge` as a real subprocess against the real reference HQ."""

from __future__ import annotations

import json
import signal
import socket
from pathlib import Path

import pytest

from bridge.facade import Bridge
from bridge.config import load_settings

STATUS_KEYS = {"pending", "in_flight", "dead_letters", "oldest_pending_age_s", "last_push_at",
               "last_error", "hq_reachable", "auth_failed", "retry_at", "quarantined"}


def _open(config) -> Bridge:
    return Bridge.open(load_settings(config))


def _seed(config, record_searches, n: int, devices=("kiosk-1",)) -> None:
    with _open(config) as b:
        for device in devices:
            record_searches(b, n, device)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_status_json_has_the_documented_keys(make_config, cli, record_searches):
    config = make_config()
    _seed(config, record_searches, 3)
    result = cli(config, "status", "--json")
    assert result.returncode == 0, result.stderr
    status = json.loads(result.stdout)
    assert STATUS_KEYS <= set(status) and status["pending"] == 3
    assert status["oldest_pending_age_s"] == round(status["oldest_pending_age_s"], 1)
    text = cli(config, "status").stdout
    assert text.startswith("pending")
    age = next(line for line in text.splitlines() if line.startswith("oldest_pending_age_s"))
    assert age.split()[-1] == "s" and len(age.split()[-2].split(".")[1]) == 1


def test_status_on_a_fresh_config_creates_no_database(make_config, cli):
    config = make_config()
    database = load_settings(config).database_path
    result = cli(config, "status")
    assert result.returncode == 1 and "no database yet" in result.stderr
    assert not database.exists()


@pytest.mark.parametrize("problem, words", [
    ('[hq]\nbatch_size = 9999\n', "batch_size"),
    ('[store\n', "invalid TOML"),
])
def test_bad_config_is_one_clear_line_and_exit_2(tmp_path, cli, problem, words):
    config = tmp_path / "bad.toml"
    config.write_text('[store]\nid = "paris-marais"\n' + problem if "batch" in problem else problem)
    result = cli(config, "status")
    assert result.returncode == 2
    assert words in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    missing = cli(tmp_path / "absent.toml", "sync")
    assert missing.returncode == 2 and "absent.toml" in missing.stderr


def test_sync_exit_codes(make_config, cli, hq, record_searches, tmp_path):
    config = make_config()
    _seed(config, record_searches, 700)
    ok = cli(config, "sync")
    assert ok.returncode == 0, ok.stderr
    assert hq.event_count() == 700

    _seed(config, record_searches, 5)
    down = make_config(hq={"url": f"http://127.0.0.1:{_free_port()}"})
    result = cli(down, "sync")
    last = result.stderr.strip().splitlines()[-1]
    assert result.returncode == 1 and last.count("HQ unreachable") == 1, last

    refused = make_config(hq={"token": "nope"})
    result = cli(refused, "sync")
    assert result.returncode == 1 and "token" in result.stderr
    assert hq.event_count() == 700


def test_dead_letters_list_retry_and_drop(make_config, cli, hq, record_searches):
    config = make_config()
    with _open(config) as b:
        ids = record_searches(b, 3)
        b.outbox.claim(limit=3)
        b.outbox.kill([(ids[0], "HQ said no"), (ids[1], "HQ said no again")])
    listed = cli(config, "dead-letters", "list", "--json")
    assert [d["id"] for d in json.loads(listed.stdout)] == ids[:2]
    assert cli(config, "dead-letters", "retry", ids[0]).returncode == 0
    assert cli(config, "dead-letters", "drop", ids[1]).returncode == 0
    missing = cli(config, "dead-letters", "retry", "999")
    assert missing.returncode == 1 and "999 is not a dead letter" in missing.stderr
    assert json.loads(cli(config, "dead-letters", "list", "--json").stdout) == []
    with _open(config) as b:
        assert b.outbox.stats().pending == 1


def test_ingest_reports_line_numbers_and_exit_1(make_config, cli, tmp_path):
    config = make_config()
    good = {"type": "product_viewed", "device_id": "pos-1", "payload": {"product_id": "p1"}}
    bad = {"type": "product_viewed", "device_id": "pos-1", "payload": {}}
    path = tmp_path / "events.jsonl"
    path.write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n")
    result = cli(config, "ingest", str(path))
    assert result.returncode == 1
    assert "2" in result.stderr and "product_id" in result.stderr


def test_the_same_file_ingested_twice_records_nothing_new(make_config, cli, tmp_path):
    config = make_config()
    lines = [{"id": f"pos-evt-{i}", "type": "product_viewed", "device_id": "pos-1",
              "payload": {"product_id": f"p{i}"}} for i in range(3)]
    path = tmp_path / "events.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    first = cli(config, "ingest", str(path))
    second = cli(config, "ingest", str(path))
    assert first.returncode == 0 and second.returncode == 0, second.stderr
    with _open(config) as b:
        held = b.outbox.events()
    assert sorted(e["id"] for e in held) == ["pos-evt-0", "pos-evt-1", "pos-evt-2"]
    assert sorted(e["seq"] for e in held) == [1, 2, 3]  # the second run consumed no seq


def test_second_run_is_refused_and_sigterm_stops_cleanly(make_config, cli, cli_popen, hq,
                                                        record_searches, wait_for):
    config = make_config()
    _seed(config, record_searches, 5)
    first = cli_popen(config, "run")
    try:
        wait_for(lambda: hq.event_count() == 5, what="the first run to push")
        second = cli(config, "run", timeout=30)
        assert second.returncode == 2
        assert "already" in second.stderr and str(first.pid) in second.stderr
        assert "Traceback" not in second.stderr
        first.send_signal(signal.SIGTERM)
        assert first.wait(timeout=30) == 0
    finally:
        first.kill()
        first.wait()
    with _open(config) as b:
        assert b.status()["in_flight"] == 0


def test_run_killed_mid_push_and_restarted_delivers_each_event_once(
        make_config, cli_popen, hq, record_searches, wait_for):
    config = make_config()
    total = 2 * 3000
    _seed(config, record_searches, 3000, devices=("kiosk-1", "pos-1"))
    run = cli_popen(config, "run")
    try:
        wait_for(lambda: hq.event_count() > 0, what="the push to start")
    finally:
        run.send_signal(signal.SIGKILL)
        run.wait()
    with _open(config) as b:
        assert b.outbox.stats().pending + b.outbox.stats().in_flight > 0  # killed mid-drain
    again = cli_popen(config, "run")
    try:
        wait_for(lambda: hq.event_count() == total, timeout=60, what=f"{total} events at HQ")
        again.send_signal(signal.SIGTERM)
        assert again.wait(timeout=30) == 0
    finally:
        again.kill()
        again.wait()
    events = hq.events()
    assert len(events) == total and len({e["id"] for e in events}) == total
    for device in ("kiosk-1", "pos-1"):
        assert sorted(e["seq"] for e in events if e["device_id"] == device) == list(range(1, 3001))
    assert not any(hq.gaps().values())


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<POSLog><Transaction>&lol3;</Transaction></POSLog>
"""


def test_run_takes_receipts_from_the_drop_folder_and_survives_a_hostile_file(
        make_config, cli_popen, hq, wait_for, tmp_path):
    drop = tmp_path / "drop"
    drop.mkdir()
    config = make_config(intake={"drop_dir": str(drop), "drop_poll_s": 0.1, "drop_settle_s": 0.0})
    run = cli_popen(config, "run")
    try:
        evil = drop / "evil.xml.part"  # written under a temporary name, then renamed
        evil.write_text(BILLION_LAUGHS, encoding="utf-8")
        evil.rename(drop / "evil.xml")
        wait_for(lambda: (drop / "rejected" / "evil.xml.error.txt").exists(), what="evil.xml refused")
        sample = Path(__file__).resolve().parents[1] / "data" / "poslog" / "SMALL.xml"
        part = drop / "small.xml.part"
        part.write_bytes(sample.read_bytes())
        part.rename(drop / "small.xml")
        wait_for(lambda: hq.event_count() == 1, what="the POSLog receipt at HQ")
        assert run.poll() is None  # the daemon lives on
    finally:
        run.send_signal(signal.SIGTERM)
        run.wait(timeout=30)
    (receipt,) = hq.events()
    assert receipt["type"] == "receipt"
    assert receipt["payload"]["total"] == {"amount": "1.07", "currency": "USD"}
    assert (drop / "processed" / "small.xml").exists()
    assert "DTD" in (drop / "rejected" / "evil.xml.error.txt").read_text(encoding="utf-8")


def test_ingesting_the_bridge_folder_skips_its_own_files(make_config, cli, tmp_path):
    shop = tmp_path / "shop"
    shop.mkdir()
    config = shop / "config.toml"
    config.write_text(make_config(bridge={"database": str(shop / "vitrine.db")}).read_text())
    (shop / "events.jsonl").write_text("".join(json.dumps(
        {"id": f"pos-evt-{i}", "type": "product_viewed", "device_id": "pos-1",
         "payload": {"product_id": f"p{i}"}}) + "\n" for i in range(2)))
    with _open(config):  # the database and its -wal/-shm now lie in the folder
        result = cli(config, "ingest", str(shop))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "2 accepted, 0 duplicate, 0 refused, 0 skipped"
    assert "events.jsonl: 2 accepted, 0 duplicate, 0 refused, 0 skipped" in result.stderr
