"""The bridge database: pragmas, migrations, quarantine, storage errors and the sender lock."""

from __future__ import annotations

import logging
import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from bridge.store import migrations as schema
from bridge.store.registry import collect_migrations
from bridge.store.registry import open_database
from bridge.errors import AlreadyRunning, StorageError
from bridge.store.lock import SenderLock

ROOT = Path(__file__).resolve().parents[2]


def test_open_sets_wal_synchronous_and_busy_timeout(tmp_path):
    with open_database(tmp_path / "a.db", synchronous="normal") as db:
        with db.write() as conn:
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
            assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000
        assert db.read().execute("PRAGMA synchronous").fetchone()[0] == 1
    with open_database(tmp_path / "b.db") as db:
        assert db.read().execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL by default
    with pytest.raises(StorageError, match="synchronous"):
        open_database(tmp_path / "c.db", synchronous="SOMETIMES")


def test_migrations_are_recorded_and_applied_once(db):
    versions = [r["version"] for r in db.utils()["schema_migrations"].rows_where(order_by="version")]
    expected = [v for v, _, _ in collect_migrations()]
    assert versions == expected and versions[0] == 1
    assert db.read().execute("PRAGMA user_version").fetchone()[0] == expected[-1]
    assert schema.migrate(db, collect_migrations()) == []
    assert db.utils()["schema_migrations"].count == len(expected)
    tables = set(db.utils().table_names())
    assert {"outbox", "device_sequences", "dead_letters", "meta", "schema_migrations"} <= tables


def test_a_failed_migration_leaves_the_version_unchanged(db):
    before = db.read().execute("PRAGMA user_version").fetchone()[0]
    bad = collect_migrations() + [
        (39, "half broken", "CREATE TABLE half_done (x); INSERT INTO no_such_table VALUES (1);")]
    with pytest.raises(StorageError, match=r"migration 39 \(half broken\) failed"):
        schema.migrate(db, bad)
    assert db.read().execute("PRAGMA user_version").fetchone()[0] == before
    assert not db.utils()["half_done"].exists()
    assert db.utils()["schema_migrations"].count_where("version = 39") == 0


def test_a_late_migration_with_a_lower_version_is_still_applied(db):
    late = collect_migrations() + [(9, "late outbox step", "CREATE TABLE late (x);")]
    assert schema.migrate(db, sorted(late)) == [9]
    assert db.utils()["late"].exists() and db.utils()["late"].count == 0


def test_triggers_survive_statement_splitting():
    script = """CREATE TABLE t (x); -- a comment; with a semicolon
        CREATE TRIGGER t_ins AFTER INSERT ON t BEGIN UPDATE t SET x = x + 1; SELECT ';'; END;
        CREATE VIEW v AS SELECT x FROM t"""
    parts = schema.split_statements(script)
    assert len(parts) == 3 and "CREATE TRIGGER" in parts[1] and parts[1].endswith("END;")


def test_a_newer_database_is_refused(tmp_path):
    path = tmp_path / "new.db"
    open_database(path).close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 999")
    conn.commit()
    conn.close()
    with pytest.raises(StorageError, match="schema version 999 is newer than this Vitrine knows"):
        open_database(path)


def test_a_migration_unknown_to_this_release_is_refused(tmp_path):
    path = tmp_path / "new.db"
    with open_database(path) as db, db.write() as conn:
        db.utils(conn)["schema_migrations"].insert(
            {"version": 19, "name": "search synonyms", "applied_at": "2027-01-01T00:00:00Z"})
    with pytest.raises(StorageError, match=r"schema migration 19 \(search synonyms\) is newer"):
        open_database(path)


def test_migration_ranges_are_enforced(monkeypatch):
    module = type(sys)("fake_catalog")
    module.MIGRATIONS = [(5, "wrong range", "CREATE TABLE x (y);")]
    monkeypatch.setitem(sys.modules, "fake_catalog", module)
    with pytest.raises(StorageError, match=r"fake_catalog.MIGRATIONS version 5: must be an int in 10..19"):
        collect_migrations({"fake_catalog": range(10, 20)})


def _quarantined_files(tmp_path):
    return sorted(p.name for p in tmp_path.iterdir() if ".corrupt-" in p.name)


