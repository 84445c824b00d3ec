"""Quarantine bookkeeping and `vitrine-bridge recover`: salvaged events back into the outbox.

    note_quarantine(db, moved_path, problem)   # the sender, right after the move
    report = recover_file(db, "vitrine.db.corrupt-20261202T070000123456Z")
    report.found, report.added, report.held

Recovered events keep their id, device and seq, so HQ's duplicate and gap checks hold
across the quarantine; an id the outbox already holds is skipped, so running recover
twice adds nothing the second time.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from bridge.errors import StorageError
from bridge.store.database import Database
from bridge.store.quarantine import QuarantineRecord, Quarantines, moved_at, stray_files
from bridge.store.salvage import Salvage, salvage

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RecoverReport:
    """What recover did with one file: events found in it, added, already held."""

    file: str
    found: int
    added: int
    held: int

    def summary(self) -> str:
        return (f"{self.file}: {self.found} events readable, {self.added} added to the outbox, "
                f"{self.held} already held")


def note_quarantine(db: Database, moved: Path, problem: str) -> QuarantineRecord:
    """Record a file the sender just moved aside, counting its readable events.

    Also raises each device's seq high-water mark to what the file shows, so events
    recorded from now on never reuse a seq HQ may already hold.
    """
    found = salvage(moved)
    record = QuarantineRecord(file=str(moved), at=moved_at(moved), events=len(found.events()),
                              problem=problem)
    _raise_high_water(db, found.high_water)
    Quarantines(db).note(record)
    log.error("quarantined %s: %d events readable in it; `vitrine-bridge recover %s` "
              "puts them back in the outbox", moved, record.events, moved)
    return record


def note_stray_files(db: Database) -> list[QuarantineRecord]:
    """Record quarantined files beside the database that have no record (a crash after the move)."""
    known = Quarantines(db).recorded_files()
    return [note_quarantine(db, f, "found beside the database without a record")
            for f in stray_files(db.path) if str(f) not in known]


def recover_file(db: Database, file: str | Path) -> RecoverReport:
    """Salvage every readable event of file into db's outbox; ids already held are skipped."""
    path = Path(file)
    if not path.is_file():
        raise StorageError(f"{path}: no such file to recover")
    if path.resolve() == db.path.resolve():
        raise StorageError(f"{path}: is the live database; recover reads a quarantined copy")
    found = salvage(path)
    events = found.events()
    added = _insert(db, events)
    _raise_high_water(db, found.high_water)
    Quarantines(db).mark_recovered(path, added, len(events))
    return RecoverReport(str(path), len(events), added, len(events) - added)


def _insert(db: Database, events: dict[str, str]) -> int:
    """Insert bodies as pending events unless their id is held; return how many were added."""
    now = time.time()
    added = 0
    with db.write() as conn:
        for event_id, body in events.items():
            held = conn.execute("SELECT 1 FROM outbox WHERE id = ?1 UNION ALL "
                                "SELECT 1 FROM acked WHERE id = ?1", (event_id,)).fetchone()
            if held is None:
                conn.execute("INSERT INTO outbox(id, recorded_at, body) VALUES (?, ?, ?)",
                             (event_id, now, body))
                added += 1
        # Recovered rows sit after newer ones in pos order; the outbox takes a device's
        # next seq from its newest row, so fix the high-water mark to the largest seq held.
        conn.execute("INSERT INTO device_sequences(device_id, last_seq) "
                     "SELECT device_id, max(seq) FROM outbox GROUP BY device_id "
                     "ON CONFLICT(device_id) DO UPDATE SET last_seq = max(last_seq, excluded.last_seq)")
    return added


def _raise_high_water(db: Database, high_water: dict[str, int]) -> None:
    with db.write() as conn:
        conn.executemany(
            "INSERT INTO device_sequences(device_id, last_seq) VALUES (?, ?) "
            "ON CONFLICT(device_id) DO UPDATE SET last_seq = max(last_seq, excluded.last_seq)",
            sorted(high_water.items()))


__all__ = ["RecoverReport", "Salvage", "note_quarantine", "note_stray_files", "recover_file"]
