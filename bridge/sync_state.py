"""What the sender remembers between runs: pull cursors, the JWKS, cached images, status.

Stored in the bridge database (migrations 20-29) so that `vitrine-bridge status` in
another process sees what the running sender last did, and so the kiosk can verify
app QR codes with the network down.

    state = SyncState(db)
    state.set_cursor("catalog", "c-42"); state.cursor("catalog")  # -> "c-42"
    state.jwks()  # -> {"keys": [...]} (empty list before the first pull)
"""

from __future__ import annotations

import json
from typing import Any

MIGRATIONS: list[tuple[int, str, str]] = [
    (20, "sync cursors", """
        CREATE TABLE sync_cursors (
            name TEXT PRIMARY KEY,
            cursor TEXT NOT NULL,
            updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
        );
    """),
    (21, "jwks cache", """
        CREATE TABLE sync_jwks (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            jwks TEXT NOT NULL,
            fetched_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
        );
    """),
    (22, "image cache map", """
        CREATE TABLE image_cache (
            url TEXT PRIMARY KEY,
            path TEXT,  -- NULL: wanted but not downloaded yet (retried on each pull)
            etag TEXT,
            fetched_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
        );
    """),
    (23, "sync status", """
        CREATE TABLE sync_status (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
    """),
]

# Keys of sync_status, with what status() shows before the first push.
STATUS_DEFAULTS: dict[str, Any] = {
    "last_push_at": None,
    "last_pull_at": None,
    "last_error": None,
    "hq_reachable": None,
    "auth_failed": False,
    "retry_at": None,
}


class SyncState:
    """Cursors, JWKS cache, image cache map and last sync status, in the bridge database."""

    def __init__(self, db: Any) -> None:
        self.db = db

    def cursor(self, name: str) -> str | None:
        row = self.db.read().execute(
            "SELECT cursor FROM sync_cursors WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None

    def set_cursor(self, name: str, cursor: str | None) -> None:
        with self.db.write() as conn:
            if cursor is None:
                conn.execute("DELETE FROM sync_cursors WHERE name = ?", (name,))
            else:
                conn.execute(
                    "INSERT INTO sync_cursors(name, cursor) VALUES (?, ?) ON CONFLICT(name) "
                    "DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at",
                    (name, cursor))

    def jwks(self) -> dict:
        """The last JWKS pulled from HQ, or {"keys": []} before the first pull."""
        row = self.db.read().execute("SELECT jwks FROM sync_jwks WHERE id = 1").fetchone()
        return json.loads(row[0]) if row else {"keys": []}

    def set_jwks(self, jwks: dict) -> None:
        with self.db.write() as conn:
            conn.execute(
                "INSERT INTO sync_jwks(id, jwks) VALUES (1, ?) ON CONFLICT(id) "
                "DO UPDATE SET jwks = excluded.jwks, fetched_at = excluded.fetched_at",
                (json.dumps(jwks),))

    def image(self, url: str) -> tuple[str, str | None] | None:
        """(local path, etag) of a cached image, or None."""
        row = self.db.read().execute(
            "SELECT path, etag FROM image_cache WHERE url = ? AND path IS NOT NULL",
            (url,)).fetchone()
        return (row[0], row[1]) if row else None

    def want_image(self, url: str) -> None:
        """Remember an image that could not be downloaded, to retry it on the next pull."""
        with self.db.write() as conn:
            conn.execute("INSERT INTO image_cache(url, path) VALUES (?, NULL) "
                         "ON CONFLICT(url) DO NOTHING", (url,))

    def wanted_images(self) -> list[str]:
        return [r[0] for r in self.db.read().execute(
            "SELECT url FROM image_cache WHERE path IS NULL ORDER BY url")]

    def set_image(self, url: str, path: str, etag: str | None) -> None:
        with self.db.write() as conn:
            conn.execute(
                "INSERT INTO image_cache(url, path, etag) VALUES (?, ?, ?) ON CONFLICT(url) "
                "DO UPDATE SET path = excluded.path, etag = excluded.etag, "
                "fetched_at = excluded.fetched_at", (url, path, etag))

    def status(self) -> dict[str, Any]:
        """The last recorded sync status (STATUS_DEFAULTS keys)."""
        rows = self.db.read().execute("SELECT key, value FROM sync_status").fetchall()
        out = dict(STATUS_DEFAULTS)
        out.update({k: json.loads(v) for k, v in rows if k in STATUS_DEFAULTS})
        return out

    def set_status(self, **values: Any) -> None:
        """Record some status keys (unknown keys are a programming error)."""
        unknown = set(values) - set(STATUS_DEFAULTS)
        if unknown:
            raise KeyError(f"unknown sync status keys: {sorted(unknown)}")
        with self.db.write() as conn:
            conn.executemany(
                "INSERT INTO sync_status(key, value) VALUES (?, ?) ON CONFLICT(key) "
                "DO UPDATE SET value = excluded.value",
                [(k, json.dumps(v)) for k, v in values.items()])
