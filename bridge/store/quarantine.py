"""Durable record of databases moved aside as corrupt, for status, the heartbeat and staff.

    quarantines = Quarantines(db)
    quarantines.note(QuarantineRecord(file="/var/lib/vitrine/vitrine.db.corrupt-...",
                                      at="2026-12-02T07:00:00Z", events=1986))
    quarantines.unrecovered()   # -> [QuarantineRecord(...)] until `vitrine-bridge recover` ran

The record lives in the fresh database that replaced the corrupt one. The moved file
itself is the evidence: `note_stray_files` records any `<db>.corrupt-*` file beside the
database that has no record yet (a crash between the move and the record).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from bridge.store.database import Database

MIGRATIONS: list[tuple[int, str, str]] = [
    (60, "quarantined databases", """
        -- One row per database file moved aside as corrupt. events: how many events could
        -- be read from it when it was moved (-1: not counted yet). recovered_at: when
        -- `vitrine-bridge recover` last salvaged it, recovered: how many it added then.
        CREATE TABLE quarantines (
            file TEXT PRIMARY KEY,
            at TEXT NOT NULL,
            events INTEGER NOT NULL,
            problem TEXT NOT NULL DEFAULT '',
            recovered_at TEXT,
            recovered INTEGER
        ) WITHOUT ROWID;
    """),
]

# `<name>.corrupt-<UTC stamp>` as database._quarantine names it; -wal/-shm are its companions.
_STAMP = re.compile(r"\.corrupt-(\d{8}T\d{6})\d*Z$")


@dataclass(frozen=True)
class QuarantineRecord:
    """A database file moved aside: where it is, when, and how many events it holds."""

    file: str
    at: str
    events: int
    problem: str = ""
    recovered_at: str | None = None
    recovered: int | None = None

    def heartbeat(self) -> dict:
        """The heartbeat's `quarantined` item (see docs/profile-api-v1.md)."""
        return {"file": self.file, "at": self.at, "events": self.events}

    def as_dict(self) -> dict:
        return asdict(self)


class Quarantines:
    """The quarantine records of one bridge database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def note(self, record: QuarantineRecord) -> None:
        """Record a quarantine; a file already recorded keeps its first record."""
        with self.db.write() as conn:
            conn.execute("INSERT OR IGNORE INTO quarantines(file, at, events, problem) "
                         "VALUES (?, ?, ?, ?)",
                         (record.file, record.at, record.events, record.problem))

    def mark_recovered(self, file: str | Path, added: int, events: int) -> None:
        """Note that `recover` salvaged file now (recording it first if it was never noted)."""
        now = utc_now()
        # The record may name the file by another path (symlinks, a relative config path).
        wanted = Path(file).resolve()
        file = next((r.file for r in self.all() if Path(r.file).resolve() == wanted), str(file))
        with self.db.write() as conn:
            conn.execute("INSERT OR IGNORE INTO quarantines(file, at, events) VALUES (?, ?, ?)",
                         (str(file), now, events))
            conn.execute("UPDATE quarantines SET recovered_at = ?, recovered = ?, events = ? "
                         "WHERE file = ?", (now, added, events, str(file)))

    def all(self) -> list[QuarantineRecord]:
        """Every record, oldest first."""
        rows = self.db.read().execute(
            "SELECT file, at, events, problem, recovered_at, recovered FROM quarantines "
            "ORDER BY at, file").fetchall()
        return [QuarantineRecord(*row) for row in rows]

    def unrecovered(self) -> list[QuarantineRecord]:
        """Records whose events were not salvaged yet: what staff and HQ must hear about."""
        return [r for r in self.all() if r.recovered_at is None]

    def recorded_files(self) -> set[str]:
        return {r.file for r in self.all()}


def stray_files(db_path: Path) -> list[Path]:
    """Quarantined database files beside db_path (not their -wal/-shm companions)."""
    prefix = f"{db_path.name}.corrupt-"
    return sorted(p for p in db_path.parent.glob(prefix + "*") if _STAMP.search(p.name))


def moved_at(file: Path) -> str:
    """When a quarantined file was moved, from the stamp in its name (RFC 3339, UTC)."""
    match = _STAMP.search(file.name)
    if not match:
        return utc_now()
    when = datetime.strptime(match.group(1), "%Y%m%dT%H%M%S").replace(tzinfo=timezone.utc)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def utc_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
