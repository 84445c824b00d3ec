"""The durable outbox: events stored before record() returns, claimed in batches by one sender.

    outbox = Outbox(db)
    outbox.record("product_viewed", device_id="kiosk-1", payload={"product_id": "rm-1001"})
    batch = outbox.claim(limit=500)           # pending -> in flight
    outbox.ack([c.id for c in batch])         # in flight -> acknowledged

An event moves pending -> in flight -> acknowledged (its id and seq kept until purged) or
dead (kept with a reason until retried or dropped). Each unacknowledged row holds the
event's final JSON text, so a batch is built by joining strings.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timezone

import orjson

from bridge.store.database import Database
from bridge.errors import InvalidEvent
from bridge.events import check_event, check_storable, validate_event
from bridge.store.outbox_records import (Claimed, DeadLetter, EventStatus, OutboxStats,  # noqa: F401
                                         Recorded)
from webguard.storable import UNSTORABLE_ESCAPE


MIGRATIONS: list[tuple[int, str, str]] = [
    (1, "outbox", """
        -- Events not yet acknowledged: pending, in flight, dead. It stays small, so claims
        -- scan it in pos order without a status index (one page less per record).
        -- pos keeps recording order (an INTEGER PRIMARY KEY survives VACUUM);
        -- body is the final JSON text, seq included. device_id and seq are copied from it
        -- (so they can never disagree) for the next seq and for acks; they come before
        -- body so that reading them never follows a large body's overflow pages.
        CREATE TABLE outbox (
            pos INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            device_id TEXT NOT NULL GENERATED ALWAYS AS (json_extract(body, '$.device_id')) STORED,
            seq INTEGER NOT NULL GENERATED ALWAYS AS (json_extract(body, '$.seq')) STORED,
            status INTEGER NOT NULL DEFAULT 0,
            recorded_at REAL NOT NULL,
            body TEXT NOT NULL
        );
        -- Acknowledged events move here until purged; their ids still count as held.
        CREATE TABLE acked (
            pos INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            recorded_at REAL NOT NULL,
            acked_at REAL NOT NULL,
            body TEXT NOT NULL
        );
        CREATE INDEX acked_by_time ON acked(acked_at);
        -- Each device's seq high-water mark among events that left the outbox (see
        -- _NEXT_SEQ): written when events are acknowledged or dropped, not on record().
        CREATE TABLE device_sequences (
            device_id TEXT PRIMARY KEY,
            last_seq INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE dead_letters (
            pos INTEGER PRIMARY KEY REFERENCES outbox(pos) ON DELETE CASCADE,
            reason TEXT NOT NULL,
            dead_at TEXT NOT NULL
        );
        CREATE TABLE meta (
            key TEXT PRIMARY KEY,
            value TEXT
        ) WITHOUT ROWID;
    """),
    (2, "acked keeps ids and seqs only", """
        -- An acknowledged event's body is HQ's now: the bridge keeps what duplicate
        -- detection (id, seq) and retention (acked_at) need. Copying ~300-byte bodies on
        -- every ack cost the sender a third of its time.
        -- WITHOUT ROWID: keyed by id alone, one b-tree to update per ack instead of two.
        CREATE TABLE acked_ids (
            id TEXT PRIMARY KEY,
            seq INTEGER NOT NULL,
            recorded_at REAL NOT NULL,
            acked_at REAL NOT NULL
        ) WITHOUT ROWID;
        INSERT INTO acked_ids(id, seq, recorded_at, acked_at)
            SELECT id, json_extract(body, '$.seq'), recorded_at, acked_at FROM acked;
        DROP TABLE acked;
        ALTER TABLE acked_ids RENAME TO acked;
        CREATE INDEX acked_by_time ON acked(acked_at);
    """),
]

_FIND = "SELECT seq FROM outbox WHERE id = ?1 UNION ALL SELECT seq FROM acked WHERE id = ?1"
_FIND_MANY = ("SELECT id, seq FROM outbox WHERE id IN (SELECT value FROM json_each(?1)) "
              "UNION ALL SELECT id, seq FROM acked WHERE id IN (SELECT value FROM json_each(?1))")
# A device's next seq, without writing a counter row (a third page in every commit):
# the seq of its newest event still in the outbox, or else the high-water mark kept
# for it when its events left the outbox, plus one. Every new row gets the highest pos
# so far, so a device's newest row is the first one met scanning pos backwards, which
# ends within a few rows while devices interleave. Inside the writer's transaction this
# is gap-free across threads and processes, and never reuses a seq after purges.
_NEXT_SEQ = ("1 + max(coalesce((SELECT seq FROM outbox WHERE device_id = ?2 ORDER BY pos DESC LIMIT 1), 0), "
             "coalesce((SELECT last_seq FROM device_sequences WHERE device_id = ?2), 0))")
# One statement assigns the seq, splices it into the body, stores the row and hands the seq
# back through the writer's remember() (see database._Writer; RETURNING would stage it in
# a temporary b-tree). VALUES with a scalar subquery, not INSERT ... SELECT: a SELECT that
# reads the table it inserts into is first copied into a temporary b-tree too. Each of
# the two cost a fifth of the statement's instructions.
_INSERT = ("INSERT INTO outbox(id, recorded_at, body) "
           f"VALUES (?1, ?3, ?4 || remember({_NEXT_SEQ}) || ?5)")
# record_many: each device's next seq read once per batch, then counted on in Python
# (under the write lock nobody else assigns one), and the rows stored by one executemany.
_NEXT_SEQ_OF = f"SELECT {_NEXT_SEQ.replace('?2', '?1')}"
_INSERT_ROW = "INSERT INTO outbox(id, recorded_at, body) VALUES (?, ?, ?)"
_IDS = "SELECT value FROM json_each(?)"
_PURGE_CHUNK = 5000
_JSON = json.JSONEncoder(separators=(",", ":"))  # json.dumps(**kw) would build one per call
_string = _JSON.encode  # a str encodes through the C encoder straight away
# The C encoder _JSON.encode builds on every call, built once: a third less time per
# payload. No cycle markers: a payload is a tree (decoded JSON, or checked by the
# contract first); a cyclic one raises RecursionError instead of ValueError.
_payload_chunks = json.encoder.c_make_encoder(  # type: ignore[attr-defined]
    None, _JSON.default, json.encoder.encode_basestring_ascii, None, ":", ",", False, False, True
) if json.encoder.c_make_encoder is not None else None  # type: ignore[attr-defined]


def _payload_json(payload: object) -> str:
    """payload as compact ASCII JSON, as _JSON.encode writes it (or an equal spelling: 1e-7
    for 1e-07, a raw DEL character for \\u007f).

    orjson first, in about half the time; its output is kept only when it is ASCII, since
    bodies are ASCII JSON (their length is their size in bytes, and an unstorable string
    can only be there as an escape). What orjson refuses or writes as UTF-8 (non-ASCII
    text, integers beyond 64 bits, keys that are not strings, nesting beyond 255 levels,
    lone surrogates) goes through the standard encoder, as before.
    """
    try:
        data = orjson.dumps(payload)
        if data.isascii():
            return data.decode("ascii")
    except (orjson.JSONEncodeError, TypeError):
        pass
    if _payload_chunks is None:  # a Python built without the _json accelerator
        return _JSON.encode(payload)
    return "".join(_payload_chunks(payload, 0))


def _halves(event_id: str, etype: str, occurred_at: str, device_id: str,
            profile_id: str | None, claim_code: str | None, payload: object) -> tuple[str, str]:
    """The event's compact JSON before and after its seq value, in EVENT_FIELDS order.

    Built by hand rather than by encoding a dict: id, type and occurred_at are validated
    to need no escaping, so only device_id, the optional strings and the payload go
    through the encoder (same output as json.dumps with these separators).
    """
    head = (f'{{"id":"{event_id}","type":"{etype}","occurred_at":"{occurred_at}",'
            f'"device_id":{_string(device_id)},"seq":')
    tail = (f',"profile_id":{"null" if profile_id is None else _string(profile_id)}'
            f',"claim_code":{"null" if claim_code is None else _string(claim_code)}'
            f',"payload":{_payload_json(payload)}}}')
    return head, tail


def _rfc3339(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).isoformat(timespec="milliseconds")


def _ids_json(ids: Iterable[str]) -> str:
    return json.dumps(list(ids))


class Outbox:
    """The store-and-forward queue of events for HQ, in the bridge database."""

    def __init__(self, db: Database, clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.clock = clock

    # -- recording -------------------------------------------------------------------

    def record(self, type: str, *, device_id: str, payload: dict, profile_id: str | None = None,
               claim_code: str | None = None, id: str | None = None,
               occurred_at: str | None = None) -> Recorded:
        """Validate and durably store one event; an id already held changes nothing."""
        event_id, occurred_at = check_event(type, device_id, payload, profile_id, claim_code,
                                            id, occurred_at, walk_strings=False)
        head, tail = _halves(event_id, type, occurred_at, device_id, profile_id, claim_code, payload)
        if UNSTORABLE_ESCAPE.search(tail) or UNSTORABLE_ESCAPE.search(head):  # see record_many
            check_storable({"device_id": device_id, "profile_id": profile_id, "claim_code": claim_code,
                            "payload": payload}, "")
        if id is not None:  # two statements: the lookup of the id, then the insert
            return self.db.commits.run(
                lambda conn: self._store(conn, event_id, device_id, head, tail, True))
        return self.db.commits.run(
            lambda conn: self._store(conn, event_id, device_id, head, tail, False), one_statement=True)

    def record_many(self, events: list[dict],
                    then: Callable[[sqlite3.Connection, list[Recorded | InvalidEvent]], None] | None = None
                    ) -> list[Recorded | InvalidEvent]:
        """Store every valid event in one transaction; invalid ones are reported in place.

        then(conn, results), if given, runs in the same transaction once the events are
        stored (e.g. the stock a receipt moves), so both commit together or not at all.
        """
        results: list[Recorded | InvalidEvent | None] = []
        prepared: list[tuple[int, str, str, str, str]] = []
        for i, raw in enumerate(events):
            try:
                e = validate_event(raw, walk_strings=False)
                head, tail = _halves(e["id"], e["type"], e["occurred_at"], e["device_id"],
                                     e["profile_id"], e["claim_code"], e["payload"])
                # The body is ASCII JSON: a surrogate half or NUL can only be there as an
                # escape, so one search of the text replaces the walk over every string.
                if UNSTORABLE_ESCAPE.search(tail) or UNSTORABLE_ESCAPE.search(head):
                    check_storable({k: e[k] for k in ("device_id", "profile_id", "claim_code", "payload")}, "")
            except InvalidEvent as exc:
                results.append(exc)
                continue
            results.append(None)  # filled in once stored
            prepared.append((i, e["id"], e["device_id"], head, tail))
        if not prepared and then is None:
            return results  # type: ignore[return-value]  # nothing to store

        def store(conn: sqlite3.Connection) -> None:
            # One lookup for the whole batch instead of one per event; ids stored by this
            # batch join `held`, so an id given twice is a duplicate the second time.
            held = dict(conn.execute(_FIND_MANY, (_ids_json(p[1] for p in prepared),)).fetchall())
            last_seq: dict[str, int] = {}
            rows = []
            now = self.clock()
            for i, event_id, device_id, head, tail in prepared:
                seq = held.get(event_id)
                if seq is not None:
                    results[i] = Recorded(event_id, seq, False)
                    continue
                seq = last_seq.get(device_id)
                if seq is None:
                    seq = conn.execute(_NEXT_SEQ_OF, (device_id,)).fetchone()[0] - 1
                held[event_id] = last_seq[device_id] = seq = seq + 1
                rows.append((event_id, now, f"{head}{seq}{tail}"))
                results[i] = Recorded(event_id, seq, True)
            if rows:
                conn.executemany(_INSERT_ROW, rows)
            if then is not None:
                then(conn, results)  # type: ignore[arg-type]  # no None is left

        self.db.commits.run(store)  # raises if the commit failed: nothing is reported stored
        return results  # type: ignore[return-value]  # no None is left

    def _store(self, conn, event_id: str, device_id: str, head: str, tail: str,
               check_duplicate: bool) -> Recorded:
        # An id we just generated cannot be held already: skip the lookup on the hot path.
        if check_duplicate:
            row = conn.execute(_FIND, (event_id,)).fetchone()
            if row is not None:
                return Recorded(event_id, row[0], False)
        # An INSERT without RETURNING runs to its end in execute(): COMMIT finds none in progress.
        conn.execute(_INSERT, (event_id, device_id, self.clock(), head, tail))
        return Recorded(event_id, conn.remembered[0], True)

    # -- sending ---------------------------------------------------------------------

    def claim(self, limit: int = 500, max_bytes: int = 1_048_576) -> list[Claimed]:
        """Move the oldest pending events to in flight: at most limit, at most max_bytes of
        bodies plus one separator each (a single larger event is claimed alone)."""
        return self.settle((), limit=limit, max_bytes=max_bytes)

    def ack(self, ids: Iterable[str]) -> int:
        """Mark events acknowledged by HQ (accepted or duplicate); return how many changed."""
        with self.db.write(durable=False) as conn:
            return self._ack(conn, "id", _ids_json(ids))

    def settle(self, acked: Iterable[Claimed], *, limit: int = 0,
               max_bytes: int = 1_048_576) -> list[Claimed]:
        """Acknowledge claimed events and claim the next batch, in one transaction.

        The sender's hot path: one commit per batch instead of two. Both changes commit
        without fsync (db.write(durable=False)), which is safe: a lost acknowledgement
        only makes the sender send those events again, and HQ answers `duplicate` (it
        stores each id at most once); a lost claim only leaves events pending, and claims
        are released at start anyway. What record() made durable is never touched.
        """
        rowids = json.dumps([c.rowid for c in acked])
        with self.db.write(durable=False) as conn:
            if rowids != "[]":
                self._ack(conn, "pos", rowids)
            return self._claim(conn, limit, max_bytes) if limit >= 1 else []

    def _claim(self, conn, limit: int, max_bytes: int) -> list[Claimed]:
        # no status index: the table holds no acknowledged rows, so the scan stays short
        rows = conn.execute("SELECT pos, id, body FROM outbox WHERE status = 0 "
                            "ORDER BY pos LIMIT ?", (limit,)).fetchall()
        claimed: list[Claimed] = []
        size = 0
        for pos, event_id, body in rows:
            size += len(body) + (1 if claimed else 0)
            if claimed and size > max_bytes:
                break
            claimed.append(Claimed(pos, event_id, body))
        if claimed:
            # Under the write lock the claimed rows are exactly the pending ones in their
            # pos range: a range update needs no list of positions.
            conn.execute("UPDATE outbox SET status = 1 WHERE pos BETWEEN ? AND ? AND status = 0",
                         (claimed[0].rowid, claimed[-1].rowid))
        return claimed

    def _ack(self, conn, key: str, values_json: str) -> int:
        """Move in-flight or pending events whose key (id or pos) is listed to acked."""
        where = f"WHERE {key} IN ({_IDS}) AND status IN (0, 1)"
        conn.execute("INSERT INTO acked(id, seq, recorded_at, acked_at) "
                     f"SELECT id, seq, recorded_at, ? FROM outbox {where}",
                     (self.clock(), values_json))
        return self._delete(conn, where, values_json)

    def _delete(self, conn, where: str, values_json: str) -> int:
        """Delete outbox rows, first raising their devices' seq high-water marks (see _NEXT_SEQ)."""
        conn.execute("INSERT INTO device_sequences(device_id, last_seq) "
                     f"SELECT device_id, max(seq) FROM outbox {where} GROUP BY device_id "
                     "ON CONFLICT(device_id) DO UPDATE SET last_seq = max(last_seq, excluded.last_seq)",
                     (values_json,))
        return conn.execute(f"DELETE FROM outbox {where}", (values_json,)).rowcount

    def release(self, ids: Iterable[str]) -> int:
        """Give claimed events back (in flight -> pending), e.g. after a transient failure."""
        with self.db.write() as conn:
            return conn.execute(
                "UPDATE outbox SET status = 0 WHERE id IN (SELECT value FROM json_each(?)) "
                "AND status = 1", (_ids_json(ids),)).rowcount

    def kill(self, results: Iterable[tuple[str, str]]) -> int:
        """Move events to the dead letters with the reason (e.g. HQ's rejection error)."""
        dead_at = _rfc3339(self.clock())
        killed = 0
        with self.db.write() as conn:
            for event_id, reason in results:
                rows = conn.execute("UPDATE outbox SET status = 3 WHERE id = ? AND status IN (0, 1) "
                                    "RETURNING pos", (event_id,)).fetchall()
                for (pos,) in rows:
                    conn.execute("INSERT OR REPLACE INTO dead_letters(pos, reason, dead_at) "
                                 "VALUES (?, ?, ?)", (pos, str(reason), dead_at))
                    killed += 1
        return killed

    def release_stale_claims(self) -> int:
        """Every in-flight event back to pending; the sender-lock holder calls it at start."""
        with self.db.write() as conn:
            return conn.execute("UPDATE outbox SET status = 0 WHERE status = 1").rowcount

    def events(self, type: str | None = None) -> list[dict]:
        """Every event still held with its body (pending, in flight, dead), oldest first.

        Acknowledged events keep only their id and seq here (HQ holds them), so they are
        not listed. For tests and diagnostics: it reads the whole table.
        """
        rows = self.db.read().execute("SELECT body FROM outbox ORDER BY pos").fetchall()
        events = [json.loads(body) for (body,) in rows]
        return events if type is None else [e for e in events if e["type"] == type]

    # -- dead letters ----------------------------------------------------------------

    def dead_letters(self) -> list[DeadLetter]:
        """Every dead event, oldest first."""
        rows = self.db.read().execute(
            "SELECT o.id, o.body, d.reason, d.dead_at FROM dead_letters d "
            "JOIN outbox o ON o.pos = d.pos WHERE o.status = 3 ORDER BY o.pos").fetchall()
        out = []
        for event_id, body, reason, dead_at in rows:
            event = json.loads(body)
            out.append(DeadLetter(event_id, event["type"], event["device_id"], event["seq"],
                                  reason, dead_at, body))
        return out

    def retry_dead(self, ids: Iterable[str]) -> int:
        """Send dead events again (dead -> pending); return how many."""
        with self.db.write() as conn:
            rows = conn.execute("UPDATE outbox SET status = 0 WHERE id IN "
                                "(SELECT value FROM json_each(?)) AND status = 3 RETURNING pos",
                                (_ids_json(ids),)).fetchall()
            conn.executemany("DELETE FROM dead_letters WHERE pos = ?", rows)
        return len(rows)

    def drop_dead(self, ids: Iterable[str]) -> int:
        """Delete dead events for good; return how many."""
        with self.db.write() as conn:
            return self._delete(conn, f"WHERE id IN ({_IDS}) AND status = 3", _ids_json(ids))

    # -- housekeeping ----------------------------------------------------------------

    def stats(self) -> OutboxStats:
        """Counts per status and the age of the oldest pending event."""
        conn = self.db.read()
        counts = dict(conn.execute("SELECT status, count(*) FROM outbox GROUP BY status "
                                   "UNION ALL SELECT 2, count(*) FROM acked").fetchall())
        row = conn.execute("SELECT min(recorded_at) FROM outbox WHERE status = 0").fetchone()
        oldest = row[0] if row else None
        return OutboxStats(
            pending=counts.get(EventStatus.PENDING, 0),
            in_flight=counts.get(EventStatus.IN_FLIGHT, 0),
            acked=counts.get(EventStatus.ACKED, 0),
            dead=counts.get(EventStatus.DEAD, 0),
            oldest_pending_at=None if oldest is None else _rfc3339(oldest),
            oldest_pending_age_s=None if oldest is None else max(0.0, self.clock() - oldest))

    def purge_acked(self, older_than_s: float) -> int:
        """Delete events acknowledged more than older_than_s ago; return how many."""
        cutoff = self.clock() - older_than_s
        total = 0
        while True:  # in chunks, so recorders never wait long for the writer
            with self.db.write(durable=False) as conn:  # losing a purge is harmless
                n = conn.execute("DELETE FROM acked WHERE id IN (SELECT id FROM acked "
                                 "WHERE acked_at <= ? ORDER BY acked_at LIMIT ?)",
                                 (cutoff, _PURGE_CHUNK)).rowcount
            total += n
            if n < _PURGE_CHUNK:
                return total
