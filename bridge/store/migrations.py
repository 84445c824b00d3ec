"""Versioned schema migrations, applied to a database in version order.

A migration is (version, name, SQL script); each runs in its own transaction and is
recorded in PRAGMA user_version and the schema_migrations table. Which migrations a
database gets is the caller's choice (bridge.store.registry lists the bridge's).
"""

from __future__ import annotations

import sqlite3
import time
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Protocol

from bridge.errors import StorageError

Migration = tuple[int, str, str]

BOOKKEEPING = "schema_migrations"


class Migratable(Protocol):
    """What migrate() needs of a database: its path, a write transaction, sqlite-utils."""

    path: Path

    def write(self) -> AbstractContextManager[sqlite3.Connection]: ...

    def utils(self, conn: sqlite3.Connection | None = None) -> Any: ...


def split_statements(script: str) -> list[str]:
    """Split a SQL script into complete statements (triggers with BEGIN...END stay whole)."""
    statements: list[str] = []
    start = 0
    pos = script.find(";")
    while pos != -1:
        chunk = script[start:pos + 1]
        if sqlite3.complete_statement(chunk):
            if chunk.strip(" \t\r\n;"):
                statements.append(chunk.strip())
            start = pos + 1
        pos = script.find(";", pos + 1)
    tail = script[start:].strip()
    if tail and not sqlite3.complete_statement(tail + ";"):
        raise StorageError(f"incomplete SQL statement at the end of a migration: {tail[:80]!r}")
    if tail:
        statements.append(tail)
    return statements


def current_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def migrate(db: Migratable, migrations: list[Migration]) -> list[int]:
    """Apply the pending migrations to db; return the versions applied."""
    applied: list[int] = []
    with db.write() as conn:
        db.utils(conn)[BOOKKEEPING].create(
            {"version": int, "name": str, "applied_at": str}, pk="version",
            not_null={"name", "applied_at"}, if_not_exists=True)
        _refuse_newer(db, conn, migrations)
    for version, name, sql in migrations:
        statements = split_statements(sql)
        # executescript() would COMMIT by itself, so statements go one by one inside
        # our own BEGIN IMMEDIATE: a failure rolls back the whole step, version included.
        with db.write() as conn:
            done = db.utils(conn)[BOOKKEEPING]
            if done.count_where("version = ?", [version]):
                continue  # already there, or another process got there first
            for statement in statements:
                try:
                    conn.execute(statement)
                except sqlite3.Error as exc:
                    raise StorageError(f"{db.path}: migration {version} ({name}) failed: {exc}; "
                                       f"schema left at version {current_version(conn)}") from exc
            done.insert({"version": version, "name": name,
                         "applied_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
            conn.execute(f"PRAGMA user_version = {max(int(version), current_version(conn))}")
            applied.append(version)
    return applied


def _refuse_newer(db: Migratable, conn: sqlite3.Connection, migrations: list[Migration]) -> None:
    """Refuse a database written by a newer release: it may hold tables this code misuses."""
    known = {version for version, _, _ in migrations}
    latest = max(known, default=0)
    version = current_version(conn)
    unknown = [(r["version"], r["name"]) for r in db.utils(conn)[BOOKKEEPING].rows_where(
        select="version, name", order_by="version") if r["version"] not in known]
    if version > latest or unknown:
        what = f"migration {unknown[0][0]} ({unknown[0][1]})" if unknown else f"version {version}"
        raise StorageError(
            f"{db.path}: schema {what} is newer than this Vitrine knows (up to {latest}); "
            "the file was written by a newer release: upgrade Vitrine, do not downgrade a database")
