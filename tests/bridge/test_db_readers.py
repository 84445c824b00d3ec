"""Each thread's read connection is closed when its thread ends (server worker threads come and go)."""

from __future__ import annotations

import os
import threading

import pytest


def _open_files() -> int:
    return len(os.listdir("/proc/self/fd"))


def _read_in_a_thread(db) -> None:
    def work() -> None:
        assert db.read().execute("SELECT count(*) FROM sqlite_master").fetchone()[0] >= 0
    thread = threading.Thread(target=work)
    thread.start()
    thread.join()


def test_readers_of_ended_threads_are_closed(db):
    db.read()  # this thread's reader: kept while the thread lives
    before = _open_files()
    for _ in range(200):
        _read_in_a_thread(db)
    assert _open_files() - before < 10  # was +400: two descriptors per thread's reader
    assert db.read().execute("SELECT 1").fetchone() == (1,)


def test_close_still_closes_the_readers_of_live_threads(db):
    ready, done = threading.Event(), threading.Event()
    held = []

    def work() -> None:
        held.append(db.read())
        ready.set()
        done.wait()
    thread = threading.Thread(target=work)
    thread.start()
    ready.wait()
    db.close()
    try:
        with pytest.raises(Exception, match="(?i)closed"):  # sqlite3.ProgrammingError or StorageError
            held[0].execute("SELECT 1")
    finally:
        done.set()
        thread.join()
