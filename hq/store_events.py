"""Events at HQ: store each id once, per-device seq tracking, stats; read back as sent.

Exactly-once is the database's: the events table's primary key and one INSERT … ON
CONFLICT DO NOTHING RETURNING per batch. A store's batches are written one at a time
(the transaction's lock on the store), so each device's count, highest seq and gaps stay exact.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Protocol

from hq.attribution.facts import store_facts
from hq.clock import utc_now
from hq.db import Database, Tx
from hq.seq_gaps import DeviceSeqs

_SAVE_TYPES = ("item_saved", "item_unsaved")


class AcceptedHook(Protocol):
    """Called inside the storing transaction with the events accepted now (for a durable forwarding queue)."""

    def __call__(self, tx: Tx, store_id: str, events: list[dict]) -> None: ...


class EventTables:
    """The events, batches, saves and device_seqs tables."""

    db: Database
    on_accepted: AcceptedHook | None = None

    def add_events(
        self, store_id: str, bridge_id: str, events: list[dict], check: Callable[[dict], str | None],
        raw: str | None = None, received_at: str = "",
    ) -> list[dict]:
        """Store each new valid event once; return the contract's per-event results in order.

        raw is the batch's JSON text, kept once per batch (cheaper than re-encoding each event).
        """
        results: list[dict] = []
        fresh: list[tuple[int, dict]] = []
        taken: set[str] = set()
        for i, ev in enumerate(events):
            eid = ev["id"]
            error = None if eid in taken else check(ev)
            if error is not None:
                results.append({"id": eid, "status": "rejected", "error": error})
            elif eid in taken:
                results.append({"id": eid, "status": "duplicate"})
            else:
                taken.add(eid)
                fresh.append((i, ev))
                results.append({"id": eid, "status": "accepted"})
        raw = raw or json.dumps({"store_id": store_id, "bridge_id": bridge_id, "events": events}, ensure_ascii=False)
        with self.db.write() as tx:
            tx.lock("store:" + store_id)
            stored = _stored_ids(tx, [r["id"] for r in results if r["status"] == "rejected"])
            for r in results:
                if r["id"] in stored:  # stored before: a duplicate, whatever it holds now
                    r.pop("error", None)
                    r["status"] = "duplicate"
            inserted = self._insert_new(tx, store_id, bridge_id, fresh, raw, received_at)
        for i, ev in fresh:
            if ev["id"] not in inserted:
                results[i]["status"] = "duplicate"
        return results

    def _insert_new(self, tx: Tx, store_id: str, bridge_id: str, fresh: list[tuple[int, dict]],
                    raw: str, received_at: str) -> set[str]:
        """Insert the valid events not stored before; return the ids inserted."""
        if not fresh:
            return set()
        rows = [(ev["id"], ev["type"], ev["device_id"], ev["seq"], ev.get("profile_id"), ev.get("claim_code"), i)
                for i, ev in fresh]
        inserted = tx.insert_events(store_id, bridge_id, received_at or utc_now(), raw, rows)
        if not inserted:
            return inserted
        new = [ev for _, ev in fresh if ev["id"] in inserted]
        _track(tx, store_id, new)
        saves = [(ev["id"], ev["type"], ev.get("profile_id"), ev.get("claim_code"), ev["payload"]["product_id"],
                  ev["payload"].get("sku"), ev["occurred_at"]) for ev in new if ev["type"] in _SAVE_TYPES]
        if saves:
            tx.many("INSERT INTO saves (event_id, type, profile_id, claim_code, product_id, sku, occurred_at) "
                    "VALUES (?,?,?,?,?,?,?) ON CONFLICT (event_id) DO NOTHING", saves)
        store_facts(tx, store_id, new)
        if self.on_accepted is not None:
            self.on_accepted(tx, store_id, new)
        return inserted

    def events(self, store_id: str | None = None) -> list[dict]:
        """Stored events as sent, in arrival order."""
        sql = "SELECT e.batch_id, e.idx, b.body FROM events e JOIN batches b ON b.id = e.batch_id"
        params: tuple = ()
        if store_id is not None:
            sql, params = sql + " WHERE e.store_id = ?", (store_id,)
        batches: dict[int, list] = {}
        out = []
        for batch_id, idx, body in self.db.read(sql + " ORDER BY e.batch_id, e.idx", params):
            if batch_id not in batches:
                batches = {batch_id: json.loads(body)["events"]}  # rows come batch by batch
            out.append(batches[batch_id][idx])
        return out

    def event_count(self, store_id: str | None = None) -> int:
        if store_id is None:
            return self.db.read("SELECT count(*) FROM events")[0][0]
        return self.db.read("SELECT count(*) FROM events WHERE store_id = ?", (store_id,))[0][0]

    def counts_by_type(self, store_id: str) -> dict[str, int]:
        rows = self.db.read("SELECT type, count(*) FROM events WHERE store_id = ? GROUP BY type ORDER BY type",
                            (store_id,))
        return dict(rows)

    def _seqs(self, store_id: str | None) -> list[tuple[str, str, DeviceSeqs]]:
        sql = "SELECT store_id, device_id, count, max_seq, gaps FROM device_seqs"
        where, params = ("", ()) if store_id is None else (" WHERE store_id = ?", (store_id,))
        return [(s, d, DeviceSeqs(n, top, json.loads(g)))
                for s, d, n, top, g in self.db.read(sql + where + " ORDER BY store_id, device_id", params)]

    def devices(self, store_id: str) -> list[tuple[str, int, int]]:
        """(device_id, events received, highest seq) per device of a store."""
        return [(d, t.count, t.max_seq) for _, d, t in self._seqs(store_id)]

    def gap_ranges(self, store_id: str | None = None) -> dict[str, list[tuple[int, int]]]:
        """Per device with a gap, the inclusive seq ranges missing below its highest seq received."""
        return {d: [tuple(r) for r in t.gaps] for _, d, t in self._seqs(store_id) if t.gaps}

    def gaps(self, store_id: str | None = None) -> dict[str, list[int]]:
        """Per device with a gap, every missing seq (device ids are assumed unique across stores)."""
        return {device: [s for first, last in ranges for s in range(first, last + 1)]
                for device, ranges in self.gap_ranges(store_id).items()}

    def stats(self, store_id: str) -> dict:
        """{"events": N, "devices": {device: {"events", "max_seq", "gaps"}}}, every event counted once."""
        devices = {d: {"events": t.count, "max_seq": t.max_seq, "gaps": t.gaps} for _, d, t in self._seqs(store_id)}
        return {"events": self.event_count(store_id), "devices": devices}


def _stored_ids(tx: Tx, ids: list[str]) -> set[str]:
    if not ids:
        return set()
    marks = ",".join("?" * len(ids))
    return {r[0] for r in tx.rows(f"SELECT id FROM events WHERE id IN ({marks})", ids)}


def _track(tx: Tx, store_id: str, events: list[dict]) -> None:
    """Update each device's seq tracking in device_seqs (the store's lock is held)."""
    devices = sorted({ev["device_id"] for ev in events})
    marks = ",".join("?" * len(devices))
    known = {d: DeviceSeqs(n, top, json.loads(g)) for d, n, top, g in tx.rows(
        f"SELECT device_id, count, max_seq, gaps FROM device_seqs WHERE store_id = ? AND device_id IN ({marks})",
        [store_id, *devices])}
    for ev in events:
        known.setdefault(ev["device_id"], DeviceSeqs()).observe(ev["seq"])
    tx.many("INSERT INTO device_seqs (store_id, device_id, count, max_seq, gaps) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (store_id, device_id) DO UPDATE SET "
            "count = excluded.count, max_seq = excluded.max_seq, gaps = excluded.gaps",
            [(store_id, d, t.count, t.max_seq, json.dumps(t.gaps)) for d, t in sorted(known.items())])
