"""Group commit: concurrent writers share one transaction, hence one fsync.

    commits = GroupCommit(db.transact)
    rows = commits.run(lambda conn: conn.execute("INSERT ... RETURNING pos").fetchall())

A caller that finds no commit in flight runs its work alone at once (a lone caller
never waits for company). Callers that arrive while a commit is in flight queue up;
when that commit ends, the first of them leads the next transaction and runs every
queued piece of work in it, each in a savepoint. `run` returns only once the
transaction holding the caller's work has committed, so nothing is reported stored
before its fsync. A failed commit fails every caller of its group. After a group of
several, the next one waits a moment (a fraction of a commit, at most MAX_GATHER_S) for
the callers it released, so producers in a loop keep sharing each commit.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar


# How long a new group may wait for the callers the last one released: a fraction of a
# commit's duration, at most MAX_GATHER_S (see GroupCommit._gather).
GATHER_FRACTION = 0.5
MAX_GATHER_S = 0.003

T = TypeVar("T")
Work = Callable[[sqlite3.Connection], T]
# Runs work(conn) in BEGIN IMMEDIATE ... COMMIT on the writer; its result once committed.
# one_statement=True: work runs one statement, which commits by itself when run alone.
Transact = Callable[..., object]


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

    def __init__(self, transact: Transact,
                 fatal: Callable[[BaseException], bool] = lambda exc: True) -> None:
        self._transact = transact
        self._fatal = fatal  # whether a work's exception means the transaction is lost
        self._mutex = threading.Lock()
        self._gathered = threading.Condition(self._mutex)
        self._queue: list[_Request] = []
        self._leading = False  # a leader is committing (or about to)
        self._expected = 0  # callers the next group may wait for (see _gather)
        self._commit_s = 0.0  # how long the last commit took
        self._released_at = 0.0  # when the last group's callers were released
        self.groups = 0  # transactions committed or attempted (for tests and benchmarks)

    def run(self, work: Work[T], one_statement: bool = False) -> T:
        """Run work(conn) in a writer transaction shared with concurrent callers; its result
        once committed. An exception from work fails this caller only; a failed commit (or a
        storage error) fails the whole group. one_statement: work runs a single statement
        (run alone, it needs no BEGIN ... COMMIT around it)."""
        with self._mutex:
            if not self._leading and (self._expected <= 1 or self._stale()):
                self._leading = True
                alone = True
            else:  # a group is in flight, or the callers of the last one are coming back
                alone = False
                request: _Request[T] = _Request(work)
                self._queue.append(request)
                if not self._leading:
                    self._leading = request.lead = True
                    request.done.set()
                elif len(self._queue) == self._expected:
                    self._gathered.notify()
        if alone:
            return self._lead_alone(work, one_statement)
        request.done.wait()
        if request.lead:
            self._lead_queue()
        if request.error is not None:
            raise request.error
        return request.result  # type: ignore[return-value]

    def _stale(self) -> bool:
        """Whether the callers the last group released had time to come back and did not."""
        return time.perf_counter() - self._released_at > self._gather_s()

    def _gather_s(self) -> float:
        return min(MAX_GATHER_S, GATHER_FRACTION * self._commit_s)

    def _lead_alone(self, work: Work[T], one_statement: bool) -> T:
        """The fast path: no group in flight, so no savepoint and no request object."""
        started = time.perf_counter()
        try:
            return self._transact(work, one_statement)  # type: ignore[return-value]
        finally:
            ended = time.perf_counter()
            self.groups += 1
            self._commit_s = ended - started
            with self._mutex:  # _hand_over(1), reusing this perf_counter reading
                self._hand_over_locked(1, ended)

    def _lead_queue(self) -> None:
        """Run every queued request in one transaction and wake their callers."""
        with self._mutex:
            self._gather()
            batch, self._queue = self._queue, []
        try:
            self._commit(batch)
        finally:
            self._hand_over(released=len(batch))
            for request in batch:
                if not request.lead:
                    request.done.set()

    def _gather(self) -> None:
        """Give the callers just released by the last commit a moment to join this group.

        Producers in a loop come back within microseconds of being released; without
        this short wait they would always miss the group that starts at once, and every
        group would hold half of them. The wait is a fraction of a commit (so it costs
        little when the disk is fast) and ends as soon as all of them are queued.
        """
        wait = self._gather_s()
        if len(self._queue) < self._expected and wait > 0:
            self._gathered.wait_for(lambda: len(self._queue) >= self._expected, wait)
        self._expected = 0

    def _commit(self, batch: list[_Request]) -> None:
        started = time.perf_counter()
        try:
            self._transact(lambda conn: [self._run_one(conn, request) for request in batch])
        except BaseException as exc:  # nothing of this group was stored
            for request in batch:
                request.error = exc
                request.result = None
        finally:
            self.groups += 1
            self._commit_s = time.perf_counter() - started

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

    def _hand_over(self, released: int) -> None:
        """Make the first queued caller the next leader, or mark that no group is in flight.

        The next group may wait for the callers queued now plus the `released` ones,
        only when that is more than one: a lone caller is never made to wait. When nobody
        is queued, the first of the released callers to come back leads that group.
        """
        with self._mutex:
            self._hand_over_locked(released, time.perf_counter())

    def _hand_over_locked(self, released: int, now: float) -> None:
        company = len(self._queue) + released
        self._expected = company if company > 1 else 0
        self._released_at = now
        if self._queue:
            nxt = self._queue[0]
            nxt.lead = True
            nxt.done.set()
        else:
            self._leading = False
