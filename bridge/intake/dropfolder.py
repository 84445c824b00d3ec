"""The POS drop folder: files appear, are ingested once settled, then moved aside.

    folder = DropFolder(bridge)
    folder.scan_once()  # -> [FileOutcome(name="z.xml", status="processed", ...)]

A file is taken once its size and mtime have not changed for `[intake] drop_settle_s`
(hidden, .tmp and .part files are never taken: write them, then rename). A fully
recorded file moves to processed/; a file with any error moves to rejected/ with
`<name>.error.txt` beside it (its good records are kept: ingest is idempotent by id).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from bridge.errors import StorageError
from bridge.intake.ingest import IngestReport, ignored_name, ingest_file

log = logging.getLogger("bridge.dropfolder")

PROCESSED, REJECTED, RETRY = "processed", "rejected", "retry"


@dataclass(frozen=True)
class FileOutcome:
    """One file taken from the drop folder: where it went and what it gave."""

    name: str
    status: str  # "processed", "rejected", or "retry" (left in place: the database failed)
    moved_to: Path | None
    report: IngestReport


class DropFolder:
    """Scans `[intake] drop_dir` (or `directory`); `clock` gives monotonic seconds (injectable)."""

    def __init__(self, bridge: Any, *, directory: str | os.PathLike[str] | None = None,
                 clock: Callable[[], float] | None = None) -> None:
        self.bridge = bridge
        settings = bridge.settings
        raw = directory if directory is not None else settings.intake.drop_dir
        self.directory = settings.path(str(raw)) if raw else None
        self.settle_s = settings.intake.drop_settle_s
        self.clock = clock or time.monotonic
        self._seen: dict[str, tuple[int, int, float]] = {}  # name -> (size, mtime_ns, unchanged since)
        self._stuck: dict[str, tuple[int, int]] = {}  # taken but could not be moved: do not take again

    def scan_once(self) -> list[FileOutcome]:
        """Take every settled file once; never raises for a bad file."""
        if self.directory is None or not self.directory.is_dir():
            return []
        now = self.clock()
        present: set[str] = set()
        outcomes = []
        for entry in sorted(os.scandir(self.directory), key=lambda e: e.name):
            if ignored_name(entry.name) or not entry.is_file(follow_symlinks=False):
                continue
            present.add(entry.name)
            try:
                if self._settled(entry, now):
                    outcomes.append(self._take(Path(entry.path)))
            except Exception:  # one file never stops the scan  # noqa: BLE001
                log.exception("%s: could not be examined", entry.name)
        for name in set(self._seen) - present:
            del self._seen[name]
        for name in set(self._stuck) - present:
            del self._stuck[name]
        return outcomes

    def _settled(self, entry: os.DirEntry, now: float) -> bool:
        """True once the file's size and mtime have been the same for settle_s."""
        try:
            st = entry.stat(follow_symlinks=False)
        except FileNotFoundError:
            return False
        sig = (st.st_size, st.st_mtime_ns)
        if self._stuck.get(entry.name) == sig:
            return False
        prev = self._seen.get(entry.name)
        if prev is None or prev[:2] != sig:
            self._seen[entry.name] = (*sig, now)
            prev = self._seen[entry.name]
        return now - prev[2] >= self.settle_s

    def _take(self, path: Path) -> FileOutcome:
        self._seen.pop(path.name, None)
        try:
            report = ingest_file(self.bridge, path)
        except StorageError as exc:
            # The database failed, not the file: leave it to be taken again once it settles.
            log.error("%s: not ingested, will retry: %s", path.name, exc)
            return FileOutcome(path.name, RETRY, None, IngestReport(errors=[f"{path.name}: {exc}"]))
        except Exception as exc:  # the daemon never dies on a file  # noqa: BLE001
            log.exception("%s: ingest failed", path.name)
            report = IngestReport(errors=[f"{path.name}: ingest failed: {type(exc).__name__}: {exc}"])
        status = PROCESSED if report.ok else REJECTED
        try:
            moved = self._move(path, status, report)
        except OSError as exc:
            log.error("%s: could not move to %s/: %s", path.name, status, exc)
            try:
                st = path.stat()
                self._stuck[path.name] = (st.st_size, st.st_mtime_ns)
            except OSError:
                pass
            moved = None
        if report.ok:
            log.info("%s: %d recorded, %d duplicates -> processed/", path.name, report.recorded,
                     report.duplicates)
        else:
            log.warning("%s: %d errors (%d recorded) -> rejected/: %s", path.name, len(report.errors),
                        report.recorded, report.errors[0])
        return FileOutcome(path.name, status, moved, report)

    def _move(self, path: Path, status: str, report: IngestReport) -> Path:
        target_dir = path.parent / status
        target_dir.mkdir(exist_ok=True)
        target = _free_name(target_dir, path.name)
        if status == REJECTED:
            lines = report.errors + [f"({report.recorded} records were stored, "
                                     f"{report.duplicates} were already held)"]
            Path(f"{target}.error.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        os.replace(path, target)
        return target


def _free_name(directory: Path, name: str) -> Path:
    """directory/name, or a UTC-timestamp-suffixed name when that exists."""
    target = directory / name
    if not target.exists():
        return target
    stem, dot, ext = name.partition(".")
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    n = 0
    while True:
        suffix = f"-{stamp}" + (f"-{n}" if n else "")
        target = directory / f"{stem}{suffix}{dot}{ext}"
        if not target.exists():
            return target
        n += 1
