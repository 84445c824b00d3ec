"""The forwarding loop of one HQ process: claim queued events, send them in batches, settle each.

    forwarder = Forwarder(db, config)
    forwarder.start()          # a daemon thread; every worker of every machine may run one
    forwarder.status()         # {"state": "idle", "in_flight": 0, "last_error": None, ...}
    forwarder.stop()

Rounds are pipelined: the next round is claimed, read and encoded while the current one is
sent and settled on a second thread. Delivered events leave the queue; a batch answered 400/413 is split in halves until the
event(s) refused are alone, and those are set aside with the receiver's reason; 429, 5xx and
network errors give the events back and wait (Retry-After, or backoff doubling to a cap).
"""

from __future__ import annotations

import json
import logging
import os
import random
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import orjson
import requests

from hq.clock import utc_now
from hq.db import Database
from hq.forward.batching import batch_body, pack, split_oversize
from hq.forward.config import ForwardConfig
from hq.forward.mapping import link_message, to_message
from hq.forward.queue import ForwardQueue, QueuedEvent
from hq.forward.retention import Settled, prune_sessions, settle_identified
from hq.forward.schema import migrate
from hq.forward.sender import Outcome, post_batch

Item = tuple[QueuedEvent, bytes]
log = logging.getLogger("vitrine.hq.forward")


@dataclass(frozen=True)
class Round:
    """Rows claimed together, packed into request bodies' groups, and when they were claimed (monotonic)."""

    rows: list[QueuedEvent]
    groups: list[list[Item]]
    claimed_at: float

    def ids(self) -> list[str]:
        return [r.event_id for g in self.groups for r, _ in g]


class _InFlight:
    """One round being sent on its own daemon thread (not an executor: those refuse work once the
    interpreter starts exiting, which is exactly when a SIGTERM'd worker must finish its round)."""

    def __init__(self, send: Callable[[Round], tuple[int, float]], ready: Round) -> None:
        self._outcome: tuple[int, float] | BaseException = (0, 0.0)
        self._thread = threading.Thread(target=self._run, args=(send, ready), name="vitrine-hq-forward-send",
                                        daemon=True)
        self._thread.start()

    def _run(self, send: Callable[[Round], tuple[int, float]], ready: Round) -> None:
        try:
            self._outcome = send(ready)
        except BaseException as exc:  # handed to whoever waits for the round
            self._outcome = exc

    def result(self) -> tuple[int, float]:
        """Wait for the round; (events handled, seconds to wait), or raise what sending raised."""
        self._thread.join()
        if isinstance(self._outcome, BaseException):
            raise self._outcome
        return self._outcome


