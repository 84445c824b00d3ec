"""The HQ schema: both dialects hold the same tables, columns and indexes, and a database made by
an earlier version migrates to the schema a fresh one gets."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg
import pytest

from hq.db.migrations import MIGRATIONS, POSTGRES, SQLITE
from hq.db.postgres import PostgresDatabase
from hq.db.sqlite import SQLiteDatabase

# what only PostgreSQL has, on purpose: its migration counter, and an insertion order for saves
# (SQLite orders them by rowid)
POSTGRES_ONLY = {("schema_version", "version"), ("saves", "ord")}


def sqlite_schema(path: str) -> list[tuple]:
    """Every table, index and column of a SQLite file, as stored (sqlite_master's SQL included)."""
    with sqlite3.connect(path) as conn:
        master = conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name").fetchall()
        columns = [(table, *col) for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
                   for col in conn.execute(f"PRAGMA table_info({table})")]
    return master + sorted(columns)


def postgres_schema(url: str) -> list[tuple]:
    """Every column (type, nullability, default, identity), index and constraint of a PostgreSQL database."""
    with psycopg.connect(url) as conn:
        columns = conn.execute(
            "SELECT table_name, column_name, data_type, is_nullable, column_default, is_identity"
            " FROM information_schema.columns WHERE table_schema = 'public'"
            " ORDER BY table_name, column_name").fetchall()
        indexes = conn.execute("SELECT tablename, indexname, indexdef FROM pg_indexes"
                               " WHERE schemaname = 'public' ORDER BY indexname").fetchall()
        constraints = conn.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE connamespace = 'public'::regnamespace ORDER BY conname").fetchall()
    return columns + indexes + constraints


def _sqlite_at(path: str, version: int) -> None:
    with sqlite3.connect(path, isolation_level=None) as conn:
        for number, script in enumerate(SQLITE[:version], 1):
            conn.executescript(f"BEGIN; {script}; PRAGMA user_version = {number}; COMMIT;")


def _postgres_at(url: str, version: int) -> None:
    with psycopg.connect(url) as conn, conn.transaction():
        conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        for number, script in enumerate(POSTGRES[:version], 1):
            conn.execute(script)
            conn.execute("INSERT INTO schema_version VALUES (%s)", (number,))


@pytest.mark.parametrize("version", range(len(MIGRATIONS)))
def test_a_sqlite_file_of_an_earlier_version_migrates_to_the_fresh_schema(tmp_path: Path, version: int) -> None:
    fresh, old = str(tmp_path / "fresh.db"), str(tmp_path / "old.db")
    SQLiteDatabase(fresh).close()
    _sqlite_at(old, version)
    SQLiteDatabase(old).close()
    assert sqlite_schema(old) == sqlite_schema(fresh)


@pytest.mark.parametrize("version", range(len(MIGRATIONS)))
def test_a_postgres_database_of_an_earlier_version_migrates_to_the_fresh_schema(pg_cluster, version: int) -> None:
    fresh, old = pg_cluster.new_database(), pg_cluster.new_database()
    PostgresDatabase(fresh).close()
    _postgres_at(old, version)
    PostgresDatabase(old).close()
    assert postgres_schema(old) == postgres_schema(fresh)


def test_both_dialects_have_the_same_tables_columns_and_indexes(tmp_path: Path, pg_cluster) -> None:
    path, url = str(tmp_path / "hq.db"), pg_cluster.new_database()
    SQLiteDatabase(path).close()
    PostgresDatabase(url).close()
    with sqlite3.connect(path) as conn:
        lite_columns = {(t, c[1]) for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
                        for c in conn.execute(f"PRAGMA table_info({t})")}
        lite_indexes = {n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'"
                                                   " AND sql IS NOT NULL")}
    schema = postgres_schema(url)
    pg_columns = {(row[0], row[1]) for row in schema if len(row) == 6}
    pg_indexes = {row[1] for row in schema if len(row) == 3 and row[2].startswith("CREATE INDEX")}
    assert pg_columns - POSTGRES_ONLY == lite_columns
    assert pg_indexes == lite_indexes
