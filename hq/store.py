"""Everything the reference HQ keeps: stores and tokens, events, claims, profiles, catalog, stock, heartbeats.

The same code runs on SQLite (a file path) and PostgreSQL (a postgresql:// URL); no state
lives in the process but a short-lived copy of the token table, so any number of workers
can share one database.

    store = HQStore("hq.db")
    store.set_token("paris-marais", "secret")
    store.add_events("paris-marais", "paris-marais-bridge-1", events, check=check_event)
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from os import PathLike

from hq.bearer import store_for_token
from hq.clock import utc_now
from hq.db import Tx, open_database
from hq.store_catalog import CatalogTables
from hq.store_events import AcceptedHook, EventTables

__all__ = ["HQStore", "utc_now"]

TOKEN_CACHE_S = 2.0  # a token set or revoked by another process takes effect within this


class HQStore(EventTables, CatalogTables):
    """HQ's tables in one database."""

    def __init__(self, target: str | PathLike[str], on_accepted: AcceptedHook | None = None) -> None:
        self.db = open_database(target)
        self.on_accepted = on_accepted
        self.on_claimed: Callable[[Tx, str, str], None] | None = None  # (tx, claim_code, profile_id): forwarding
        self._tokens_lock = threading.Lock()
        self._tokens: list[tuple[bytes, str]] = []
        self._tokens_read_at = float("-inf")

    def close(self) -> None:
        self.db.close()

    def ping(self) -> None:
        """Raise DatabaseUnavailable if the database does not answer."""
        self.db.read("SELECT 1")

    # --- stores and tokens ----------------------------------------------------------

    def set_token(self, store_id: str, token: str) -> None:
        """Give store_id this bearer token (replacing its previous one)."""
        with self.db.write() as tx:
            # a token names one store: take it from any other first (token is UNIQUE)
            tx.run("UPDATE stores SET token = NULL WHERE token = ? AND store_id != ?", (token, store_id))
            tx.run("INSERT INTO stores (store_id, token) VALUES (?, ?) "
                   "ON CONFLICT (store_id) DO UPDATE SET token = excluded.token", (store_id, token))
        self._tokens_read_at = float("-inf")

    def revoke_token(self, store_id: str) -> None:
        """Remove store_id's token: its requests get 401 until a new one is set."""
        with self.db.write() as tx:
            tx.run("UPDATE stores SET token = NULL WHERE store_id = ?", (store_id,))
        self._tokens_read_at = float("-inf")

    def token_table(self) -> list[tuple[bytes, str]]:
        """Every (token, store_id), read again after TOKEN_CACHE_S, for a constant-time comparison against each."""
        with self._tokens_lock:
            if time.monotonic() - self._tokens_read_at > TOKEN_CACHE_S:
                rows = self.db.read("SELECT token, store_id FROM stores WHERE token IS NOT NULL")
                self._tokens = [(t.encode("utf-8", "surrogateescape"), s) for t, s in rows]
                self._tokens_read_at = time.monotonic()
            return self._tokens

    def store_for_token(self, token: str) -> str | None:
        """The store a bearer token belongs to, or None."""
        return store_for_token(self.token_table(), token)

    def has_stores(self) -> bool:
        return self.db.read("SELECT count(*) FROM stores")[0][0] > 0

    def stores(self) -> list[str]:
        """Every store known by token, event or heartbeat, sorted."""
        rows = self.db.read("SELECT store_id FROM stores UNION SELECT store_id FROM heartbeats "
                            "UNION SELECT store_id FROM device_seqs ORDER BY 1")
        return [r[0] for r in rows]

    # --- claims and profiles ----------------------------------------------------------

    def claim(self, claim_code: str, profile_id: str) -> int:
        """Link claim_code's events to profile_id; return how many events carry the code.

        Raises KeyError if the profile is unknown, ValueError if another profile holds the code.
        """
        with self.db.write() as tx:
            tx.lock("claim:" + claim_code)
            if not tx.rows("SELECT 1 FROM profiles WHERE id = ?", (profile_id,)):
                raise KeyError(profile_id)
            holders = [r[0] for r in tx.rows("SELECT profile_id FROM claims WHERE claim_code = ?", (claim_code,))]
            if holders and holders != [profile_id]:
                raise ValueError("claim code already claimed by another profile")
            if not holders:
                tx.run("INSERT INTO claims (claim_code, profile_id, claimed_at) VALUES (?, ?, ?)",
                       (claim_code, profile_id, utc_now()))
            tx.run("UPDATE events SET profile_id = ? WHERE claim_code = ? AND profile_id IS NULL",
                   (profile_id, claim_code))
            if self.on_claimed is not None:
                self.on_claimed(tx, claim_code, profile_id)
            return tx.rows("SELECT count(*) FROM events WHERE claim_code = ?", (claim_code,))[0][0]

    def add_profile(self, profile_id: str, first_name: str, language: str) -> None:
        with self.db.write() as tx:
            tx.run("INSERT INTO profiles (id, first_name, language) VALUES (?, ?, ?) ON CONFLICT (id) "
                   "DO UPDATE SET first_name = excluded.first_name, language = excluded.language",
                   (profile_id, first_name, language))

    def profile(self, profile_id: str) -> dict | None:
        """The contract's profile view, with saved items folded from item_saved/item_unsaved events."""
        rows = self.db.read("SELECT id, first_name, language FROM profiles WHERE id = ?", (profile_id,))
        if not rows:
            return None
        saves = self.db.read(
            "SELECT type, product_id, sku FROM saves WHERE profile_id = ? "
            "OR claim_code IN (SELECT claim_code FROM claims WHERE profile_id = ?) "
            f"ORDER BY occurred_at, {self.db.row_order}", (profile_id, profile_id))
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
        pid, first_name, language = rows[0]
        return {"id": pid, "first_name": first_name, "language": language, "saved_items": items}

    # --- heartbeats -------------------------------------------------------------------

    def add_heartbeat(self, store_id: str, body: dict) -> None:
        """Keep the latest heartbeat per bridge."""
        with self.db.write() as tx:
            tx.run("INSERT INTO heartbeats (bridge_id, store_id, received_at, body) VALUES (?, ?, ?, ?) "
                   "ON CONFLICT (bridge_id) DO UPDATE SET store_id = excluded.store_id, "
                   "received_at = excluded.received_at, body = excluded.body",
                   (body["bridge_id"], store_id, utc_now(), json.dumps(body, ensure_ascii=False)))

    def heartbeats(self, store_id: str | None = None) -> list[dict]:
        """Latest heartbeat per bridge: the body sent plus `store_id` and `received_at`, by bridge id."""
        sql = "SELECT body, store_id, received_at FROM heartbeats"
        where, params = ("", ()) if store_id is None else (" WHERE store_id = ?", (store_id,))
        rows = self.db.read(sql + where + " ORDER BY bridge_id", params)
        return [{**json.loads(body), "store_id": s, "received_at": at} for body, s, at in rows]
