"""Ingest POS files into the outbox: JSON Lines events, JSON/CSV receipts, POSLog XML.

    report = ingest_path(bridge, "exports/2026-11-23.xml")
    report.recorded, report.duplicates, report.errors  # errors: "FILE:LINE: field: reason"

Valid records are stored even when others in the same file are refused. Formats
are chosen by extension, or by sniffing the content when the extension says nothing.
"""

from __future__ import annotations

import codecs
import io
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bridge.errors import StorageError
from bridge.intake.collector import collector_paused
from bridge.intake.receipts.cardmask import mask_text
from bridge.intake.receipts.csv_format import read_csv
from bridge.intake.receipts.json_format import looks_like_jsonl, read_json, read_jsonl
from bridge.intake.receipts.model import Parsed, Problem, Skipped, SourceDoc
from bridge.config import Settings
from bridge.intake.receipts.poslog import read_poslog
from bridge.intake.receipts.recording import CHUNK, Outcome, ReceiptRecorder

log = logging.getLogger("bridge.ingest")

FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".csv": "csv", ".xml": "xml"}
IGNORED_SUFFIXES = (".tmp", ".part")
RECENT = 20  # reasons of receipts not recorded that `status` shows


@dataclass(frozen=True)
class IngestReport:
    """What a file (or folder) gave: records stored, ids already held, errors, non-sales skipped.

    `skips` says, for each record skipped, where it is and why ("FILE:Transaction[2]: training mode").
    """

    recorded: int = 0
    duplicates: int = 0
    errors: list[str] = field(default_factory=list)
    skipped: int = 0
    skips: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        """The counts, in the words stdout and the log both use."""
        return (f"{self.recorded} accepted, {self.duplicates} duplicate, "
                f"{len(self.errors)} refused, {self.skipped} skipped")

    def __add__(self, other: "IngestReport") -> "IngestReport":
        return IngestReport(self.recorded + other.recorded, self.duplicates + other.duplicates,
                            self.errors + other.errors, self.skipped + other.skipped,
                            self.skips + other.skips)


def ignored_name(name: str) -> bool:
    """Files still being written by the write-then-rename convention: hidden, .tmp, .part."""
    return name.startswith(".") or name.endswith(IGNORED_SUFFIXES)


def own_files(settings: Settings) -> set[Path]:
    """The bridge's own files (database, its journals, its lock, the config): never ingested."""
    db = settings.database_path
    files = {Path(f"{db}{suffix}").resolve() for suffix in ("", "-wal", "-shm", "-journal", ".lock")}
    if not settings.source.startswith("<"):
        files.add(Path(settings.source).resolve())
    return files


def ingest_path(bridge: Any, path: str | os.PathLike[str]) -> IngestReport:
    """Ingest one file, or every file directly inside a folder (subfolders are not entered)."""
    p = Path(path)
    if p.is_dir():
        report = IngestReport()
        skip = own_files(bridge.settings)
        for child in sorted(p.iterdir()):
            if child.is_file() and not ignored_name(child.name) and child.resolve() not in skip:
                report += ingest_file(bridge, child)
        return report
    return ingest_file(bridge, p)


def ingest_file(bridge: Any, path: Path) -> IngestReport:
    """Ingest one file; never raises for bad content (errors are in the report)."""
    name = path.name
    limit = bridge.settings.intake.max_file_bytes
    try:
        size = path.stat().st_size
        if size > limit:
            return IngestReport(errors=[
                f"{name}: too large ({size} bytes; [intake] max_file_bytes is {limit})"])
        report = _ingest(bridge, path)
    except OSError as exc:
        return IngestReport(errors=[f"{name}: cannot read: {exc.strerror or exc}"])
    log.info("%s: %s", name, report.summary())
    for line in report.skips:
        log.info("skipped %s", line)
    note_not_recorded(bridge, report)
    return report


