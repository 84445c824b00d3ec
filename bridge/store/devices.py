"""The store bridge's device registry: per-device tokens, revocation, last contact, device ids.

A store manager pairs a kiosk or till (`vitrine-bridge pair NAME`), which mints a token; the
registry keeps only its SHA-256. A minted token must be used within PAIR_TTL_S (the pairing
QR is a photo away from a stranger); once used it stays valid until revoked. A kiosk that
paired from the QR swaps that token at once for one nobody saw (`swap`): the QR's token is
spent, and a photo of it is worth nothing. A kiosk that may die between the swap and writing
its config names its swap with a request id it kept on disk: the same pairing code and the
same request id, within the code's lifetime, swap again (the token issued first is replaced,
so it stops working); another request id never does (`pairing_swaps`, one row per pairing
code, keeps that promise by its key). Revoking keeps the row (the device is refused
with 401 and keeps its events). Clients named in [serve.tokens] are recorded here on first
contact.

Each event's device id belongs to one client: the paired name from pairing on, any other id
from the first client that sent for it (`claim_senders`), so one token cannot pose as another
device. A till given a token of its own takes over the ids it sends for from the shared intake
token's client, so the tills move off the shared token one by one and keep their registers.

    token = pair(db, "kiosk-entrance")
    admit(db, token)  # -> ("kiosk-entrance", None); (name, "why refused") when revoked or expired
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from bridge.errors import VitrineError

NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
# Long enough to walk from the back office to the screen; short enough that a photo of the
# QR found tomorrow is worth nothing.
PAIR_TTL_S = 15 * 60

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
    (41, "pairing expiry and device id owners", """
        ALTER TABLE devices ADD COLUMN expires_at TEXT;     -- NULL: never expires (older pairings)
        ALTER TABLE devices ADD COLUMN first_used_at TEXT;  -- NULL: not used yet
        ALTER TABLE devices ADD COLUMN spent_sha256 TEXT;   -- the QR's token, once swapped
        CREATE TABLE device_ids (
            device_id TEXT PRIMARY KEY,  -- an event's device_id
            client TEXT NOT NULL,        -- the token holder allowed to send for it
            bound_at TEXT NOT NULL
        ) WITHOUT ROWID;
    """),
    (42, "retry-safe pairing swaps", """
        CREATE TABLE pairing_swaps (
            pairing_sha256 TEXT PRIMARY KEY,     -- the QR's token: one swap request per pairing code
            name TEXT NOT NULL,                  -- the device it paired
            request_id TEXT,                     -- the kiosk's; NULL (an older kiosk): never retried
            issued_sha256 TEXT NOT NULL UNIQUE,  -- the token issued last; a retry replaces it
            expires_at TEXT,                     -- the pairing code's end: no retry after it
            issued INTEGER NOT NULL DEFAULT 1,   -- tokens issued for this code so far
            swapped_at TEXT NOT NULL
        ) WITHOUT ROWID;
    """),
]

# Why a swap gave no token (Swap.refusal).
NOT_PAIRING = "not a pairing code"  # a configured token, the device's own, revoked, or unknown
OTHER_REQUEST = "swapped by another request"
RETRY_EXPIRED = "expired"
REQUEST_ID_RE = re.compile(r"[A-Za-z0-9_-]{16,64}")


@dataclass(frozen=True)
class Swap:
    """What a swap gave: the device's new token, or why none (NOT_PAIRING, OTHER_REQUEST, RETRY_EXPIRED)."""

    token: str | None
    refusal: str | None = None
    issued: int = 0  # tokens issued for the pairing code so far (2 and more: retries)
    detail: str = ""  # when the code was swapped, or until when it could be retried

    def __repr__(self) -> str:  # the token stays out of logs and tracebacks
        return f"Swap(refusal={self.refusal!r}, issued={self.issued})"


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