def test_a_file_that_is_not_a_database_is_moved_aside(tmp_path, caplog):
    path = tmp_path / "vitrine.db"
    path.write_bytes(b"this is not sqlite at all" * 200)
    Path(str(path) + "-wal").write_bytes(b"junk wal")
    with caplog.at_level(logging.ERROR, logger="bridge.store.database"):
        db = open_database(path, may_quarantine=True)
    try:
        assert db.quarantined is not None and db.quarantined.name.startswith("vitrine.db.corrupt-")
        assert db.quarantined.read_bytes().startswith(b"this is not sqlite")
        assert Path(str(db.quarantined) + "-wal").read_bytes() == b"junk wal"
        assert any("failed its integrity check" in r.message for r in caplog.records)
        assert db.read().execute("SELECT count(*) FROM outbox").fetchone()[0] == 0
    finally:
        db.close()
    with open_database(path) as again:  # the fresh file is healthy: no second quarantine
        assert again.quarantined is None
    assert len(_quarantined_files(tmp_path)) == 2  # the database and its -wal


def test_a_corrupt_page_is_detected_by_quick_check(tmp_path):
    path = tmp_path / "vitrine.db"
    with open_database(path) as db:
        with db.write() as conn:
            conn.execute("CREATE TABLE filler (x)")
            conn.executemany("INSERT INTO filler VALUES (?)", [("x" * 500,)] * 200)
            conn.execute("CREATE INDEX filler_x ON filler(x)")
    # closing the last connection checkpointed the WAL into the file
    page = 4096
    with open(path, "r+b") as f:  # scribble over a few pages past the header page
        f.seek(page * 3)
        f.write(b"\xa5" * page * 4)
    with open_database(path, may_quarantine=True) as db:
        assert db.quarantined is not None
        assert db.read().execute("PRAGMA quick_check").fetchone()[0] == "ok"


def test_disk_full_raises_storage_error_and_recovers(db):
    with db.write() as conn:
        conn.execute("CREATE TABLE blobs (b)")
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages + 2}")
    with pytest.raises(StorageError, match="disk is full"):
        for _ in range(50):
            with db.write() as conn:
                conn.execute("INSERT INTO blobs VALUES (?)", (b"x" * 20000,))
    with db.write() as conn:  # still usable for what fits
        conn.execute("PRAGMA max_page_count = 1073741823")
    with db.write() as conn:
        conn.execute("INSERT INTO blobs VALUES (?)", (b"x" * 20000,))


def test_read_only_database_raises_storage_error(db):
    with db.write() as conn:
        conn.execute("PRAGMA query_only = 1")
    with pytest.raises(StorageError, match="read-only"):
        with db.write() as conn:
            conn.execute("INSERT INTO meta VALUES ('k', 'v')")
    db._writer.execute("PRAGMA query_only = 0")  # BEGIN IMMEDIATE itself is refused until then
    with db.write() as conn:
        conn.execute("INSERT INTO meta VALUES ('k', 'v')")
    assert db.read().execute("SELECT value FROM meta").fetchone() == ("v",)


def test_sql_errors_are_not_disguised_as_storage_errors(db):
    with pytest.raises(sqlite3.OperationalError):
        with db.write() as conn:
            conn.execute("SELECT * FROM no_such_table")


def test_write_rolls_back_on_error(db):
    with pytest.raises(RuntimeError):
        with db.write() as conn:
            conn.execute("INSERT INTO meta VALUES ('k', 'v')")
            raise RuntimeError("boom")
    assert db.read().execute("SELECT count(*) FROM meta").fetchone()[0] == 0


def _in_write(db, work):
    with db.write() as conn:
        return work(conn)


WRITE_PATHS = {"write": _in_write, "transact": lambda db, work: db.transact(work)}


def _insert(conn):
    return conn.execute("INSERT INTO meta VALUES ('k', 'v')").rowcount


def _insert_then_fail(conn):
    _insert(conn)
    raise RuntimeError("boom")


@pytest.mark.parametrize("path", sorted(WRITE_PATHS))
def test_both_write_paths_roll_back_map_storage_errors_and_refuse_once_closed(db, path):
    run = WRITE_PATHS[path]
    with pytest.raises(RuntimeError, match="boom"):
        run(db, _insert_then_fail)
    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        run(db, lambda conn: conn.execute("SELECT * FROM no_such_table"))
    db._writer.execute("PRAGMA query_only = 1")
    with pytest.raises(StorageError, match="read-only"):
        run(db, _insert)
    db._writer.execute("PRAGMA query_only = 0")
    assert not db._writer.in_transaction
    assert db.read().execute("SELECT count(*) FROM meta").fetchone()[0] == 0
    assert run(db, _insert) == 1
    assert db.read().execute("SELECT count(*) FROM meta").fetchone()[0] == 1
    db.close()
    with pytest.raises(StorageError, match="database is closed"):
        run(db, _insert)


