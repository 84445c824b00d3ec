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
from datetime import datetime, timezone
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
    "receipts_skipped": 0,  # receipts not recorded because they are not sales (written by ingest)
    "receipts_refused": 0,
    "receipts_not_recorded_recent": [],  # the last reasons, newest first
}


def _now() -> str:
    """The current UTC time as the tables' DEFAULT writes it (milliseconds, Z)."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class SyncState:
    """Cursors, JWKS cache, image cache map and last sync status, in the bridge database."""

    def __init__(self, db: Any) -> None:
        self.db = db

    def cursor(self, name: str) -> str | None:
        """The pull cursor saved under name, or None before the first pull."""
        row = self.db.read().execute(
            "SELECT cursor FROM sync_cursors WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None

    def set_cursor(self, name: str, cursor: str | None) -> None:
        """Save the pull cursor under name (None forgets it: the next pull starts over)."""
        with self.db.write() as conn:
            cursors = self.db.utils(conn)["sync_cursors"]
            if cursor is None:
                cursors.delete_where("name = ?", [name])
            else:
                cursors.upsert({"name": name, "cursor": cursor, "updated_at": _now()})

    def jwks(self) -> dict:
        """The last JWKS pulled from HQ, or {"keys": []} before the first pull."""
        row = self.db.read().execute("SELECT jwks FROM sync_jwks WHERE id = 1").fetchone()
        return json.loads(row[0]) if row else {"keys": []}

    def set_jwks(self, jwks: dict) -> None:
        """Replace the cached JWKS."""
        with self.db.write() as conn:
            self.db.utils(conn)["sync_jwks"].upsert(
                {"id": 1, "jwks": json.dumps(jwks), "fetched_at": _now()})

    def image(self, url: str) -> tuple[str, str | None] | None:
        """(local path, etag) of a cached image, or None."""
        row = self.db.read().execute(
            "SELECT path, etag FROM image_cache WHERE url = ? AND path IS NOT NULL",
            (url,)).fetchone()
        return (row[0], row[1]) if row else None

    def want_image(self, url: str) -> None:
        """Remember an image that could not be downloaded, to retry it on the next pull."""
        with self.db.write() as conn:
            # ignore: a url already known keeps its row (and its file, if it has one)
            self.db.utils(conn)["image_cache"].insert({"url": url, "path": None}, ignore=True)

    def wanted_images(self) -> list[str]:
        """Urls of images still to download, sorted."""
        rows = self.db.utils()["image_cache"].rows_where("path IS NULL", select="url",
                                                          order_by="url")
        return [r["url"] for r in rows]

    def set_image(self, url: str, path: str, etag: str | None) -> None:
        """Record that url is cached in the local file path (with its ETag, if any)."""
        with self.db.write() as conn:
            self.db.utils(conn)["image_cache"].upsert(
                {"url": url, "path": path, "etag": etag, "fetched_at": _now()})

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
            self.db.utils(conn)["sync_status"].upsert_all(
                {"key": k, "value": json.dumps(v)} for k, v in values.items())
