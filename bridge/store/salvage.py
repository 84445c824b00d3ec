"""Read every event still readable from a damaged bridge database file (and its -wal).

    found = salvage("/var/lib/vitrine/vitrine.db.corrupt-20261202T070000123456Z")
    found.bodies        # {event id: exact JSON text as the outbox held it}
    found.high_water    # {device id: highest seq seen}, so a fresh outbox never reuses one

Two passes, both read-only on a private copy (the evidence is never touched):
1. SQLite itself, when the copy still opens: outbox rows page range by page range
   (a range that fails is split until the bad rows are isolated), the ids HQ already
   acknowledged, and each device's seq high-water mark.
2. A byte scan of the file and its -wal for event bodies: the outbox stores each event's
   final JSON text contiguously in a page, so bodies survive a damaged header, a
   truncated file and bad pages elsewhere. A candidate counts only if it parses as a
   whole, is valid UTF-8 and has the contract's fields.
SQLite's own `.recover` is not used: Debian's sqlite3 3.40 CLI is built without the
sqlite_dbpage table it needs and fails on every file.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from bridge.events import ID_RE

_BODY_START = b'{"id":"'
_MAX_BODY = 1_048_576  # an event larger than HQ's batch limit could never have been sent
_DECODER = json.JSONDecoder()
_WINDOWS = (8192, 131_072, _MAX_BODY)  # most bodies fit a page; a large one is tried again


@dataclass
class Salvage:
    """What could be read from a damaged database."""

    bodies: dict[str, str] = field(default_factory=dict)
    acked_ids: set[str] = field(default_factory=set)
    high_water: dict[str, int] = field(default_factory=dict)
    sqlite_opened: bool = False

    def events(self) -> dict[str, str]:
        """Bodies of events HQ has not acknowledged (as far as the file still tells)."""
        return {i: b for i, b in self.bodies.items() if i not in self.acked_ids}

    def _see(self, body: str, event: dict) -> None:
        self.bodies.setdefault(event["id"], body)
        self._raise(event["device_id"], event["seq"])

    def _raise(self, device_id: str, seq: int) -> None:
        if seq > self.high_water.get(device_id, 0):
            self.high_water[device_id] = seq


def salvage(path: str | Path) -> Salvage:
    """Every readable event of the database file at path; never modifies path."""
    path = Path(path)
    found = Salvage()
    with tempfile.TemporaryDirectory(prefix="vitrine-salvage-") as tmp:
        copy = Path(tmp) / "copy.db"
        for suffix in ("", "-wal"):
            src = Path(f"{path}{suffix}")
            if src.exists():
                shutil.copyfile(src, f"{copy}{suffix}")
        _read_with_sqlite(copy, found)
        for suffix in ("", "-wal"):
            part = Path(f"{copy}{suffix}")
            if part.exists():
                _scan_bytes(part.read_bytes(), found)
    return found


def _read_with_sqlite(copy: Path, found: Salvage) -> None:
    """Pass 1: whatever SQLite still reads from the copy; nothing when it cannot open it."""
    try:
        conn = sqlite3.connect(copy, isolation_level=None)
    except sqlite3.Error:
        return
    try:
        conn.execute("SELECT count(*) FROM sqlite_schema").fetchone()
        found.sqlite_opened = True
        _rows_between(conn, "SELECT body FROM outbox WHERE pos BETWEEN ? AND ?",
                      _bounds(conn, "outbox", "pos"), lambda row: _accept(row[0], found))
        for event_id, in _all_rows(conn, "SELECT id FROM acked"):
            found.acked_ids.add(event_id)
        for device_id, last_seq in _all_rows(conn, "SELECT device_id, last_seq FROM device_sequences"):
            if isinstance(device_id, str) and isinstance(last_seq, int):
                found._raise(device_id, last_seq)
    except sqlite3.Error:
        pass
    finally:
        conn.close()


def _all_rows(conn: sqlite3.Connection, sql: str) -> list[tuple]:
    """The rows of sql, or none when the pages behind it are unreadable."""
    try:
        return conn.execute(sql).fetchall()
    except sqlite3.Error:
        return []


def _bounds(conn: sqlite3.Connection, table: str, key: str) -> tuple[int, int] | None:
    try:
        low, high = conn.execute(f"SELECT min({key}), max({key}) FROM {table}").fetchone()
    except sqlite3.Error:
        return (1, 1 << 40)  # the index pages may be the bad ones: try the whole range
    return None if low is None else (low, high)


def _rows_between(conn: sqlite3.Connection, sql: str, bounds: tuple[int, int] | None,
                  take) -> None:
    """Run sql over [low, high], splitting any range that fails until single rows remain."""
    stack = [bounds] if bounds else []
    while stack:
        low, high = stack.pop()
        try:
            rows = conn.execute(sql, (low, high)).fetchall()
        except sqlite3.Error:
            if low < high:
                mid = (low + high) // 2
                stack += [(mid + 1, high), (low, mid)]
            continue
        for row in rows:
            take(row)


def _scan_bytes(data: bytes, found: Salvage) -> None:
    """Pass 2: every well-formed event body anywhere in data."""
    start = data.find(_BODY_START)
    while start != -1:
        text = _json_at(data, start)
        # "replace" let a damaged byte through as U+FFFD: only a byte-exact body counts.
        if text is not None and data.startswith(text.encode("utf-8"), start):
            _accept(text, found)
        start = data.find(_BODY_START, start + 1)


def _json_at(data: bytes, start: int) -> str | None:
    """The JSON value beginning at data[start], or None; reads a small window first."""
    for window in _WINDOWS:
        chunk = data[start:start + window].decode("utf-8", "replace")
        try:
            _, end = _DECODER.raw_decode(chunk)
            return chunk[:end]
        except json.JSONDecodeError:
            # Perhaps cut off by the window: look again with a larger one, if there is more.
            if start + window >= len(data):
                return None
    return None


def _accept(body: object, found: Salvage) -> None:
    """Keep body if it is an event as the outbox writes it."""
    if not isinstance(body, str):
        return
    try:
        event = json.loads(body)
    except ValueError:
        return
    if _is_event(event):
        found._see(body, event)


def _is_event(event: object) -> bool:
    if not isinstance(event, dict):
        return False
    seq = event.get("seq")
    return (isinstance(event.get("id"), str) and ID_RE.fullmatch(event["id"]) is not None
            and isinstance(event.get("type"), str) and isinstance(event.get("occurred_at"), str)
            and isinstance(event.get("device_id"), str) and bool(event["device_id"])
            and isinstance(seq, int) and not isinstance(seq, bool) and seq >= 1
            and isinstance(event.get("payload"), dict))