def test_utils_writes_join_the_write_transaction(db):
    with pytest.raises(RuntimeError):
        with db.write() as conn:
            db.utils(conn)["meta"].upsert({"key": "k", "value": "v"})
            raise RuntimeError("boom")
    assert db.utils()["meta"].count == 0  # rolled back with db.write(), not committed early
    with db.write() as conn:
        db.utils(conn)["meta"].upsert_all([{"key": "k", "value": "v1"}, {"key": "k", "value": "v2"}])
    assert list(db.utils()["meta"].rows) == [{"key": "k", "value": "v2"}]


def test_utils_leaves_the_connection_settings_alone(db):
    conn = db.read()
    db.utils(conn)
    assert conn.execute("PRAGMA recursive_triggers").fetchone()[0] == 0
    assert db.utils().conn is conn  # the read connection by default


def test_each_thread_gets_its_own_reader(db):
    seen = []
    thread = threading.Thread(target=lambda: seen.append(db.read()))
    thread.start()
    thread.join()
    assert seen[0] is not db.read() and db.read() is db.read()


def test_sender_lock_is_exclusive_within_a_process(tmp_path):
    path = tmp_path / "vitrine.db"
    with SenderLock(path) as lock:
        assert lock.path.read_text().strip() == str(os.getpid())
        with pytest.raises(AlreadyRunning, match=rf"already used by a bridge process \(pid {os.getpid()}\); "
                                                 "one sender per database"):
            SenderLock(path).acquire()
    with SenderLock(path):  # released: can be taken again
        pass


_HOLDER = """
import sys, time
from bridge.store.lock import SenderLock
lock = SenderLock(sys.argv[1]).acquire()
print("held", flush=True)
sys.stdin.read()
"""


def test_sender_lock_across_processes_and_after_kill(tmp_path):
    path = tmp_path / "vitrine.db"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen([sys.executable, "-c", _HOLDER, str(path)], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert child.stdout.readline().strip() == "held"
        with pytest.raises(AlreadyRunning, match=rf"\(pid {child.pid}\)"):
            SenderLock(path).acquire()
    finally:
        child.kill()  # SIGKILL: the OS releases the flock, no clean-up needed
        child.communicate()  # also closes the pipes
    with SenderLock(path) as lock:
        assert lock.held


def test_sender_lock_holds_through_a_symlink_and_another_spelling(tmp_path):
    # Issue 10 item 6: a lock named from the path as written let a second sender in
    # through a symlink to the same database.
    real_dir = tmp_path / "data"
    real_dir.mkdir()
    real = real_dir / "vitrine.db"
    real.write_bytes(b"")
    (tmp_path / "link.db").symlink_to(real)
    (tmp_path / "linkdir").symlink_to(real_dir, target_is_directory=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen([sys.executable, "-c", _HOLDER, str(real)], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert child.stdout.readline().strip() == "held"
        for other in (tmp_path / "link.db", tmp_path / "linkdir" / "vitrine.db",
                      real_dir / ".." / "data" / "vitrine.db"):
            with pytest.raises(AlreadyRunning, match=rf"\(pid {child.pid}\)"):
                SenderLock(other).acquire()
    finally:
        child.kill()
        child.communicate()
    assert not (tmp_path / "link.db.lock").exists()


def test_the_wal_restarts_under_continuous_single_row_commits(tmp_path):
    # Without the checkpointer's catch-up under the write lock the WAL never restarts
    # while commits keep coming: it grew by every commit (~16 MB for 4,000 here), and each
    # commit then extended the file, paying for a costlier fsync. The checkpointer is a
    # thread: on a loaded machine it may get no turn for a while, so commits go on until
    # the WAL restarts (its header's salts change), with a bound the old code never met.
    path = tmp_path / "busy.db"
    wal_path = Path(str(path) + "-wal")
    with open_database(path, synchronous="NORMAL") as db:
        with db.write() as conn:
            conn.execute("CREATE TABLE filler (x)")
        first_salts = _wal_salts(wal_path)
        commits = 0
        while commits < 40_000 and (commits < 4000 or _wal_salts(wal_path) == first_salts):
            with db.write() as conn:
                conn.execute("INSERT INTO filler VALUES (?)", ("x" * 200,))
            commits += 1
        restarted = _wal_salts(wal_path) != first_salts
        assert db.read().execute("SELECT count(*) FROM filler").fetchone()[0] == commits
    assert restarted, f"the WAL never restarted in {commits:,} commits"


def _wal_salts(wal: Path) -> bytes:
    """The salts in a WAL file's header: SQLite changes them each time the WAL restarts."""
    with wal.open("rb") as f:
        return f.read(24)[16:24]
