"""The PostgreSQL backend: a connection pool per process, exactly-once by the events table's primary key.

Any number of workers and machines share one database: every write is one transaction,
events go in with one `INSERT … SELECT FROM unnest(…) ON CONFLICT (id) DO NOTHING
RETURNING id` per batch, and writers of one store are ordered by a transaction-scoped
advisory lock (which keeps each device's seq tracking exact), never by a process lock.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from hq.db.migrations import POSTGRES
from hq.errors import DatabaseUnavailable

POOL_MAX = 16  # connections per worker process
POOL_TIMEOUT_S = 5.0  # waiting for a connection longer than this answers 503
_MIGRATION_LOCK = 0x7669_7472  # any constant: one migrator at a time
# errors where nothing was stored and a retry may work: the database is down, restarting, or we lost a race
_UNAVAILABLE = (psycopg.OperationalError, psycopg.errors.SerializationFailure, psycopg.errors.DeadlockDetected,
                PoolTimeout)

_INSERT_EVENTS = """
WITH b AS (INSERT INTO batches (store_id, bridge_id, received_at, body) VALUES (%s, %s, %s, %s) RETURNING id)
INSERT INTO events (id, store_id, type, device_id, seq, profile_id, claim_code, batch_id, idx)
SELECT u.id, %s, u.type, u.device_id, u.seq, u.profile_id, u.claim_code, b.id, u.idx
FROM b, unnest(%b::text[], %b::text[], %b::text[], %b::bigint[], %b::text[], %b::text[], %b::int[])
     AS u(id, type, device_id, seq, profile_id, claim_code, idx)
ON CONFLICT (id) DO NOTHING RETURNING id
"""


def _pg(sql: str) -> str:
    """Our `?` placeholders as psycopg's `%s` (no statement of ours has a literal ? or %)."""
    return sql.replace("?", "%s")


class PostgresTx:
    """A transaction on one pooled connection."""

    def __init__(self, cur: psycopg.Cursor, column_types: dict[str, dict[str, str]]) -> None:
        self.cur = cur
        self._column_types = column_types  # the database's, shared by its transactions

    def rows(self, sql: str, params: Sequence = ()) -> list[tuple]:
        self.cur.execute(_pg(sql), params)
        return self.cur.fetchall()

    def run(self, sql: str, params: Sequence = ()) -> None:
        self.cur.execute(_pg(sql), params)

    def many(self, sql: str, rows: Iterable[Sequence]) -> None:
        self.cur.executemany(_pg(sql), list(rows))

    def lock(self, key: str) -> None:
        self.cur.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (key,))

    def insert_new(self, table: str, columns: Sequence[str], key: str, rows: list[tuple]) -> None:
        if not rows:
            return
        types = self._types(table)
        arrays = ", ".join(f"%b::{types[c]}[]" for c in columns)
        # one array per column (psycopg converts a long VALUES list's thousands of placeholders slowly),
        # sent in binary (no quoting to scan for)
        self.cur.execute(f"INSERT INTO {table} ({', '.join(columns)}) SELECT * FROM unnest({arrays}) "
                         f"ON CONFLICT {key} DO NOTHING", [list(column) for column in zip(*rows)])

    def _types(self, table: str) -> dict[str, str]:
        """Each column's SQL type, read from the catalog once per table."""
        if table not in self._column_types:
            self.cur.execute("SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
                             "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped", (table,))
            self._column_types[table] = dict(self.cur.fetchall())
        return self._column_types[table]

    def insert_events(self, store_id: str, bridge_id: str, received_at: str, raw: str,
                      rows: list[tuple]) -> set[str]:
        columns = list(zip(*rows))
        self.cur.execute(_INSERT_EVENTS, (store_id, bridge_id, received_at, raw, store_id, *map(list, columns)))
        inserted = {r[0] for r in self.cur.fetchall()}
        if not inserted:  # every event was stored before: keep no empty batch
            self.cur.execute("DELETE FROM batches WHERE id = currval(pg_get_serial_sequence('batches', 'id'))")
        return inserted


class PostgresDatabase:
    """An HQ database on a PostgreSQL server."""

    kind = "postgresql"
    row_order = "ord"

    def __init__(self, url: str, *, max_size: int = POOL_MAX) -> None:
        self.url = url
        self._where = _redacted(url)
        self._pool = ConnectionPool(url, min_size=1, max_size=max_size, timeout=POOL_TIMEOUT_S, open=False,
                                    kwargs={"autocommit": True}, check=ConnectionPool.check_connection)
        self._column_types: dict[str, dict[str, str]] = {}
        try:
            self._migrate()  # on a connection of its own: its error says why the database is unreachable
            self._pool.open(wait=True, timeout=POOL_TIMEOUT_S)
        except _UNAVAILABLE as exc:
            self._pool.close()
            raise DatabaseUnavailable(f"{self._where}: {_first_line(exc)}") from exc

    def _migrate(self) -> None:
        with psycopg.connect(self.url, connect_timeout=int(POOL_TIMEOUT_S)) as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
            conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
            current = row[0] or 0
            for number, script in enumerate(POSTGRES[current:], current + 1):
                conn.execute(script)
                conn.execute("INSERT INTO schema_version VALUES (%s)", (number,))

    @contextmanager
    def write(self) -> Iterator[PostgresTx]:
        try:
            with self._pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
                yield PostgresTx(cur, self._column_types)
        except _UNAVAILABLE as exc:
            raise DatabaseUnavailable(f"{self._where}: {_first_line(exc)}") from exc

    def read(self, sql: str, params: Sequence = ()) -> list[tuple]:
        try:
            with self._pool.connection() as conn:
                return conn.execute(_pg(sql), params).fetchall()
        except _UNAVAILABLE as exc:
            raise DatabaseUnavailable(f"{self._where}: {_first_line(exc)}") from exc

    def close(self) -> None:
        self._pool.close()


def _redacted(url: str) -> str:
    """The URL without its password, for messages."""
    return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", url)


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
