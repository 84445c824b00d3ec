"""The bridge database's WAL checkpoints, run by a daemon thread off the writers' path.

Database turns SQLite's automatic checkpoint off on its writer (it made whichever commit
crossed the threshold pay for it) and nudges this thread instead.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path

log = logging.getLogger("bridge.store.database")


class Checkpointer:
    """A daemon thread that runs PASSIVE WAL checkpoints on its own connection when nudged.

    It is handed only what it touches: the file, the writers' lock, and the event that holds
    writers back while it waits for that lock.
    """

    def __init__(self, path: Path, write_lock: threading.Lock, writers_may_go: threading.Event) -> None:
        self.path = path
        self._write_lock = write_lock
        self._writers_may_go = writers_may_go
        self._wake = threading.Event()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def nudge(self) -> None:
        """Ask for a checkpoint soon; starts the thread on first use."""
        with self._lock:
            if self._stopping:
                return
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="vitrine-checkpoint",
                                                daemon=True)
                self._thread.start()
        self._wake.set()

    def stop(self) -> None:
        with self._lock:
            self._stopping = True
            thread = self._thread
        self._wake.set()
        if thread is not None:
            thread.join(timeout=30)

    def _run(self) -> None:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            while True:
                self._wake.wait()
                self._wake.clear()
                if self._stopping:
                    return
                try:
                    self._checkpoint(conn)
                except sqlite3.Error as exc:
                    log.debug("%s: checkpoint skipped: %s", self.path, exc)
        finally:
            conn.close()

    def _checkpoint(self, conn: sqlite3.Connection) -> None:
        """Copy the WAL into the database, then catch up under the write lock so the WAL restarts."""
        # PASSIVE returns busy instead of waiting; the next nudge tries again.
        busy, frames, _ = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        if busy or frames <= 0:
            return
        # A writer appending during the bulk copy leaves the WAL never fully copied, so it
        # never restarts and grows without end: every commit then extends the file, and an
        # fsync that changes the file size costs several times one that does not. Copying
        # the few frames appended meanwhile while our writer waits lets its next
        # transaction restart the WAL from the top. (The frame counts above are as of the
        # checkpoint's start, so "all copied" cannot be read from them; a catch-up with
        # nothing to copy costs no fsync. Other processes' writers may still race; the
        # next nudge catches up then.)
        self._writers_may_go.clear()
        try:
            with self._write_lock:
                if not self._stopping:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        finally:
            self._writers_may_go.set()
