"""The drop folder: settled files only, processed/ and rejected/ with reasons, never dies."""

import json

from bridge.intake.dropfolder import DropFolder
from tests.support.clock import FakeClock

from .conftest import SKU, bodies
from .poslog_samples import BILLION_LAUGHS, EXTERNAL_ENTITY, POSLOG_6
from .test_ingest import receipt


def settle(folder, clock):
    """Scan (files are seen), let the settle time pass, scan again (settled files are taken)."""
    assert folder.scan_once() == []
    clock.now += 5
    return folder.scan_once()


def folder_of(bridge, tmp_path):
    drop = tmp_path / "drop"
    drop.mkdir(exist_ok=True)
    clock = FakeClock(100.0)
    return drop, clock, DropFolder(bridge, clock=clock)


def test_a_half_written_file_is_not_read_until_it_settles(bridge, tmp_path):
    drop, clock, folder = folder_of(bridge, tmp_path)
    text = json.dumps(receipt())
    (drop / "r.json").write_text(text[:40])  # the POS is still writing
    (drop / "s.json.part").write_text(json.dumps(receipt(receipt_id="R-2")))
    assert folder.scan_once() == []
    clock.now += 1.5
    with (drop / "r.json").open("a") as f:
        f.write(text[40:])
    assert folder.scan_once() == []  # changed since the last scan: the clock starts again
    clock.now += 1.5
    assert folder.scan_once() == []
    clock.now += 1.0
    [outcome] = folder.scan_once()
    assert (outcome.name, outcome.status, outcome.report.recorded) == ("r.json", "processed", 1)
    assert (drop / "processed" / "r.json").exists() and not (drop / "r.json").exists()
    assert (drop / "s.json.part").exists() and len(bodies(bridge)) == 1


def test_hostile_xml_is_rejected_with_its_reason_and_the_folder_keeps_working(bridge, tmp_path):
    drop, clock, folder = folder_of(bridge, tmp_path)
    (drop / "evil.xml").write_text(BILLION_LAUGHS)
    (drop / "xxe.xml").write_text(EXTERNAL_ENTITY)
    outcomes = settle(folder, clock)
    assert [(o.name, o.status) for o in outcomes] == [("evil.xml", "rejected"), ("xxe.xml", "rejected")]
    error = (drop / "rejected" / "evil.xml.error.txt").read_text()
    assert error.startswith("evil.xml:2: refused: the file declares a DTD (<!DOCTYPE ...>)")
    assert "Forbidden(" not in error  # said in words, not as an exception's repr
    assert bodies(bridge) == []
    (drop / "day.xml").write_text(POSLOG_6.format(ean=SKU))
    [good] = settle(folder, clock)
    assert (good.status, good.report.recorded) == ("processed", 1)


def test_a_partly_bad_file_keeps_its_good_records_and_is_rejected_with_the_list(bridge, tmp_path):
    drop, clock, folder = folder_of(bridge, tmp_path)
    (drop / "mix.json").write_text(json.dumps([receipt(), receipt(receipt_id="R-2", total="lots")]))
    [outcome] = settle(folder, clock)
    assert (outcome.status, outcome.report.recorded) == ("rejected", 1)
    lines = (drop / "rejected" / "mix.json.error.txt").read_text().splitlines()
    assert lines[0] == "mix.json:[1]: total: not a decimal amount: 'lots'"
    assert lines[1] == "(1 records were stored, 0 were already held)"


def test_a_name_already_processed_gets_a_timestamp_suffix(bridge, tmp_path):
    drop, clock, folder = folder_of(bridge, tmp_path)
    for _ in range(2):
        (drop / "r.json").write_text(json.dumps(receipt()))
        assert settle(folder, clock)[0].status == "processed"
    names = {p.name for p in (drop / "processed").iterdir()}
    assert "r.json" in names and len(names) == 2
    [suffixed] = names - {"r.json"}
    assert suffixed.startswith("r-2") and suffixed.endswith("Z.json")


def test_a_database_failure_leaves_the_file_in_place_and_the_scan_goes_on(open_bridge, tmp_path):
    bridge = open_bridge()
    drop, clock, folder = folder_of(bridge, tmp_path)
    (drop / "r.json").write_text(json.dumps(receipt()))
    (drop / "deep.json").write_text("[" * 100_000)  # would blow the stack of a naive reader
    assert folder.scan_once() == []
    bridge.db.close()  # the database is gone under our feet
    clock.now += 5
    deep, kept = folder.scan_once()
    assert (deep.name, deep.status) == ("deep.json", "rejected")
    assert "nested too deeply" in deep.report.errors[0]
    assert (kept.name, kept.status, kept.moved_to) == ("r.json", "retry", None)
    assert (drop / "r.json").exists()
