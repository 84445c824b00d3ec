"""The store bridge's device registry: per-device tokens, revocation, last contact.

A store manager pairs a kiosk or till (`vitrine-bridge pair NAME`), which mints a token; the
registry keeps only its SHA-256. Revoking keeps the row (the device is refused with 401 and
keeps its events). Clients named in [serve.tokens] are recorded here on first contact.

    token = pair(db, "kiosk-entrance")
    find_token(db, token)  # -> Device(name="kiosk-entrance", revoked=False, ...)
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from bridge.errors import VitrineError

NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")

MIGRATIONS: list[tuple[int, str, str]] = [
    (40, "device registry", """
        CREATE TABLE devices (
            name TEXT PRIMARY KEY,
            kind TEXT NOT NULL DEFAULT 'kiosk',
            token_sha256 TEXT UNIQUE,  -- NULL for a client whose token is in the configuration
            created_at TEXT NOT NULL,
            revoked_at TEXT,
            last_seen_at TEXT,
            pending INTEGER
        ) WITHOUT ROWID;
    """),
]


@dataclass(frozen=True)
class Device:
    """A device the store bridge serves, as the heartbeat to HQ and `devices` show it."""

    name: str
    kind: str
    created_at: str
    revoked: bool
    last_seen_at: str | None
    pending: int | None

    def heartbeat_entry(self) -> dict:
        """The `devices` item of the heartbeat contract extension."""
        return {"device_id": self.name, "kind": self.kind, "last_seen_at": self.last_seen_at,
                "pending": self.pending, "revoked": self.revoked}


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def check_name(name: str) -> str:
    if not NAME_RE.fullmatch(name):
        raise VitrineError(f"device name {name!r}: use 1-64 letters, digits, '.', '_' or '-'")
    return name


def pair(db: Any, name: str, kind: str = "kiosk") -> str:
    """Mint a new token for name (replacing any earlier one, lifting a revocation); return it."""
    token = secrets.token_urlsafe(32)
    with db.write() as conn:
        conn.execute(
            "INSERT INTO devices(name, kind, token_sha256, created_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(name) DO UPDATE SET kind = excluded.kind, "
            "token_sha256 = excluded.token_sha256, created_at = excluded.created_at, revoked_at = NULL",
            (check_name(name), kind, digest(token), now()))
    return token


def revoke(db: Any, name: str) -> bool:
    """Refuse name's token from now on; False when no such device."""
    with db.write() as conn:
        return conn.execute("UPDATE devices SET revoked_at = coalesce(revoked_at, ?) WHERE name = ?",
                            (now(), name)).rowcount == 1


def find_token(db: Any, token: str) -> Device | None:
    """The paired device holding token (revoked or not), or None."""
    row = db.read().execute(f"SELECT {_COLUMNS} FROM devices WHERE token_sha256 = ?",
                            (digest(token),)).fetchone()
    return _device(row) if row else None


def is_revoked(db: Any, name: str) -> bool:
    row = db.read().execute("SELECT revoked_at FROM devices WHERE name = ?", (name,)).fetchone()
    return bool(row and row[0])


def touch(db: Any, name: str, pending: int | None = None) -> None:
    """Record a contact from name (and its pending count, when it said)."""
    with db.write(durable=False) as conn:  # a lost last-contact time is harmless
        conn.execute(
            "INSERT INTO devices(name, kind, created_at, last_seen_at, pending) "
            "VALUES (?, 'client', ?, ?, ?) ON CONFLICT(name) DO UPDATE SET "
            "last_seen_at = excluded.last_seen_at, pending = coalesce(?, devices.pending)",
            (name, now(), now(), pending, pending))


def list_devices(db: Any) -> list[Device]:
    """Every known device, by name."""
    rows = db.read().execute(f"SELECT {_COLUMNS} FROM devices ORDER BY name").fetchall()
    return [_device(r) for r in rows]


_COLUMNS = "name, kind, created_at, revoked_at, last_seen_at, pending"


def _device(row: tuple) -> Device:
    name, kind, created_at, revoked_at, last_seen_at, pending = row
    return Device(name, kind, created_at, revoked_at is not None, last_seen_at, pending)
