"""The durable forwarding queue: enqueue inside the storing transaction, claim with a lease, settle.

    hook = enqueue_hook(db.kind)               # HQStore(db, on_accepted=hook)
    queue = ForwardQueue(db, owner="host:pid:thread")
    rows = queue.claim(200, lease_s=60)        # QueuedEvent records, bodies as stored
    queue.delivered([r.event_id for r in rows])

Several workers and machines claim disjoint rows: on PostgreSQL the claim skips rows another
transaction is claiming (FOR UPDATE SKIP LOCKED); on SQLite the write lock serialises claims.
Either way a claim is a lease, not a held transaction, so no transaction stays open during
an HTTP request; a worker that dies leaves its rows to be claimed again when the lease ends.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import orjson

from hq.clock import utc_now
from hq.db import Database, Tx
from hq.forward.links import Link, is_link_id, note_events, read_links
from hq.store_events import AcceptedHook

ENQUEUE_CHUNK = 250  # rows per INSERT statement (SQLite allows 32,766 parameters)


@dataclass(frozen=True)
class QueuedEvent:
    """One claimed event: its queue position, the store, the event as sent, and the bridge that sent it."""

    ord: int
    event_id: str
    store_id: str
    attempts: int
    event: dict | None  # None if the events table no longer holds it
    bridge_id: str | None
    received_at: str | None
    link: Link | None = None  # set instead of event for a link's alias or identify


def enqueue_hook(kind: str) -> AcceptedHook:
    """The AcceptedHook that queues each accepted event for forwarding, in the storing transaction.

    kind is the database's ("sqlite" or "postgresql"): PostgreSQL gets the ids as one array.
    """

    def enqueue_rows(tx: Tx, store_id: str, events: list[dict]) -> None:
        now = utc_now()
        for start in range(0, len(events), ENQUEUE_CHUNK):
            chunk = events[start:start + ENQUEUE_CHUNK]
            params: list = []
            for ev in chunk:
                params += (ev["id"], store_id, now)
            # ON CONFLICT: an id is enqueued once even if a hook were ever called twice for it
            tx.run("INSERT INTO forward_queue (event_id, store_id, enqueued_at) VALUES "
                   + ",".join(["(?,?,?)"] * len(chunk)) + " ON CONFLICT (event_id) DO NOTHING", params)
        note_events(tx, store_id, events)  # after the events, so a link's alias follows what it joins

    def enqueue_array(tx: Tx, store_id: str, events: list[dict]) -> None:
        # one parameter for all ids: psycopg converts a long VALUES list's placeholders slowly
        tx.run("INSERT INTO forward_queue (event_id, store_id, enqueued_at) SELECT unnest(?::text[]), ?, ? "
               "ON CONFLICT (event_id) DO NOTHING", ([ev["id"] for ev in events], store_id, utc_now()))
        note_events(tx, store_id, events)

    return enqueue_array if kind == "postgresql" else enqueue_rows


class ForwardQueue:
    """Claim, deliver, release and set aside rows of forward_queue."""

    def __init__(self, db: Database, owner: str) -> None:
        self.db = db
        self.owner = owner
        self._postgres = db.kind == "postgresql"
        self._skip_locked = " FOR UPDATE SKIP LOCKED" if self._postgres else ""
        # PostgreSQL: `= ANY(ARRAY(…))` looks the picked rows up by key; `IN (…)` was planned as a hash
        # join over a scan of the whole queue, so a claim grew with the backlog (5 ms at 10,000 rows)
        self._in_picked = ("= ANY(ARRAY(", "))") if self._postgres else ("IN (", ")")

    def _among(self, column: str, values: Sequence) -> tuple[str, list]:
        """`column IN (...)` and its parameters: one array parameter on PostgreSQL (cheaper to send)."""
        if self._postgres:
            return f"{column} = ANY(?)", [list(values)]
        return f"{column} IN ({','.join('?' * len(values))})", list(values)

    def claim(self, limit: int, lease_s: float) -> list[QueuedEvent]:
        """Lease up to limit rows nobody holds, oldest first; return them with their events."""
        now = time.time()
        with self.db.write() as tx:
            claimed = tx.rows(
                f"UPDATE forward_queue SET lease_owner = ?, lease_until = ? WHERE ord {self._in_picked[0]}"
                "SELECT ord FROM forward_queue WHERE lease_until IS NULL OR lease_until < ? "
                f"ORDER BY ord LIMIT ?{self._skip_locked}{self._in_picked[1]} RETURNING ord, event_id, store_id, attempts",
                (self.owner, now + lease_s, now, limit))
        claimed.sort()
        links = read_links(self.db.read, [r[1] for r in claimed if is_link_id(r[1])])
        bodies = self._events([r[1] for r in claimed if not is_link_id(r[1])])
        return [QueuedEvent(o, eid, store, attempts, *bodies.get(eid, (None, None, None)), link=links.get(eid))
                for o, eid, store, attempts in claimed]

    def _events(self, ids: list[str]) -> dict[str, tuple[dict, str, str]]:
        """Each event as sent, from its batch's kept body (each body read and parsed once)."""
        if not ids:
            return {}
        where, params = self._among("id", ids)
        places = self.db.read(f"SELECT id, batch_id, idx FROM events WHERE {where}", params)
        where, params = self._among("id", sorted({batch_id for _, batch_id, _ in places}))
        batches = {bid: (orjson.loads(body)["events"], bridge_id, received_at) for bid, body, bridge_id, received_at
                   in self.db.read(f"SELECT id, body, bridge_id, received_at FROM batches WHERE {where}", params)}
        return {eid: (batches[bid][0][idx], *batches[bid][1:]) for eid, bid, idx in places}

    def delivered(self, event_ids: Sequence[str]) -> None:
        """The receiver took these: forget them and count them."""
        if not event_ids:
            return
        where, params = self._among("event_id", event_ids)
        with self.db.write() as tx:
            gone = tx.rows(f"DELETE FROM forward_queue WHERE {where} RETURNING event_id", params)
            tx.run("UPDATE forward_counters SET value = value + ? WHERE name = 'delivered'", (len(gone),))

    def release(self, event_ids: Sequence[str], error: str) -> None:
        """Not delivered, worth retrying: count the attempt, note why, give the rows back."""
        if not event_ids:
            return
        where, params = self._among("event_id", event_ids)
        with self.db.write() as tx:
            tx.run("UPDATE forward_queue SET attempts = attempts + 1, last_error = ?, lease_owner = NULL, "
                   f"lease_until = NULL WHERE {where} AND lease_owner = ?", (error, *params, self.owner))

    def unclaim(self, event_ids: Sequence[str]) -> None:
        """Give rows back untried (claimed but not sent this round)."""
        if not event_ids:
            return
        where, params = self._among("event_id", event_ids)
        with self.db.write() as tx:
            tx.run(f"UPDATE forward_queue SET lease_owner = NULL, lease_until = NULL "
                   f"WHERE {where} AND lease_owner = ?", (*params, self.owner))

    def set_aside(self, items: Sequence[tuple[str, str, str, str | None]]) -> None:
        """Move (event_id, store_id, reason, message JSON or None) out of the queue, keeping why."""
        if not items:
            return
        now = utc_now()
        with self.db.write() as tx:
            tx.many("INSERT INTO forward_set_aside (event_id, store_id, reason, set_aside_at, message) "
                    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING",
                    [(eid, store, reason, now, message) for eid, store, reason, message in items])
            tx.many("DELETE FROM forward_queue WHERE event_id = ?", [(eid,) for eid, *_ in items])


def queue_stats(db: Database) -> dict:
    """Counts for operators: queued, of which leased now, delivered, set aside, the oldest queued, and the
    identified kiosk sessions settled after the retention (joined from stored facts, or forgotten)."""
    queued, oldest = db.read("SELECT count(*), min(enqueued_at) FROM forward_queue")[0]
    leased = db.read("SELECT count(*) FROM forward_queue WHERE lease_until >= ?", (time.time(),))[0][0]
    counters = dict(db.read("SELECT name, value FROM forward_counters"))
    set_aside = db.read("SELECT count(*) FROM forward_set_aside")[0][0]
    return {"queued": queued, "leased": leased, "delivered": counters["delivered"], "set_aside": set_aside,
            "oldest_queued_at": oldest, "sessions_recovered": counters["sessions_recovered"],
            "sessions_forgotten": counters["sessions_forgotten"]}