class Forwarder:
    """Forwards the queue to one pipeline, in rounds, until stopped."""

    def __init__(self, db: Database, config: ForwardConfig, owner: str | None = None) -> None:
        migrate(db)
        self.config = config
        self.queue = ForwardQueue(db, owner or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}")
        self._session = requests.Session()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._failures = 0
        # in_flight: events of the round being sent now; "state" alone cannot tell, as the read-ahead claim may
        # fail ("error") while a round claimed earlier is still on its way
        self._state = {"state": "starting", "last_delivered_at": None, "last_error": None, "retry_in_s": None,
                       "in_flight": 0}
        self._prune_due = 0.0  # monotonic; the first prune right after start

    # --- running ------------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="vitrine-hq-forward", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 20.0) -> None:
        """Stop after the request in flight (its events are settled or left to their lease)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
        self._session.close()

    def status(self) -> dict:
        """This process's view: idle, sending or backing off, the last delivery and error."""
        return dict(self._state, url=self.config.url)

    def _run(self) -> None:
        """Pipelined rounds: claim, read and encode round N+1 while round N is being sent and settled."""
        in_flight: _InFlight | None = None
        try:
            while not self._stop.is_set():
                handled, wait = 0, 0.0
                try:
                    ready = self._prepare()
                except Exception as exc:  # the database went away, say: keep going, the rows are safe
                    ready, wait = None, self._failed(exc)
                self._prune()  # while the round in flight (if any) is being sent
                if in_flight is not None:
                    try:
                        handled, sent_wait = in_flight.result()
                    except Exception as exc:  # its rows stay leased and go again after the lease
                        handled, sent_wait = 0, self._failed(exc)
                    in_flight, wait = None, max(wait, sent_wait)
                    self._state["in_flight"] = 0
                if ready is not None and (wait or self._stop.is_set()):
                    self._give_back(ready.ids())  # the receiver asked us to wait, or we are stopping
                elif ready is not None:
                    self._state["in_flight"] = len(ready.ids())  # before the thread starts: never 0 while it runs
                    in_flight = _InFlight(self._send, ready)
                    handled += len(ready.rows)
                if wait:
                    self._stop.wait(wait)
                elif not handled:
                    self._state["state"] = "idle"
                    self._stop.wait(self.config.idle_poll_s)
        finally:
            if in_flight is not None:  # stopping: finish the request in flight and settle its events
                try:
                    in_flight.result()
                except Exception as exc:
                    self._failed(exc)
                self._state["in_flight"] = 0

    def _prune(self) -> None:
        """Settle one batch of kiosk sessions nobody joined, when due; at once again while batches come back full."""
        if time.monotonic() < self._prune_due:
            return
        batch, older_than_s = self.config.prune_batch, self.config.session_retention_s
        try:
            pruned = prune_sessions(self.queue.db, older_than_s=older_than_s, limit=batch)
            settled = settle_identified(self.queue.db, older_than_s=older_than_s, limit=batch)
        except Exception:  # the database went away, say: the claims report it; the sessions wait for next time
            pruned, settled = 0, Settled()
        if settled.total:
            log.log(logging.WARNING if settled.forgotten else logging.INFO,
                    "identified kiosk sessions past the %d-day retention: %d joined from stored facts, %d forgotten "
                    "(their claim code never reached HQ)", self.config.session_retention_days, settled.recovered,
                    settled.forgotten)
        full = max(pruned, settled.total) >= batch
        self._prune_due = time.monotonic() + (0.0 if full else self.config.prune_interval_s)

    def _failed(self, exc: Exception) -> float:
        self._state.update(state="error", last_error=f"{type(exc).__name__}: {exc}"[:300])
        return self._backoff(0.0)

    def _give_back(self, event_ids: list[str]) -> None:
        try:
            self.queue.unclaim(event_ids)
        except Exception as exc:  # they return with their lease instead
            self._failed(exc)

    # --- one round ------------------------------------------------------------------

    def run_once(self) -> tuple[int, float]:
        """Claim and send one round; return (events claimed, seconds to wait before the next)."""
        ready = self._prepare()
        return (0, 0.0) if ready is None else self._send(ready)

    def _prepare(self) -> Round | None:
        """Claim a round, set aside what cannot be sent, and pack the rest into request bodies' groups."""
        claimed_at = time.monotonic()
        rows = self.queue.claim(self.config.claim_limit, self.config.lease_s)
        if not rows:
            return None
        items, unmappable = _encode_all(rows)
        fits, oversize = split_oversize(items, self.config.max_event_bytes)
        self.queue.set_aside(unmappable + [
            (r.event_id, r.store_id, f"message is {len(m)} bytes, over the {self.config.max_event_bytes}-byte "
                                     "limit per event", m.decode()) for r, m in oversize])
        return Round(rows, pack(fits, self.config.max_batch_bytes), claimed_at)

    def _send(self, ready: Round) -> tuple[int, float]:
        """Send a round's groups in order; settle each; on a retryable failure give the rest back and say how long to wait."""
        self._state["state"] = "sending"
        groups = ready.groups
        for n, group in enumerate(groups):
            # leave the rest before its lease ends (no other worker may claim events still in flight)
            if time.monotonic() - ready.claimed_at > self.config.lease_s / 2 or self._stop.is_set():
                self.queue.unclaim([r.event_id for g in groups[n:] for r, _ in g])
                break
            outcome = self._deliver(group)
            if outcome is not None:
                self.queue.release([r.event_id for r, _ in group], outcome.reason)
                self.queue.unclaim([r.event_id for g in groups[n + 1:] for r, _ in g])
                wait = self._backoff(outcome.retry_after_s)
                self._state.update(state="backing off", last_error=outcome.reason, retry_in_s=round(wait, 3))
                return len(ready.rows), wait
        self._failures = 0
        self._state.update(retry_in_s=None)
        return len(ready.rows), 0.0

    def _deliver(self, group: list[Item]) -> Outcome | None:
        """Send group; split it while the receiver refuses it; None once each event is settled, else the retry."""
        outcome = post_batch(self._session, self.config, batch_body([m for _, m in group], utc_now()))
        if outcome.kind == "delivered":
            self.queue.delivered([r.event_id for r, _ in group])
            self._state["last_delivered_at"] = utc_now()
            return None
        if outcome.kind == "poison" and len(group) == 1:
            (row, message), = group
            self.queue.set_aside([(row.event_id, row.store_id, outcome.reason, message.decode())])
            return None
        if outcome.kind == "poison":  # which event(s)? halve until they are alone; the rest still go
            half = len(group) // 2
            return self._deliver(group[:half]) or self._deliver(group[half:])
        return outcome

    def _backoff(self, retry_after_s: float) -> float:
        """Seconds to wait after a failure: doubling with jitter up to the cap, never less than Retry-After."""
        self._failures += 1
        cap = self.config.backoff_cap_s
        backoff = min(cap, self.config.backoff_base_s * 2 ** (self._failures - 1)) * random.uniform(0.5, 1.0)
        return max(retry_after_s, backoff)


def _encode_all(rows: list[QueuedEvent]) -> tuple[list[Item], list[tuple[str, str, str, None]]]:
    """(row, message bytes) per row, and the rows that cannot become a message, with why (set aside, never retried)."""
    items, unmappable = [], []
    for row in rows:
        if row.event is None and row.link is None:
            unmappable.append((row.event_id, row.store_id, "the event is no longer stored at HQ", None))
            continue
        try:
            items.append((row, _encode(row)))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:  # a stored event we cannot map
            unmappable.append((row.event_id, row.store_id, f"cannot map the event: {type(exc).__name__}: {exc}", None))
    return items, unmappable


def _encode(row: QueuedEvent) -> bytes:
    if row.link is not None:
        message = link_message(row.event_id.partition(":")[0], row.link)
    else:
        message = to_message(row.event, store_id=row.store_id, bridge_id=row.bridge_id)
    try:
        return orjson.dumps(message)  # compact UTF-8, as below, in a third of the time
    except TypeError:  # an integer beyond 64 bits, say: the standard encoder takes it
        return json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

