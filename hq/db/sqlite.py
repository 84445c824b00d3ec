"""The SQLite backend: one connection behind one lock, WAL, BEGIN IMMEDIATE per write.

For the demo, tests and a single machine: one process (several workers would each wait
for the file's write lock). Exactly-once is the events table's primary key.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

from hq.db.migrations import SQLITE
from hq.errors import DatabaseUnavailable

ROW_PARAMS = 6_500  # parameters per multi-row INSERT (SQLite allows 32,766)


class SQLiteTx:
    """A transaction on the one connection (the database's lock is held)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def rows(self, sql: str, params: Sequence = ()) -> list[tuple]:
        return self.conn.execute(sql, params).fetchall()

    def run(self, sql: str, params: Sequence = ()) -> None:
        self.conn.execute(sql, params)

    def many(self, sql: str, rows: Iterable[Sequence]) -> None:
        self.conn.executemany(sql, rows)

    def lock(self, key: str) -> None:
        """Nothing to do: BEGIN IMMEDIATE already holds the file's only write lock."""

    def insert_new(self, table: str, columns: Sequence[str], key: str, rows: list[tuple]) -> None:
        # a few hundred rows per statement (one statement beats executemany), under 32,766 parameters
        per = max(1, ROW_PARAMS // len(columns))
        one = "(" + ",".join("?" * len(columns)) + ")"
        for start in range(0, len(rows), per):
            chunk = rows[start:start + per]
            self.conn.execute(f"INSERT INTO {table} ({', '.join(columns)}) VALUES {','.join([one] * len(chunk))} "
                              f"ON CONFLICT {key} DO NOTHING", [value for row in chunk for value in row])

    def insert_events(self, store_id: str, bridge_id: str, received_at: str, raw: str,
                      rows: list[tuple]) -> set[str]:
        batch_id = self.conn.execute(
            "INSERT INTO batches (store_id, bridge_id, received_at, body) VALUES (?, ?, ?, ?)",
            (store_id, bridge_id, received_at, raw)).lastrowid
        params: list = []
        for eid, etype, device, seq, profile, claim, idx in rows:
            params += (eid, store_id, etype, device, seq, profile, claim, batch_id, idx)
        # one multi-row INSERT ... RETURNING tells accepted from already-stored in a single pass
        sql = ("INSERT INTO events VALUES " + ",".join(["(?,?,?,?,?,?,?,?,?)"] * len(rows))
               + " ON CONFLICT (id) DO NOTHING RETURNING id")
        inserted = {r[0] for r in self.conn.execute(sql, params)}
        if not inserted:
            self.conn.execute("DELETE FROM batches WHERE id = ?", (batch_id,))
        return inserted


class SQLiteDatabase:
    """An HQ database in one SQLite file."""

    kind = "sqlite"
    row_order = "rowid"

    def __init__(self, path: str) -> None:
        self.path = path
        self._lock = threading.RLock()
        try:
            self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self._conn.execute("PRAGMA journal_mode=WAL")
            # the reference server favours ingest speed: a power cut may lose the last commits
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.execute("PRAGMA busy_timeout=5000")
            self._migrate()
        except sqlite3.Error as exc:
            raise DatabaseUnavailable(f"{path}: {exc}") from exc

    def _migrate(self) -> None:
        version = self._conn.execute("PRAGMA user_version").fetchone()[0]
        for number, script in enumerate(SQLITE[version:], version + 1):
            self._conn.executescript(f"BEGIN IMMEDIATE; {script}; PRAGMA user_version = {number}; COMMIT;")

    @contextmanager
    def write(self) -> Iterator[SQLiteTx]:
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise DatabaseUnavailable(f"{self.path}: {exc}") from exc
            try:
                yield SQLiteTx(self._conn)
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            try:
                self._conn.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                self._conn.execute("ROLLBACK")
                raise DatabaseUnavailable(f"{self.path}: {exc}") from exc

    def read(self, sql: str, params: Sequence = ()) -> list[tuple]:
        with self._lock:
            try:
                return self._conn.execute(sql, params).fetchall()
            except sqlite3.OperationalError as exc:
                raise DatabaseUnavailable(f"{self.path}: {exc}") from exc

    def close(self) -> None:
        with self._lock:
            self._conn.close()
