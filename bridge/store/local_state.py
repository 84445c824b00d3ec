"""Small named values this box keeps across restarts (the kiosk's staff PIN lockout...).

    state = LocalState(db)
    state.set("staff_lockout:kiosk-1", '{"failures": 2, "locked_until": null}')
    state.get("staff_lockout:kiosk-1")   # -> the text, or None
"""

from __future__ import annotations

from bridge.store.database import Database

MIGRATIONS: list[tuple[int, str, str]] = [
    (65, "local state", """
        -- Values owned by this box (never sent to HQ): one text value per key.
        CREATE TABLE local_state (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL,
            updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
        ) WITHOUT ROWID;
    """),
]


class LocalState:
    """Key -> text values in the bridge database; durable once set() returns."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, key: str) -> str | None:
        row = self.db.read().execute("SELECT value FROM local_state WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    def set(self, key: str, value: str) -> None:
        with self.db.write() as conn:
            conn.execute("INSERT INTO local_state(key, value) VALUES (?, ?) ON CONFLICT(key) DO "
                         "UPDATE SET value = excluded.value, "
                         "updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')", (key, value))
