"""Group commit: concurrent writers share one transaction, hence one fsync.

    commits = GroupCommit(db.write)
    seq = commits.run(lambda conn: conn.execute("INSERT ... RETURNING seq").fetchall())

A caller that finds no commit in flight runs its work alone at once (a lone caller
never waits for company). Callers that arrive while a commit is in flight queue up;
when that commit ends, the first of them leads the next transaction and runs every
queued piece of work in it, each in a savepoint. `run` returns only once the
transaction holding the caller's work has committed, so nothing is reported stored
before its fsync. A failed commit fails every caller of its group.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Generic, TypeVar


T = TypeVar("T")
Work = Callable[[sqlite3.Connection], T]
WriteTransaction = Callable[[], AbstractContextManager[sqlite3.Connection]]


class _Request(Generic[T]):
    """One caller's work, and what became of it once its group committed."""

    __slots__ = ("work", "done", "lead", "result", "error")

    def __init__(self, work: Work[T]) -> None:
        self.work = work
        self.done = threading.Event()
        self.lead = False  # set with done when this caller is to lead the next group
        self.result: T | None = None
        self.error: BaseException | None = None


class GroupCommit:
    """Leader/follower batching of work onto one writer transaction."""

    def __init__(self, write: WriteTransaction,
                 fatal: Callable[[BaseException], bool] = lambda exc: True) -> None:
        self._write = write  # opens BEGIN IMMEDIATE ... COMMIT on the writer connection
        self._fatal = fatal  # whether a work's exception means the transaction is lost
        self._mutex = threading.Lock()
        self._queue: list[_Request] = []
        self._leading = False  # a leader is committing (or about to)
        self.groups = 0  # transactions committed or attempted (for tests and benchmarks)

    def run(self, work: Work[T]) -> T:
        """Run work(conn) in a writer transaction shared with concurrent callers; its result
        once committed. An exception from work fails this caller only; a failed commit (or a
        storage error) fails the whole group."""
        with self._mutex:
            if self._leading:
                request: _Request[T] = _Request(work)
                self._queue.append(request)
            else:
                self._leading = True
                request = None  # type: ignore[assignment]
        if request is None:
            return self._lead_alone(work)
        request.done.wait()
        if request.lead:
            self._lead_queue()
        if request.error is not None:
            raise request.error
        return request.result  # type: ignore[return-value]

    def _lead_alone(self, work: Work[T]) -> T:
        """The fast path: no group in flight, so no savepoint and no request object."""
        try:
            with self._write() as conn:
                result = work(conn)
            self.groups += 1
            return result
        finally:
            self._hand_over()

    def _lead_queue(self) -> None:
        """Run every queued request in one transaction and wake their callers."""
        with self._mutex:
            batch, self._queue = self._queue, []
        try:
            self._commit(batch)
        finally:
            self._hand_over()
            for request in batch:
                if not request.lead:
                    request.done.set()

    def _commit(self, batch: list[_Request]) -> None:
        try:
            with self._write() as conn:
                for request in batch:
                    self._run_one(conn, request)
            self.groups += 1
        except BaseException as exc:  # nothing of this group was stored
            self.groups += 1
            for request in batch:
                request.error = exc
                request.result = None

    def _run_one(self, conn: sqlite3.Connection, request: _Request) -> None:
        """Run one caller's work in a savepoint, so its own failure undoes only its changes."""
        conn.execute("SAVEPOINT group_member")
        try:
            request.result = request.work(conn)
        except Exception as exc:
            if self._fatal(exc):
                raise  # e.g. the storage failed: the whole transaction goes
            request.error = exc
            conn.execute("ROLLBACK TO group_member")
        conn.execute("RELEASE group_member")

    def _hand_over(self) -> None:
        """Make the first queued caller the next leader, or mark that no group is in flight."""
        with self._mutex:
            if self._queue:
                nxt = self._queue[0]
                nxt.lead = True
                nxt.done.set()
            else:
                self._leading = False
