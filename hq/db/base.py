"""What the HQ store needs from a database: transactions, reads, and the few statements that differ by dialect.

SQL given to Tx and Database.read uses `?` placeholders; the PostgreSQL backend rewrites them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from typing import Protocol


class Tx(Protocol):
    """One open transaction."""

    def rows(self, sql: str, params: Sequence = ()) -> list[tuple]:
        """Run a statement and return its rows."""

    def run(self, sql: str, params: Sequence = ()) -> None:
        """Run a statement, ignoring any rows."""

    def many(self, sql: str, rows: Iterable[Sequence]) -> None:
        """Run a statement once per parameter row."""

    def lock(self, key: str) -> None:
        """Hold a lock named key until the transaction ends (serialises writers of one store or feed)."""

    def insert_new(self, table: str, columns: Sequence[str], key: str, rows: list[tuple]) -> None:
        """Insert rows into table's columns, skipping each whose key (a conflict target) is already there."""

    def insert_events(self, store_id: str, bridge_id: str, received_at: str, raw: str,
                      rows: list[tuple]) -> set[str]:
        """Keep raw as a batch and insert rows (id, type, device_id, seq, profile_id, claim_code, idx)
        not stored before, by the unique id; return the ids inserted now."""


class Database(Protocol):
    """A migrated HQ database."""

    kind: str  # "sqlite" or "postgresql"
    row_order: str  # the column that orders rows of the saves table by insertion

    def write(self) -> AbstractContextManager[Tx]:
        """A transaction, committed when the block ends without an exception."""

    def read(self, sql: str, params: Sequence = ()) -> list[tuple]:
        """Rows of one query (DatabaseUnavailable when the database cannot be reached)."""

    def close(self) -> None:
        """Close every connection."""
