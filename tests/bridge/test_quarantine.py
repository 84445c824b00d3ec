"""Quarantine of a corrupt database: only the sender moves it, the move is recorded and
shown, and `vitrine-bridge recover` puts its readable events back (issue 10 items 2, 3)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bridge.config import load_settings
from bridge.errors import DatabaseCorrupt
from bridge.facade import Bridge
from bridge.store.recover import recover_file
from bridge.store.registry import open_database
from bridge.store.salvage import salvage
from tests.support.damage import bad_header, bad_page, truncated

ROOT = Path(__file__).resolve().parents[2]
N_EVENTS = 2000


def _seed_file(path: Path, n: int = N_EVENTS) -> dict[str, str]:
    """A real bridge database holding n pending events (checkpointed); {id: body}."""
    with open_database(path, synchronous="OFF") as db:
        from bridge.store.outbox import Outbox

        Outbox(db).record_many([
            {"type": "search_performed", "device_id": f"kiosk-{i % 3}",
             "payload": {"query": f"escarpins l'été {i}", "results_count": i}} for i in range(n)])
        rows = db.read().execute("SELECT id, body FROM outbox").fetchall()
    return dict(rows)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    path = tmp_path_factory.mktemp("seed") / "vitrine.db"
    return path, _seed_file(path)


@pytest.mark.parametrize("damage, at_least", [
    (bad_page, 0.95), (bad_header, 0.95), (truncated, 0.30)])  # half the file: its first pages only
def test_salvage_reads_the_events_of_a_damaged_file_byte_exact(seeded, tmp_path, damage, at_least):
    source, bodies = seeded
    broken = tmp_path / "vitrine.db.corrupt-20261202T070000000000Z"
    shutil.copyfile(source, broken)
    damage(broken)
    found = salvage(broken).events()
    assert len(found) >= at_least * N_EVENTS, f"{damage.__name__}: only {len(found)} of {N_EVENTS}"
    # nothing garbled or invented: each is an original event, byte for byte
    assert all(bodies.get(i) == body for i, body in found.items())


def test_recover_is_idempotent_and_keeps_ids_devices_and_seqs(seeded, tmp_path):
    source, bodies = seeded
    broken = tmp_path / "vitrine.db.corrupt-20261202T070000000000Z"
    shutil.copyfile(source, broken)
    bad_page(broken)
    with open_database(tmp_path / "vitrine.db") as db:
        first = recover_file(db, broken)
        again = recover_file(db, broken)
        held = dict(db.read().execute("SELECT id, body FROM outbox").fetchall())
        from bridge.store.outbox import Outbox

        new = Outbox(db).record("search_performed", device_id="kiosk-1",
                                payload={"query": "after", "results_count": 0})
    assert first.added == first.found >= 0.95 * N_EVENTS and first.held == 0
    assert again.added == 0 and again.held == again.found == first.found
    assert all(bodies[i] == body for i, body in held.items())
    # the next event of a device continues above every seq the salvaged file showed
    original_max = max(json.loads(b)["seq"] for b in bodies.values() if '"kiosk-1"' in b)
    assert new.seq == original_max + 1


def test_only_the_sender_may_quarantine(tmp_path, seeded):
    source, _ = seeded
    path = tmp_path / "vitrine.db"
    shutil.copyfile(source, path)
    bad_page(path)
    with pytest.raises(DatabaseCorrupt, match=rf"{path}: database is corrupt .*only the sender"):
        open_database(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["vitrine.db"]  # nothing moved


_HOLDER = """
import sys
from bridge.store.lock import SenderLock
SenderLock(sys.argv[1]).acquire()
print("held", flush=True)
sys.stdin.read()
"""


def test_a_second_process_reports_and_leaves_the_database_of_the_lock_holder(
        make_config, cli, hq, tmp_path):
    """Two real processes: one holds the sender lock; `status` on the damaged file must not move it.

    The holder only holds the lock: a live `run` would rewrite page 1 from its WAL at its
    next checkpoint and could repair the damage before `status` looks.
    """
    config = make_config()
    database = load_settings(config).database_path
    n = len(_seed_file(database, 400))
    bad_header(database)
    holder = subprocess.Popen([sys.executable, "-c", _HOLDER, str(database)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, cwd=ROOT,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert holder.stdout.readline().strip() == "held"
        for command in (("status", "--json"), ("sync",)):  # sync cannot take the lock either
            answer = cli(config, *command)
            assert answer.returncode == 2, command
            assert database.name in answer.stderr and "Traceback" not in answer.stderr
        assert "database is corrupt" in cli(config, "status").stderr
        assert not list(tmp_path.glob(f"{database.name}.corrupt-*")), "a non-sender moved the database"
    finally:
        holder.kill()
        holder.communicate()

    assert cli(config, "sync").returncode == 0  # the sender moves it aside and records it
    moved = list(tmp_path.glob(f"{database.name}.corrupt-*[0-9]Z"))
    assert len(moved) == 1

    shown = json.loads(cli(config, "status", "--json").stdout)["quarantined"]
    assert [q["file"] for q in shown] == [str(moved[0])]
    assert shown[0]["events"] >= 0.9 * n and shown[0]["at"].endswith("Z")
    assert "vitrine-bridge recover" in cli(config, "status").stdout

    recovered = cli(config, "recover", str(moved[0]))
    assert recovered.returncode == 0 and f"{shown[0]['events']} added" in recovered.stdout
    assert cli(config, "sync").returncode == 0
    assert hq.event_count() == shown[0]["events"]
    assert "0 added" in cli(config, "recover", str(moved[0])).stdout  # idempotent
    assert json.loads(cli(config, "status", "--json").stdout)["quarantined"] == []


def test_the_heartbeat_reports_stranded_events(open_bridge, hq, seeded, tmp_path):
    source, _ = seeded
    bridge = open_bridge()
    db_path = bridge.settings.database_path
    bridge.close()
    shutil.copyfile(source, db_path)
    bad_header(db_path)
    sender = Bridge.open(bridge.settings, sender=True)
    try:
        assert sender.heartbeat()
        stranded = sender.status()["quarantined"]
        assert len(stranded) == 1 and stranded[0]["events"] >= 0.95 * N_EVENTS
        assert [h["quarantined"] for h in hq.heartbeats()] == [stranded]
    finally:
        sender.close()


def test_recover_through_another_path_clears_the_record(seeded, tmp_path):
    source, _ = seeded
    real = tmp_path / "data"
    real.mkdir()
    (tmp_path / "link").symlink_to(real, target_is_directory=True)
    db_path = tmp_path / "link" / "vitrine.db"
    shutil.copyfile(source, db_path)
    bad_header(db_path)
    with open_database(db_path, may_quarantine=True) as db:
        from bridge.store.quarantine import Quarantines
        from bridge.store.recover import note_quarantine

        note_quarantine(db, db.quarantined, "test")
        assert len(Quarantines(db).unrecovered()) == 1
        recover_file(db, real / db.quarantined.name)  # the same file, by its real path
        assert Quarantines(db).unrecovered() == []
        assert len(Quarantines(db).all()) == 1