def note_not_recorded(bridge: Any, report: IngestReport) -> None:
    """Keep the count and the last reasons of receipts not recorded, for `status`."""
    if not (report.skips or report.errors):
        return
    try:
        saved = bridge.state.status()
        recent = (report.errors + report.skips + list(saved["receipts_not_recorded_recent"]))[:RECENT]
        bridge.state.set_status(receipts_skipped=saved["receipts_skipped"] + report.skipped,
                                receipts_refused=saved["receipts_refused"] + len(report.errors),
                                receipts_not_recorded_recent=recent)
    except StorageError as exc:  # the file's fate does not hang on a status line
        log.warning("could not note receipts not recorded in the status: %s", exc)


def detect_format(path: Path, head: bytes) -> str | None:
    """jsonl, json, csv or xml: by extension, else by the first bytes; None when unknown."""
    kind = FORMATS.get(path.suffix.lower())
    if kind:
        return kind
    head = head.lstrip(codecs.BOM_UTF8).lstrip()
    if head.startswith(b"<"):
        return "xml"
    if head.startswith((b"[", b"{")):
        return "json"  # JSON Lines are told apart once decoded
    if b"receipt_id" in head.split(b"\n", 1)[0]:
        return "csv"
    return None


def _ingest(bridge: Any, path: Path) -> IngestReport:
    settings = bridge.settings
    name = path.name
    with path.open("rb") as f:
        kind = detect_format(path, f.read(4096))
        if kind is None:
            return IngestReport(errors=[f"{name}: unknown format (expected .jsonl, .ndjson, .json, "
                                        f".csv or POSLog .xml)"])
        recorder = ReceiptRecorder(bridge)
        if kind == "xml":  # streamed: POSLog exports can be large
            f.seek(0)
            items = read_poslog(f, name, store_id=settings.store.id, currency=settings.store.currency,
                                zone=recorder.zone)
            return _consume(items, recorder.documents)
        f.seek(0)
        data = f.read()
    try:  # text formats are read whole (bounded by max_file_bytes) so a bad byte has a line
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        return IngestReport(errors=[f"{name}:{line}: not UTF-8 text ({exc.reason})"])
    if kind == "json" and looks_like_jsonl(text):
        kind = "jsonl"
    if kind == "jsonl":
        return _consume(read_jsonl(text.split("\n"), name), recorder.events)
    if kind == "csv":
        return _consume(read_csv(io.StringIO(text, newline=""), name), recorder.documents)
    return _consume(read_json(text, name), recorder.documents)


def _consume(items: Iterable[Parsed], record: Callable[[list[SourceDoc]], list[Outcome]]) -> IngestReport:
    """Record parsed documents chunk by chunk, tallying outcomes; parse problems become errors."""
    recorded = duplicates = 0
    errors: list[str] = []
    skips: list[str] = []
    chunk: list[SourceDoc] = []
    pending = iter(items)
    more = True
    while more:
        with collector_paused():  # a chunk held until stored is no work for the collector
            more = _take(pending, chunk, skips, errors)
            for outcome in record(chunk) if chunk else ():
                if outcome.status == "accepted":
                    recorded += 1
                elif outcome.status == "duplicate":
                    duplicates += 1
                elif outcome.problem is not None:
                    errors.append(_safe(outcome.problem))
            chunk.clear()
    return IngestReport(recorded, duplicates, errors, len(skips), skips)


def _take(items: Iterator[Parsed], chunk: list[SourceDoc], skips: list[str], errors: list[str]) -> bool:
    """Fill chunk with up to CHUNK documents, noting skips and problems; False once items are done."""
    for item in items:
        if isinstance(item, SourceDoc):
            chunk.append(item)
            if len(chunk) >= CHUNK:
                return True
        elif isinstance(item, Skipped):
            skips.append(f"{item.where}: {item.reason}")
        else:
            errors.append(_safe(item))
    return False


def _safe(problem: Problem) -> str:
    """An error line, with any card number quoted in it masked (errors are written to disk)."""
    return mask_text(str(problem))