def now(after_s: float = 0.0) -> str:
    """The UTC time (after_s seconds from now) as the registry stores it."""
    moment = datetime.now(timezone.utc) + timedelta(seconds=after_s)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def check_name(name: str) -> str:
    if not NAME_RE.fullmatch(name):
        raise VitrineError(f"device name {name!r}: use 1-64 letters, digits, '.', '_' or '-'")
    return name


def pair(db: Any, name: str, kind: str = "kiosk", ttl_s: float = PAIR_TTL_S) -> str:
    """Mint a new token for name (replacing any earlier one, lifting a revocation); return it.

    The token is refused unless first used within ttl_s; the device id `name` is its own
    from now on, whoever sent for it before (the store manager's word wins over first use).
    """
    token = secrets.token_urlsafe(32)
    with db.write() as conn:
        conn.execute(
            "INSERT INTO devices(name, kind, token_sha256, created_at, expires_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(name) DO UPDATE SET kind = excluded.kind, "
            "token_sha256 = excluded.token_sha256, created_at = excluded.created_at, revoked_at = NULL, "
            "expires_at = excluded.expires_at, first_used_at = NULL, spent_sha256 = NULL",
            (check_name(name), kind, digest(token), now(), now(ttl_s)))
        conn.execute("INSERT INTO device_ids(device_id, client, bound_at) VALUES (?1, ?1, ?2) "
                     "ON CONFLICT(device_id) DO UPDATE SET client = ?1, bound_at = ?2", (name, now()))
        conn.execute("DELETE FROM pairing_swaps WHERE name = ?", (name,))  # the old code swaps no more
    return token


def expires_at(db: Any, name: str) -> str | None:
    """When name's token stops being accepted unless used first (None: used, or no expiry)."""
    row = db.read().execute("SELECT expires_at FROM devices WHERE name = ? AND first_used_at IS NULL",
                            (name,)).fetchone()
    return row[0] if row else None


def admit(db: Any, token: str) -> tuple[str, str | None] | None:
    """(name, None) for a paired token that may call, (name, why) when refused, None when unknown.

    The first accepted call ends the token's expiry: from then on it is the device's.
    """
    row = db.read().execute("SELECT name, revoked_at, expires_at, first_used_at FROM devices "
                            "WHERE token_sha256 = ?", (digest(token),)).fetchone()
    if row is None:
        return _spent(db, token)
    name, revoked_at, expiry, first_used_at = row
    if revoked_at is not None:
        return name, f"the token of device {name!r} was revoked"
    if first_used_at is None and expiry is not None:
        if now() >= expiry:
            return name, (f"the pairing code of device {name!r} expired unused at {expiry}: "
                          f"pair it again (vitrine-bridge pair {name})")
        with db.write() as conn:  # durable: an expiry must not come back after a crash
            conn.execute("UPDATE devices SET first_used_at = coalesce(first_used_at, ?) WHERE name = ?",
                         (now(), name))
    return name, None


def admit_swap(db: Any, token: str) -> tuple[str, str | None] | None:
    """admit() for a swap that names its request: a spent pairing code may call (swap decides)."""
    row = db.read().execute("SELECT name, revoked_at FROM devices WHERE spent_sha256 = ?",
                            (digest(token),)).fetchone()
    if row is None:
        return admit(db, token)
    name, revoked_at = row
    return name, (f"the token of device {name!r} was revoked" if revoked_at is not None else None)


def _spent(db: Any, token: str) -> tuple[str, str] | None:
    """(name, why) for a pairing QR's token a device already swapped, else None."""
    row = db.read().execute("SELECT name, first_used_at FROM devices WHERE spent_sha256 = ?",
                            (digest(token),)).fetchone()
    if row is None:
        return None
    name, used_at = row
    return name, (f"the pairing code of device {name!r} was already used at {used_at}; if no screen "
                  f"of yours paired then: vitrine-bridge revoke {name}, then pair again")


