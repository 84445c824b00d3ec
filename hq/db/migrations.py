"""The HQ schema, as numbered migrations; a database records the last one applied.

A migration is one step written once when both dialects take the same SQL, or once per dialect where
they differ (SQLite's WITHOUT ROWID and INTEGER PRIMARY KEY, PostgreSQL's identity columns). Add one
by appending to MIGRATIONS; never edit a released one.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Migration:
    """One numbered step of the schema, as each dialect runs it.

        Migration.same("CREATE INDEX events_store ON events (store_id);")
    """

    sqlite: str
    postgres: str

    @classmethod
    def same(cls, sql: str) -> Migration:
        """A step both dialects run as written."""
        return cls(sqlite=sql, postgres=sql)


# 1: the reference server's first schema (SQLite: IF NOT EXISTS, so files made before versioning adopt it;
# PostgreSQL: identity columns where SQLite has its rowid, and saves.ord for the order of saves)
_FIRST_SQLITE = """
CREATE TABLE IF NOT EXISTS stores (store_id TEXT PRIMARY KEY, token TEXT UNIQUE);
CREATE TABLE IF NOT EXISTS batches (id INTEGER PRIMARY KEY, store_id TEXT NOT NULL, bridge_id TEXT NOT NULL,
    received_at TEXT NOT NULL, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (id TEXT PRIMARY KEY, store_id TEXT NOT NULL, type TEXT NOT NULL,
    device_id TEXT NOT NULL, seq INTEGER NOT NULL, profile_id TEXT, claim_code TEXT,
    batch_id INTEGER NOT NULL, idx INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS events_claim ON events (claim_code) WHERE claim_code IS NOT NULL;
CREATE TABLE IF NOT EXISTS device_seqs (store_id TEXT NOT NULL, device_id TEXT NOT NULL, count INTEGER NOT NULL,
    max_seq INTEGER NOT NULL, gaps TEXT NOT NULL, PRIMARY KEY (store_id, device_id));
CREATE TABLE IF NOT EXISTS saves (event_id TEXT PRIMARY KEY, type TEXT NOT NULL, profile_id TEXT,
    claim_code TEXT, product_id TEXT NOT NULL, sku TEXT, occurred_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS claims (claim_code TEXT PRIMARY KEY, profile_id TEXT NOT NULL, claimed_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS profiles (id TEXT PRIMARY KEY, first_name TEXT NOT NULL, language TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS heartbeats (bridge_id TEXT PRIMARY KEY, store_id TEXT NOT NULL,
    received_at TEXT NOT NULL, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS products (id TEXT PRIMARY KEY, version INTEGER NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0, body TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS products_version ON products (version);
CREATE TABLE IF NOT EXISTS stock (sku TEXT NOT NULL, location TEXT NOT NULL, on_hand INTEGER NOT NULL,
    updated_at TEXT NOT NULL, version INTEGER NOT NULL, PRIMARY KEY (sku, location));
CREATE INDEX IF NOT EXISTS stock_version ON stock (version);
"""
_FIRST_POSTGRES = """
CREATE TABLE stores (store_id TEXT PRIMARY KEY, token TEXT UNIQUE);
CREATE TABLE batches (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, store_id TEXT NOT NULL,
    bridge_id TEXT NOT NULL, received_at TEXT NOT NULL, body TEXT NOT NULL);
CREATE TABLE events (id TEXT PRIMARY KEY, store_id TEXT NOT NULL, type TEXT NOT NULL, device_id TEXT NOT NULL,
    seq BIGINT NOT NULL, profile_id TEXT, claim_code TEXT, batch_id BIGINT NOT NULL, idx INTEGER NOT NULL);
CREATE INDEX events_claim ON events (claim_code) WHERE claim_code IS NOT NULL;
CREATE TABLE device_seqs (store_id TEXT NOT NULL, device_id TEXT NOT NULL, count BIGINT NOT NULL,
    max_seq BIGINT NOT NULL, gaps TEXT NOT NULL, PRIMARY KEY (store_id, device_id));
CREATE TABLE saves (ord BIGINT GENERATED ALWAYS AS IDENTITY, event_id TEXT PRIMARY KEY, type TEXT NOT NULL,
    profile_id TEXT, claim_code TEXT, product_id TEXT NOT NULL, sku TEXT, occurred_at TEXT NOT NULL);
CREATE TABLE claims (claim_code TEXT PRIMARY KEY, profile_id TEXT NOT NULL, claimed_at TEXT NOT NULL);
CREATE TABLE profiles (id TEXT PRIMARY KEY, first_name TEXT NOT NULL, language TEXT NOT NULL);
CREATE TABLE heartbeats (bridge_id TEXT PRIMARY KEY, store_id TEXT NOT NULL, received_at TEXT NOT NULL,
    body TEXT NOT NULL);
CREATE TABLE products (id TEXT PRIMARY KEY, version BIGINT NOT NULL, deleted INTEGER NOT NULL DEFAULT 0,
    body TEXT NOT NULL);
CREATE INDEX products_version ON products (version);
CREATE TABLE stock (sku TEXT NOT NULL, location TEXT NOT NULL, on_hand INTEGER NOT NULL,
    updated_at TEXT NOT NULL, version BIGINT NOT NULL, PRIMARY KEY (sku, location));
CREATE INDEX stock_version ON stock (version);
"""
# 3: attribution (issue 14): receipts once per (store, receipt_id), their lines, the kiosk events it
# reads, and online orders carrying a hand-off; `at` is UTC (fixed width, so text order is time
# order), `day` the local date the event was sent with
_ATTRIBUTION = """
CREATE TABLE receipts (store_id TEXT NOT NULL, receipt_id TEXT NOT NULL, event_id TEXT NOT NULL,
    at TEXT NOT NULL, day TEXT NOT NULL, profile_id TEXT, claim_code TEXT, handoff_id TEXT,
    total_micros BIGINT NOT NULL, currency TEXT NOT NULL, PRIMARY KEY (store_id, receipt_id));
CREATE INDEX receipts_day ON receipts (store_id, day);
CREATE INDEX receipts_handoff ON receipts (handoff_id) WHERE handoff_id IS NOT NULL;
CREATE TABLE receipt_lines (store_id TEXT NOT NULL, receipt_id TEXT NOT NULL, line INTEGER NOT NULL,
    sku TEXT NOT NULL, total_micros BIGINT NOT NULL, PRIMARY KEY (store_id, receipt_id, line));
CREATE TABLE kiosk_facts (event_id TEXT PRIMARY KEY, store_id TEXT NOT NULL, type TEXT NOT NULL,
    device_id TEXT NOT NULL, at TEXT NOT NULL, day TEXT NOT NULL, profile_id TEXT, claim_code TEXT,
    session_id TEXT, holdout INTEGER CHECK (holdout IN (0, 1)), product_id TEXT, sku TEXT, handoff_id TEXT);
CREATE INDEX kiosk_facts_day ON kiosk_facts (store_id, day);
CREATE INDEX kiosk_facts_handoff ON kiosk_facts (handoff_id) WHERE handoff_id IS NOT NULL;
CREATE INDEX kiosk_facts_claim ON kiosk_facts (claim_code) WHERE claim_code IS NOT NULL;
CREATE TABLE orders (order_id TEXT PRIMARY KEY, handoff_id TEXT NOT NULL, at TEXT NOT NULL, day TEXT NOT NULL,
    total_micros BIGINT NOT NULL, currency TEXT NOT NULL, profile_id TEXT, received_at TEXT NOT NULL);
CREATE INDEX orders_handoff ON orders (handoff_id);
"""

MIGRATIONS = [
    Migration(sqlite=_FIRST_SQLITE, postgres=_FIRST_POSTGRES),
    # 2: events by store, for per-store counts on the dashboard and stats.json
    Migration(sqlite="CREATE INDEX IF NOT EXISTS events_store ON events (store_id);",
              postgres="CREATE INDEX events_store ON events (store_id);"),
    Migration.same(_ATTRIBUTION),
    # 4: kiosk facts by session, so a kiosk session's claim code can be found from its shopper_identified
    # (hq/forward/retention.py); only session events carry a session id: a few entries per visit
    Migration.same("CREATE INDEX kiosk_facts_session ON kiosk_facts (session_id) WHERE session_id IS NOT NULL;"),
]
SQLITE = [m.sqlite for m in MIGRATIONS]
POSTGRES = [m.postgres for m in MIGRATIONS]
