"""The bridge database: one SQLite file in WAL mode, one writer, per-thread readers.

    db = Database.open("vitrine.db", migrations=[(1, "meta", "CREATE TABLE meta (key, value);")])
    with db.write() as conn:          # BEGIN IMMEDIATE ... COMMIT
        conn.execute("INSERT INTO meta(key, value) VALUES ('k', 'v')")
    db.read().execute("SELECT value FROM meta").fetchall()
    db.commits.run(lambda conn: conn.execute("INSERT ...").lastrowid)  # shares commits
    db.utils()["meta"].count                  # sqlite-utils idioms, off the hot paths
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, Sequence, TypeVar

from bridge.store.checkpointer import Checkpointer
from bridge.store.group_commit import GroupCommit
from bridge.store.migrations import Migration, migrate
from bridge.errors import DatabaseCorrupt, StorageError

if TYPE_CHECKING:
    import sqlite_utils

log = logging.getLogger(__name__)
T = TypeVar("T")

BUSY_TIMEOUT_MS = 10_000
SYNCHRONOUS_MODES = ("OFF", "NORMAL", "FULL", "EXTRA")
# SQLite's automatic checkpoint runs inside whichever commit crosses its threshold, which
# made record() pay for it (its p99). Our writer turns it off and a background thread
# checkpoints instead, nudged every CHECKPOINT_COMMITS commits (a one-event commit appends
# ~2.3 pages) or CHECKPOINT_ROWS changed rows (bulk transactions), whichever comes first:
# the WAL stays around SQLite's default of 1000 pages between checkpoints.
CHECKPOINT_COMMITS = 250
CHECKPOINT_ROWS = 2000

# Primary result codes that mean "the storage failed", not "the SQL was wrong".
_STORAGE_CODES = {
    3: "permission denied",            # SQLITE_PERM
    5: "database is busy",             # SQLITE_BUSY (after busy_timeout)
    6: "database is locked",           # SQLITE_LOCKED
    7: "out of memory",                # SQLITE_NOMEM
    8: "database is read-only",        # SQLITE_READONLY
    10: "disk I/O error",              # SQLITE_IOERR
    11: "database file is corrupt",    # SQLITE_CORRUPT
    13: "disk is full",                # SQLITE_FULL
    14: "cannot open database file",   # SQLITE_CANTOPEN
    26: "file is not a database",      # SQLITE_NOTADB
}
_CORRUPT_CODES = {11, 26}
SQLITE_HEADER = b"SQLite format 3\x00"


def storage_error(exc: sqlite3.Error, path: object) -> Exception:
    """Map a storage failure to StorageError naming the file; return other errors unchanged."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is None or (code & 0xFF) not in _STORAGE_CODES:
        return exc
    reason = _STORAGE_CODES[code & 0xFF]
    return StorageError(f"{path}: {reason} ({exc})")


def _loses_transaction(exc: BaseException) -> bool:
    """Whether exc, raised inside a write transaction, means the storage failed (not the SQL)."""
    if isinstance(exc, StorageError):
        return True
    return isinstance(exc, sqlite3.Error) and storage_error(exc, "") is not exc


def _reraise(exc: sqlite3.Error, path: object) -> NoReturn:
    """Raise exc, or the StorageError it maps to."""
    mapped = storage_error(exc, path)
    if mapped is exc:
        raise exc
    raise mapped from exc


class _Connection(sqlite3.Connection):
    """A connection whose execute calls raise StorageError for storage failures."""

    db_path: str = "?"

    def execute(self, sql, parameters=(), /):  # type: ignore[override]
        try:
            return super().execute(sql, parameters)
        except sqlite3.Error as exc:
            _reraise(exc, self.db_path)

    def executemany(self, sql, parameters, /):  # type: ignore[override]
        try:
            return super().executemany(sql, parameters)
        except sqlite3.Error as exc:
            _reraise(exc, self.db_path)


class _Writer(sqlite3.Connection):
    """The writer connection: SQL run on it may hand one value back with remember(x).

    remember(x) returns x and keeps it in conn.remembered[0] until the next call, which
    the caller reads under the write lock once its statement has run. It is how the
    outbox learns the seq its INSERT assigned: RETURNING stages its rows in a temporary
    b-tree, 20% of that statement's instructions, where one Python call costs ~3%.
    """

    remembered: list[object]


def _define_remember(conn: _Writer) -> None:
    box: list[object] = [None]

    def remember(value: object) -> object:
        box[0] = value
        return value

    conn.remembered = box
    conn.create_function("remember", 1, remember)


def _utc_stamp() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")


def _health_problem(path: Path) -> str | None:
    """Why the file at path is not a usable database, or None if it is (or is absent)."""
    if not path.exists() or path.stat().st_size == 0:
        return None
    # Look at the header before SQLite does: opening a non-database would make SQLite
    # delete the -wal beside it on close, and that file is evidence to keep.
    with open(path, "rb") as f:
        if f.read(16) != SQLITE_HEADER:
            return "file is not a database (no SQLite header)"
    conn = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        rows = conn.execute("PRAGMA quick_check").fetchall()
    except sqlite3.DatabaseError as exc:
        code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
        if code in _CORRUPT_CODES:
            return str(exc)
        _reraise(exc, path)  # busy, permissions...: not corruption
    finally:
        conn.close()
    if rows != [("ok",)]:
        return "; ".join(r[0] for r in rows[:5])
    return None