def swap(db: Any, name: str, token: str, request_id: str | None = None) -> Swap:
    """A new token for name in place of token (the QR's), once per pairing, or again for the same request.

    The kiosk calls this right after reading the QR, so the token in the picture stops working.
    With the request_id of the swap that spent token, before the code's expiry, it swaps
    again: the token issued before is replaced (refused from now on) by a fresh one.
    """
    fresh = secrets.token_urlsafe(32)
    pairing, at = digest(token), now()
    with db.write() as conn:
        # The row of the pairing code is the promise: created by the first swap, updated only
        # by the same request id in time; any other request finds it and gets nothing.
        row = conn.execute(
            "INSERT INTO pairing_swaps(pairing_sha256, name, request_id, issued_sha256, expires_at, swapped_at) "
            "SELECT ?1, name, ?2, ?3, expires_at, ?4 FROM devices WHERE name = ?5 AND revoked_at IS NULL "
            "AND ((token_sha256 = ?1 AND spent_sha256 IS NULL) OR spent_sha256 = ?1) "
            "ON CONFLICT(pairing_sha256) DO UPDATE SET issued_sha256 = excluded.issued_sha256, "
            "issued = issued + 1, swapped_at = excluded.swapped_at "
            "WHERE pairing_swaps.request_id = excluded.request_id "
            "AND excluded.swapped_at < pairing_swaps.expires_at "
            "RETURNING issued",
            (pairing, request_id, digest(fresh), at, name)).fetchone()
        if row is None:
            return _refusal(conn, pairing, request_id)
        conn.execute("UPDATE devices SET token_sha256 = ?, spent_sha256 = ?, "
                     "first_used_at = coalesce(first_used_at, ?) WHERE name = ?",
                     (digest(fresh), pairing, at, name))
    return Swap(fresh, issued=row[0])


def _refusal(conn: Any, pairing: str, request_id: str | None) -> Swap:
    """Why the pairing code with this digest was not swapped."""
    row = conn.execute("SELECT s.request_id, s.expires_at, s.swapped_at FROM pairing_swaps s "
                       "JOIN devices d ON d.name = s.name AND d.spent_sha256 = s.pairing_sha256 "
                       "WHERE s.pairing_sha256 = ? AND d.revoked_at IS NULL", (pairing,)).fetchone()
    if row is None:  # not a pairing code, or its device was revoked or paired again
        return Swap(None, NOT_PAIRING)
    first_request, expiry, swapped_at = row
    if request_id is None or request_id != first_request:
        return Swap(None, OTHER_REQUEST, detail=swapped_at)
    return Swap(None, RETRY_EXPIRED, detail=expiry or "")


def claim_senders(db: Any, client: str, device_ids: Iterable[str],
                  adopt_from: str | None = None) -> dict[str, str]:
    """Bind unowned device ids to client; return {device_id: owner} for those another client owns.

    adopt_from: a client whose ids pass to this one when it sends for them (the shared intake
    token's, to a till with a token of its own).
    """
    wanted = sorted(set(device_ids))
    if not wanted:
        return {}
    owners = _owners(db.read(), wanted)
    free = [d for d in wanted if owners.get(d, adopt_from) == adopt_from]
    if free:
        with db.write() as conn:
            # The WHERE re-checks the owner in the transaction: a concurrent sender may have won.
            conn.executemany("INSERT INTO device_ids(device_id, client, bound_at) VALUES (?1, ?2, ?3) "
                             "ON CONFLICT(device_id) DO UPDATE SET client = ?2, bound_at = ?3 "
                             "WHERE device_ids.client = ?4",
                             [(d, client, now(), adopt_from) for d in free])
            owners = _owners(conn, wanted)
    return {d: owner for d, owner in owners.items() if owner != client}


def _owners(conn: Any, device_ids: list[str]) -> dict[str, str]:
    marks = ",".join("?" * len(device_ids))
    rows = conn.execute(f"SELECT device_id, client FROM device_ids WHERE device_id IN ({marks})",
                        device_ids).fetchall()
    return dict(rows)


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
