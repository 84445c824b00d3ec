"""HQ's databases: SQLite (the default, for the demo and tests) and PostgreSQL (production), one interface.

    db = open_database("hq.db")                          # or "postgresql://hq@db.internal/hq"
    with db.write() as tx:
        tx.run("UPDATE stores SET token = NULL WHERE store_id = ?", ("paris-marais",))
"""

from __future__ import annotations

from os import PathLike

from hq.db.base import Database, Tx

__all__ = ["Database", "Tx", "is_postgres_url", "open_database"]


def is_postgres_url(target: str) -> bool:
    return target.startswith(("postgresql://", "postgres://"))


def open_database(target: str | PathLike[str]) -> Database:
    """Connect to (and migrate) the database named by a postgresql:// URL or a SQLite file path."""
    text = str(target)
    if is_postgres_url(text):
        from hq.db.postgres import PostgresDatabase

        return PostgresDatabase(text)
    from hq.db.sqlite import SQLiteDatabase

    return SQLiteDatabase(text)