def _quarantine(path: Path, problem: str) -> Path:
    """Move a broken database and its -wal/-shm aside (never delete) and return the new path."""
    moved = path.with_name(f"{path.name}.corrupt-{_utc_stamp()}")
    for suffix in ("", "-wal", "-shm"):
        src = Path(str(path) + suffix)
        if src.exists():
            os.replace(src, str(moved) + suffix)
    log.error("database %s failed its integrity check (%s); moved it to %s and started "
              "a fresh one: `vitrine-bridge recover %s` salvages its events",
              path, problem, moved, moved)
    return moved


class _Reader:
    """Holds one thread's read connection; when the thread ends it is dropped, and a finalizer closes it."""

    __slots__ = ("__weakref__", "conn")

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn


def _close_reader(readers: set[sqlite3.Connection], lock: threading.Lock, conn: sqlite3.Connection) -> None:
    """Close a reader whose thread ended, unless Database.close() closed it already."""
    with lock:
        if conn not in readers:
            return
        readers.discard(conn)
    conn.close()


class Database:
    """The bridge's SQLite file: a single locked writer and thread-local readers."""

    def __init__(self, path: Path, synchronous: str, quarantined: Path | None) -> None:
        self.path = path
        self.synchronous = synchronous
        self.quarantined = quarantined
        self._write_lock = threading.Lock()
        # Cleared while the checkpointer waits for the write lock: a Lock is not fair, and
        # a writer in a loop would take it back every time (see Checkpointer._checkpoint).
        self._writers_may_go = threading.Event()
        self._writers_may_go.set()
        self._local = threading.local()
        self._readers: set[sqlite3.Connection] = set()
        self._readers_lock = threading.Lock()
        self._closed = False
        # The writer is a plain connection (write() maps its errors once, off the hot
        # path); readers map errors on each execute since they are handed out bare.
        self._writer = self._connect(_Writer)
        self._writer.execute("PRAGMA wal_autocheckpoint = 0")
        _define_remember(self._writer)
        self._commits = 0
        self._changes_seen = 0
        self._checkpointer = Checkpointer(path, self._write_lock, self._writers_may_go)
        # Durable writes from concurrent threads share transactions (see group_commit.py).
        self.commits = GroupCommit(self.transact, fatal=_loses_transaction)

    @classmethod
    def open(cls, path: str | os.PathLike[str], synchronous: str = "FULL",
             migrations: Sequence[Migration] = (), *, may_quarantine: bool = False) -> "Database":
        """Open (or create) the database and apply migrations.

        A corrupt file is moved aside only when may_quarantine (the caller holds the
        sender lock); otherwise DatabaseCorrupt names the file and nothing moves, so a
        second process never pulls the file from under a running sender.
        """
        sync = synchronous.upper()
        if sync not in SYNCHRONOUS_MODES:
            raise StorageError(f"synchronous: must be one of {', '.join(SYNCHRONOUS_MODES)}, "
                               f"got {synchronous!r}")
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        problem = _health_problem(p)
        if problem and not may_quarantine:
            raise DatabaseCorrupt(
                f"{p}: database is corrupt ({' '.join(problem.split())}); only the sender (`vitrine-bridge run` "
                "or `sync`, holding the sender lock) may move it aside: stop this process and "
                "start the sender")
        quarantined = _quarantine(p, problem) if problem else None
        db = cls(p, sync, quarantined)
        try:
            if migrations:
                migrate(db, sorted(migrations))
        except BaseException:
            db.close()
            raise
        return db

    def _connect(self, factory: type[sqlite3.Connection] = _Connection) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False,
                                   timeout=BUSY_TIMEOUT_MS / 1000, factory=factory)
            if isinstance(conn, _Connection):
                conn.db_path = str(self.path)
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            conn.execute(f"PRAGMA synchronous = {self.synchronous}")
            conn.execute("PRAGMA foreign_keys = ON")
        except sqlite3.Error as exc:
            _reraise(exc, self.path)
        if mode.lower() != "wal":
            log.warning("%s: journal_mode is %s, not wal", self.path, mode)
        return conn

    @contextmanager
    def write(self, durable: bool = True) -> Iterator[sqlite3.Connection]:
        """Yield the writer connection inside BEGIN IMMEDIATE ... COMMIT; roll back on error.

        durable=False commits with synchronous=NORMAL (no fsync; a power cut may undo the
        transaction, never corrupt the file): only for changes that are safe to lose, such
        as the sender's claims and acknowledgements (see Outbox.settle).
        """
        self._await_turn()
        with self._write_lock:
            conn = self._open_writer()
            relaxed = not durable and self.synchronous in ("FULL", "EXTRA")
            try:
                if relaxed:
                    conn.execute("PRAGMA synchronous = NORMAL")
                conn.execute("BEGIN IMMEDIATE")
                yield conn
                conn.execute("COMMIT")
            except BaseException as exc:  # noqa: BLE001 - _abort rolls back and re-raises it
                self._abort(conn, exc)
            finally:
                if relaxed:
                    conn.execute(f"PRAGMA synchronous = {self.synchronous}")
            self._committed(conn)

    def transact(self, work: Callable[[sqlite3.Connection], T], one_statement: bool = False) -> T:
        """work(conn) inside a durable BEGIN IMMEDIATE ... COMMIT; its result once committed.

        What `with db.write() as conn: return work(conn)` does, without the generator
        machinery: the record() hot path (through db.commits). one_statement: work runs
        a single statement to its end, which SQLite commits by itself (a write statement
        takes the write lock from its start), saving two round trips.
        """
        if one_statement:
            return self._one_statement(work)
        self._await_turn()
        with self._write_lock:
            conn = self._open_writer()
            try:
                conn.execute("BEGIN IMMEDIATE")
                result = work(conn)
                conn.execute("COMMIT")
            except BaseException as exc:  # noqa: BLE001 - _abort rolls back and re-raises it
                self._abort(conn, exc)
            self._committed(conn)
            return result

    def _one_statement(self, work: Callable[[sqlite3.Connection], T]) -> T:
        self._await_turn()
        with self._write_lock:
            conn = self._open_writer()
            try:
                result = work(conn)
            except sqlite3.Error as exc:
                _reraise(exc, self.path)
            self._committed(conn)
            return result

    def _await_turn(self) -> None:
        """Wait while the checkpointer has asked writers to let it take the write lock."""
        if not self._writers_may_go.is_set():
            self._writers_may_go.wait()

    def _open_writer(self) -> sqlite3.Connection:
        """The writer connection (the caller holds the write lock); StorageError once closed."""
        conn = self._writer
        if conn is None:
            raise StorageError(f"{self.path}: database is closed")
        return conn

    def _abort(self, conn: sqlite3.Connection, exc: BaseException) -> NoReturn:
        """Roll the open transaction back and raise exc (a storage failure as StorageError)."""
        self._rollback(conn)
        if isinstance(exc, sqlite3.Error):
            _reraise(exc, self.path)
        raise exc

    def _committed(self, conn: sqlite3.Connection) -> None:
        """Count a commit; nudge the checkpointer when enough was written (see CHECKPOINT_*)."""
        self._commits += 1
        if (self._commits >= CHECKPOINT_COMMITS
                or conn.total_changes - self._changes_seen >= CHECKPOINT_ROWS):
            self._commits, self._changes_seen = 0, conn.total_changes
            self._checkpointer.nudge()

    def _rollback(self, conn: sqlite3.Connection) -> None:
        # SQLite may already have rolled back by itself (e.g. after SQLITE_FULL).
        if conn.in_transaction:
            try:
                conn.execute("ROLLBACK")
            except sqlite3.Error:
                log.exception("%s: rollback failed", self.path)

    def read(self) -> sqlite3.Connection:
        """This thread's read connection (autocommit; each statement sees committed data)."""
        reader = getattr(self._local, "reader", None)
        if reader is None:
            if self._closed:
                raise StorageError(f"{self.path}: database is closed")
            reader = self._local.reader = _Reader(self._connect())
            with self._readers_lock:
                self._readers.add(reader.conn)
            # Server worker threads come and go: a thread's end drops its thread-local
            # _Reader, and that closes its connection (2 descriptors), not only close().
            weakref.finalize(reader, _close_reader, self._readers, self._readers_lock, reader.conn)
        return reader.conn

    def utils(self, conn: sqlite3.Connection | None = None) -> "sqlite_utils.Database":
        """sqlite-utils over conn (default: this thread's read connection); writes need db.write()'s conn."""
        # Imported on first use: it loads ~150 ms of modules (numpy, pluggy) that a process
        # which only records events never needs.
        import sqlite_utils

        # Recursive triggers would make REPLACE fire delete triggers, and plugins could
        # change the connection: the wrapper must leave our connections as they are.
        # Inside db.write() its insert/upsert run in a SAVEPOINT of our transaction.
        return sqlite_utils.Database(conn or self.read(), recursive_triggers=False,
                                     execute_plugins=False)

    def checkpoint(self) -> None:
        """Ask the background thread for a PASSIVE WAL checkpoint soon; returns without waiting for it."""
        self._checkpointer.nudge()

    def close(self) -> None:
        """Close every connection; the file stays as it is."""
        self._closed = True
        self._checkpointer.stop()
        with self._write_lock:
            if self._writer is not None:
                self._writer.close()
                self._writer = None
        with self._readers_lock:
            for conn in self._readers:
                conn.close()
            self._readers.clear()

    def __enter__(self) -> "Database":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
