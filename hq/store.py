"""The reference HQ's SQLite database: stores and tokens, events, claims, profiles, catalog, stock, heartbeats.

One connection behind one lock: this is a development server, and a single writer keeps
"accepted" versus "duplicate" exact under concurrent batches.

    store = HQStore("hq.db")
    store.set_token("paris-marais", "secret")
    store.add_events("paris-marais", "paris-marais-bridge-1", events, check=check_event)

POST /v1/events stays raw SQL (one multi-row INSERT ... RETURNING per batch); the rest
uses sqlite-utils' table verbs on the same connection, under the same lock.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from os import PathLike

import sqlite_utils

from hq.seq_gaps import DeviceSeqs

SCHEMA = """
CREATE TABLE IF NOT EXISTS stores (
    store_id TEXT PRIMARY KEY,
    token TEXT UNIQUE
);
CREATE TABLE IF NOT EXISTS batches (
    id INTEGER PRIMARY KEY,
    store_id TEXT NOT NULL,
    bridge_id TEXT NOT NULL,
    received_at TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    id TEXT PRIMARY KEY,
    store_id TEXT NOT NULL,
    type TEXT NOT NULL,
    device_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    profile_id TEXT,
    claim_code TEXT,
    batch_id INTEGER NOT NULL,
    idx INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS events_claim ON events (claim_code) WHERE claim_code IS NOT NULL;
CREATE TABLE IF NOT EXISTS device_seqs (
    store_id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    count INTEGER NOT NULL,
    max_seq INTEGER NOT NULL,
    gaps TEXT NOT NULL,
    PRIMARY KEY (store_id, device_id)
);
CREATE TABLE IF NOT EXISTS saves (
    event_id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    profile_id TEXT,
    claim_code TEXT,
    product_id TEXT NOT NULL,
    sku TEXT,
    occurred_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS claims (
    claim_code TEXT PRIMARY KEY,
    profile_id TEXT NOT NULL,
    claimed_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS profiles (
    id TEXT PRIMARY KEY,
    first_name TEXT NOT NULL,
    language TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS heartbeats (
    bridge_id TEXT PRIMARY KEY,
    store_id TEXT NOT NULL,
    received_at TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS products (
    id TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS products_version ON products (version);
CREATE TABLE IF NOT EXISTS stock (
    sku TEXT NOT NULL,
    location TEXT NOT NULL,
    on_hand INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL,
    PRIMARY KEY (sku, location)
);
CREATE INDEX IF NOT EXISTS stock_version ON stock (version);
"""

_SAVE_TYPES = ("item_saved", "item_unsaved")


def utc_now() -> str:
    """The current time as RFC 3339 UTC with milliseconds."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class HQStore:
    """Everything the reference HQ keeps, in one SQLite file."""

    def __init__(self, path: str | PathLike[str]) -> None:
        self.path = str(path)
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        # The reference server favours ingest speed: a power cut may lose the last commits.
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute("PRAGMA busy_timeout=5000")
        self._conn.executescript(SCHEMA)
        # recursive_triggers off and no plugins: the wrapper leaves the connection as set above
        self._db = sqlite_utils.Database(self._conn, recursive_triggers=False, execute_plugins=False)
        self._tokens = {r["token"]: r["store_id"]
                        for r in self._db["stores"].rows_where("token IS NOT NULL")}
        self._seqs = {(r["store_id"], r["device_id"]): DeviceSeqs(r["count"], r["max_seq"], json.loads(r["gaps"]))
                      for r in self._db["device_seqs"].rows}

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """The connection inside BEGIN IMMEDIATE ... COMMIT (self._db writes there too)."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def _read(self, sql: str, params: tuple | list = ()) -> list[tuple]:
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    def _rows(self, table: str, where: str | None = None, args: list | None = None,
              order_by: str | None = None) -> list[dict]:
        """Rows of table as dicts (sqlite-utils' rows_where, read under the lock)."""
        with self._lock:
            return list(self._db[table].rows_where(where, args, order_by=order_by))

    def _count(self, table: str, where: str | None = None, args: list | None = None) -> int:
        with self._lock:
            return self._db[table].count_where(where, args)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    # --- stores and tokens ----------------------------------------------------------

    def set_token(self, store_id: str, token: str) -> None:
        """Give store_id this bearer token (replacing its previous one)."""
        with self._write() as conn:
            # a token names one store: take it from any other first (token is UNIQUE)
            conn.execute("UPDATE stores SET token = NULL WHERE token = ? AND store_id != ?", (token, store_id))
            self._db["stores"].upsert({"store_id": store_id, "token": token})
            self._tokens = {t: s for t, s in self._tokens.items() if s != store_id and t != token}
            self._tokens[token] = store_id

    def revoke_token(self, store_id: str) -> None:
        """Remove store_id's token: its requests get 401 until a new one is set."""
        with self._write() as conn:
            conn.execute("UPDATE stores SET token = NULL WHERE store_id = ?", (store_id,))
            self._tokens = {t: s for t, s in self._tokens.items() if s != store_id}

    def store_for_token(self, token: str) -> str | None:
        """The store a bearer token belongs to, or None."""
        return self._tokens.get(token)

    def token_table(self) -> list[tuple[bytes, str]]:
        """Every (token, store_id), for a constant-time comparison against each."""
        return [(t.encode(), s) for t, s in self._tokens.items()]

    def ping(self) -> None:
        """Raise if the database does not answer."""
        self._read("SELECT 1")

    def stats(self, store_id: str) -> dict:
        """{"events": N, "devices": {device: {"events", "max_seq", "gaps"}}} for a store."""
        with self._lock:
            devices = {d: {"events": t.count, "max_seq": t.max_seq, "gaps": [list(r) for r in t.gaps]}
                       for (s, d), t in sorted(self._seqs.items()) if s == store_id}
        return {"events": self.event_count(store_id), "devices": devices}

    def has_stores(self) -> bool:
        return self._count("stores") > 0

    def stores(self) -> list[str]:
        """Every store known by token, event or heartbeat, sorted."""
        rows = self._read(
            "SELECT store_id FROM stores UNION SELECT DISTINCT store_id FROM heartbeats "
            "UNION SELECT DISTINCT store_id FROM events ORDER BY 1"
        )
        return [r[0] for r in rows]

    # --- events ---------------------------------------------------------------------

    def add_events(
        self, store_id: str, bridge_id: str, events: list[dict], check: Callable[[dict], str | None],
        raw: str | None = None,
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
        with self._write() as conn:
            stored = self._stored_ids(conn, [r["id"] for r in results if r["status"] == "rejected"])
            for r in results:
                if r["id"] in stored:  # stored before: a duplicate, whatever it holds now
                    r.pop("error", None)
                    r["status"] = "duplicate"
            inserted = self._insert_new(conn, store_id, bridge_id, fresh, raw or json.dumps(
                {"store_id": store_id, "bridge_id": bridge_id, "events": events}, ensure_ascii=False))
            for i, ev in fresh:
                if ev["id"] not in inserted:
                    results[i]["status"] = "duplicate"
        return results

    @staticmethod
    def _stored_ids(conn: sqlite3.Connection, ids: list[str]) -> set[str]:
        if not ids:
            return set()
        marks = ",".join("?" * len(ids))
        return {r[0] for r in conn.execute(f"SELECT id FROM events WHERE id IN ({marks})", ids)}

    def _insert_new(self, conn: sqlite3.Connection, store_id: str, bridge_id: str,
                    fresh: list[tuple[int, dict]], raw: str) -> set[str]:
        """Insert the valid events not stored before (one statement); return the ids inserted."""
        if not fresh:
            return set()
        batch_id = conn.execute(
            "INSERT INTO batches (store_id, bridge_id, received_at, body) VALUES (?, ?, ?, ?)",
            (store_id, bridge_id, utc_now(), raw),
        ).lastrowid
        params: list = []
        for i, ev in fresh:
            params += (ev["id"], store_id, ev["type"], ev["device_id"], ev["seq"],
                       ev.get("profile_id"), ev.get("claim_code"), batch_id, i)
        # One multi-row INSERT ... RETURNING tells accepted from already-stored in a single pass.
        sql = ("INSERT OR IGNORE INTO events VALUES " + ",".join(["(?,?,?,?,?,?,?,?,?)"] * len(fresh))
               + " RETURNING id")
        inserted = {r[0] for r in conn.execute(sql, params)}
        if not inserted:
            conn.execute("DELETE FROM batches WHERE id = ?", (batch_id,))
            return inserted
        self._track(conn, store_id, [ev for _, ev in fresh if ev["id"] in inserted])
        saves = [(ev["id"], ev["type"], ev.get("profile_id"), ev.get("claim_code"), ev["payload"]["product_id"],
                  ev["payload"].get("sku"), ev["occurred_at"])
                 for _, ev in fresh if ev["type"] in _SAVE_TYPES and ev["id"] in inserted]
        if saves:
            conn.executemany("INSERT OR IGNORE INTO saves VALUES (?,?,?,?,?,?,?)", saves)
        return inserted

    def _track(self, conn: sqlite3.Connection, store_id: str, events: list[dict]) -> None:
        """Update each device's seq tracking, in memory and in device_seqs."""
        touched: dict[str, DeviceSeqs] = {}
        for ev in events:
            device = ev["device_id"]
            tracker = touched.get(device)
            if tracker is None:
                tracker = touched[device] = self._seqs.setdefault((store_id, device), DeviceSeqs())
            tracker.observe(ev["seq"])
        conn.executemany(
            "INSERT INTO device_seqs VALUES (?, ?, ?, ?, ?) ON CONFLICT (store_id, device_id) DO UPDATE SET "
            "count = excluded.count, max_seq = excluded.max_seq, gaps = excluded.gaps",
            [(store_id, d, t.count, t.max_seq, json.dumps(t.gaps)) for d, t in touched.items()],
        )

    def events(self, store_id: str | None = None) -> list[dict]:
        """Stored events as sent, in arrival order."""
        sql = "SELECT e.batch_id, e.idx, b.body FROM events e JOIN batches b ON b.id = e.batch_id"
        params: tuple = ()
        if store_id is not None:
            sql, params = sql + " WHERE e.store_id = ?", (store_id,)
        batches: dict[int, list] = {}
        out = []
        for batch_id, idx, body in self._read(sql + " ORDER BY e.batch_id, e.idx", params):
            if batch_id not in batches:
                batches = {batch_id: json.loads(body)["events"]}  # rows come batch by batch
            out.append(batches[batch_id][idx])
        return out

    def event_count(self, store_id: str | None = None) -> int:
        if store_id is None:
            return self._count("events")
        return self._count("events", "store_id = ?", [store_id])

    def counts_by_type(self, store_id: str) -> dict[str, int]:
        rows = self._read(
            "SELECT type, count(*) FROM events WHERE store_id = ? GROUP BY type ORDER BY type", (store_id,)
        )
        return dict(rows)

    def devices(self, store_id: str) -> list[tuple[str, int, int]]:
        """(device_id, events received, highest seq) per device of a store."""
        with self._lock:
            return sorted((d, t.count, t.max_seq) for (s, d), t in self._seqs.items() if s == store_id)

    def gap_ranges(self, store_id: str | None = None) -> dict[str, list[tuple[int, int]]]:
        """Per device with a gap, the inclusive seq ranges missing below its highest seq received."""
        with self._lock:
            return {d: [tuple(r) for r in t.gaps] for (s, d), t in sorted(self._seqs.items())
                    if t.gaps and (store_id is None or s == store_id)}

    def gaps(self, store_id: str | None = None) -> dict[str, list[int]]:
        """Per device with a gap, every missing seq (device ids are assumed unique across stores)."""
        return {
            device: [s for first, last in ranges for s in range(first, last + 1)]
            for device, ranges in self.gap_ranges(store_id).items()
        }

    # --- claims and profiles ----------------------------------------------------------

    def claim(self, claim_code: str, profile_id: str) -> int:
        """Link claim_code's events to profile_id; return how many events carry the code.

        Raises KeyError if the profile is unknown, ValueError if another profile holds the code.
        """
        with self._write() as conn:
            if not self._db["profiles"].count_where("id = ?", [profile_id]):
                raise KeyError(profile_id)
            claims = self._db["claims"]
            holders = [r["profile_id"] for r in claims.rows_where("claim_code = ?", [claim_code])]
            if holders and holders != [profile_id]:
                raise ValueError("claim code already claimed by another profile")
            if not holders:
                claims.insert({"claim_code": claim_code, "profile_id": profile_id, "claimed_at": utc_now()})
            conn.execute(
                "UPDATE events SET profile_id = ? WHERE claim_code = ? AND profile_id IS NULL",
                (profile_id, claim_code),
            )
            return self._db["events"].count_where("claim_code = ?", [claim_code])

    def add_profile(self, profile_id: str, first_name: str, language: str) -> None:
        with self._write():
            self._db["profiles"].upsert({"id": profile_id, "first_name": first_name, "language": language})

    def profile(self, profile_id: str) -> dict | None:
        """The contract's profile view, with saved items folded from item_saved/item_unsaved events."""
        rows = self._rows("profiles", "id = ?", [profile_id])
        if not rows:
            return None
        saves = self._read(
            "SELECT type, product_id, sku FROM saves WHERE profile_id = ?1 "
            "OR claim_code IN (SELECT claim_code FROM claims WHERE profile_id = ?1) "
            "ORDER BY occurred_at, rowid",
            (profile_id,),
        )
        saved: dict[tuple[str, str | None], None] = {}
        for etype, product_id, sku in saves:
            if etype == "item_saved":
                saved.pop((product_id, sku), None)
                saved[(product_id, sku)] = None
            elif sku is None:
                saved = {k: v for k, v in saved.items() if k[0] != product_id}
            else:
                saved.pop((product_id, sku), None)
        items = [{"product_id": p} if s is None else {"product_id": p, "sku": s} for p, s in saved]
        return {**rows[0], "saved_items": items}

    # --- heartbeats -------------------------------------------------------------------

    def add_heartbeat(self, store_id: str, body: dict) -> None:
        """Keep the latest heartbeat per bridge."""
        with self._write():
            self._db["heartbeats"].upsert({"bridge_id": body["bridge_id"], "store_id": store_id,
                                           "received_at": utc_now(),
                                           "body": json.dumps(body, ensure_ascii=False)})

    def heartbeats(self, store_id: str | None = None) -> list[dict]:
        """Latest heartbeat per bridge: the body sent plus `store_id` and `received_at`, by bridge id."""
        where, args = (None, None) if store_id is None else ("store_id = ?", [store_id])
        rows = self._rows("heartbeats", where, args, order_by="bridge_id")
        return [{**json.loads(r["body"]), "store_id": r["store_id"], "received_at": r["received_at"]}
                for r in rows]

    # --- catalog and stock --------------------------------------------------------------

    def product_count(self) -> int:
        return self._count("products", "deleted = 0")

    def upsert_products(self, products: list[dict]) -> None:
        """Insert or replace products (contract PRODUCT dicts), each under a new version."""
        with self._write() as conn:
            version = conn.execute("SELECT coalesce(max(version), 0) FROM products").fetchone()[0]
            self._db["products"].upsert_all(
                {"id": p["id"], "version": version + i, "deleted": 0, "body": json.dumps(p, ensure_ascii=False)}
                for i, p in enumerate(products, 1))

    def product(self, product_id: str) -> dict | None:
        rows = self._read("SELECT body FROM products WHERE id = ? AND deleted = 0", (product_id,))
        return json.loads(rows[0][0]) if rows else None

    def delete_products(self, ids: list[str]) -> None:
        """Mark products deleted, so the feed reports them in `deleted`."""
        with self._write() as conn:
            version = conn.execute("SELECT coalesce(max(version), 0) FROM products").fetchone()[0]
            for pid in ids:
                version += 1
                conn.execute("UPDATE products SET deleted = 1, version = ? WHERE id = ?", (version, pid))

    def products_after(self, since: int | None, limit: int) -> list[tuple[int, int, str, str]]:
        """Up to limit (version, deleted, id, body) rows after `since`; without it, live products only."""
        if since is None:
            return self._read(
                "SELECT version, deleted, id, body FROM products WHERE deleted = 0 ORDER BY version LIMIT ?",
                (limit,),
            )
        return self._read(
            "SELECT version, deleted, id, body FROM products WHERE version > ? ORDER BY version LIMIT ?",
            (since, limit),
        )

    def catalog_version(self) -> int:
        return self._read("SELECT coalesce(max(version), 0) FROM products")[0][0]

    def upsert_stock(self, levels: list[dict]) -> None:
        """Set on-hand quantities ({sku, location, on_hand[, updated_at]}), each under a new version."""
        now = utc_now()
        with self._write() as conn:
            version = conn.execute("SELECT coalesce(max(version), 0) FROM stock").fetchone()[0]
            self._db["stock"].upsert_all(
                {"sku": level["sku"], "location": level["location"], "on_hand": int(level["on_hand"]),
                 "updated_at": level.get("updated_at") or now, "version": version + i}
                for i, level in enumerate(levels, 1))

    def stock_after(self, since: int, limit: int) -> list[tuple[int, str, str, int, str]]:
        """Up to limit (version, sku, location, on_hand, updated_at) rows after `since`."""
        return self._read(
            "SELECT version, sku, location, on_hand, updated_at FROM stock WHERE version > ? "
            "ORDER BY version LIMIT ?",
            (since, limit),
        )

    def stock_version(self) -> int:
        return self._read("SELECT coalesce(max(version), 0) FROM stock")[0][0]

    def stock_count(self) -> int:
        return self._count("stock")
