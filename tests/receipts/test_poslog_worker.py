"""A POSLog file read in a child process gives what the in-process reader gives, in order."""

import os
import sys
from pathlib import Path

import pytest

import bridge.intake.ingest as ingest
from bridge.intake.receipts.model import Problem, SourceDoc
from bridge.intake.receipts.poslog import read_poslog
from bridge.intake.receipts.poslog_worker import read_poslog_in_worker

from .conftest import STORE, make_settings
from .poslog_samples import BILLION_LAUGHS, TRUNCATED

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from make_poslog import write_poslog  # noqa: E402


def _serial(path: Path) -> list:
    with path.open("rb") as f:
        return list(read_poslog(f, path.name, store_id=STORE, currency="EUR"))


@pytest.mark.parametrize("text", [None, BILLION_LAUGHS, TRUNCATED], ids=["sales", "laughs", "truncated"])
def test_the_worker_yields_the_readers_items_in_order(tmp_path, text):
    path = tmp_path / "day.xml"
    if text is None:
        write_poslog(600, path)  # more than two batches
    else:
        path.write_text(text, encoding="utf-8")
    expected = _serial(path)
    got = list(read_poslog_in_worker(path, store_id=STORE, currency="EUR"))
    assert got == expected
    assert any(isinstance(x, SourceDoc) for x in got) if text is None else isinstance(got[-1], Problem)


def test_stopping_early_ends_the_child(tmp_path):
    path = write_poslog(2000, tmp_path / "day.xml")
    before = _children()
    items = read_poslog_in_worker(path, store_id=STORE, currency="EUR")
    assert next(items).where.startswith("day.xml:Transaction[1]")
    assert len(_children()) == len(before) + 1  # the reader, blocked on a full pipe
    items.close()
    assert _children() == before  # ended and reaped


def _children() -> list[str]:
    return Path(f"/proc/self/task/{os.getpid()}/children").read_text().split()


def test_a_large_file_ingests_the_same_through_the_worker(open_bridge, tmp_path, monkeypatch):
    path = write_poslog(700, tmp_path / "day.xml")
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    one, two = open_bridge(make_settings(tmp_path / "a")), open_bridge(make_settings(tmp_path / "b"))
    serial = ingest.ingest_path(one, path)
    monkeypatch.setattr(ingest, "MIN_BYTES", 0)
    parallel = ingest.ingest_path(two, path)
    assert (parallel.recorded, parallel.errors, parallel.skips) == (serial.recorded, serial.errors, serial.skips)
    assert parallel.recorded == 700
    assert [e["payload"] for e in two.outbox.events("receipt")] == [e["payload"] for e in one.outbox.events("receipt")]
