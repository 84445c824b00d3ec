"""The forwarding tables, migrated apart from HQ's own schema (recorded in `forward_schema`).

    migrate(db)   # once per process, before the first enqueue or claim

The queue is filled in the transaction that stores the events, so nothing accepted is missed;
a delivered row is deleted, a poison or oversize one moves to forward_set_aside with its reason.
forward_links keeps each claim code linked to a profile (its alias and identify are queued once),
forward_sessions the kiosk sessions whose claim code or profile is known but not yet both (after a
retention period those that only ever had a claim code are forgotten, and those that only ever had a
profile are joined from HQ's stored facts or forgotten and counted: retention.py).
"""

from __future__ import annotations

from hq.db import Database

SQLITE = [
    """
CREATE TABLE IF NOT EXISTS forward_queue (ord INTEGER PRIMARY KEY, event_id TEXT NOT NULL UNIQUE,
    store_id TEXT NOT NULL, enqueued_at TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
    lease_owner TEXT, lease_until REAL, last_error TEXT);
CREATE TABLE IF NOT EXISTS forward_set_aside (event_id TEXT PRIMARY KEY, store_id TEXT NOT NULL,
    reason TEXT NOT NULL, set_aside_at TEXT NOT NULL, message TEXT);
CREATE TABLE IF NOT EXISTS forward_counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT INTO forward_counters VALUES ('delivered', 0) ON CONFLICT (name) DO NOTHING;
""",
    # 2: links from an anonymous id (a claim code) to a profile, and kiosk sessions awaiting their join
    """
CREATE TABLE IF NOT EXISTS forward_links (previous_id TEXT PRIMARY KEY, user_id TEXT NOT NULL, store_id TEXT,
    at TEXT NOT NULL, source TEXT NOT NULL, message_key TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS forward_sessions (store_id TEXT NOT NULL, device_id TEXT NOT NULL, session_id TEXT NOT NULL,
    claim_code TEXT, profile_id TEXT, identified_at TEXT, PRIMARY KEY (store_id, device_id, session_id));
""",
    # 3: when HQ last heard of each session (epoch seconds, HQ's clock), so sessions nobody joins can be
    # forgotten (retention.py); rows already there count from now. The index holds only the prunable rows.
    """
ALTER TABLE forward_sessions ADD COLUMN noted_at REAL;
UPDATE forward_sessions SET noted_at = (julianday('now') - 2440587.5) * 86400.0;
CREATE INDEX IF NOT EXISTS forward_sessions_unjoined ON forward_sessions (noted_at) WHERE profile_id IS NULL;
""",
    # 4: identified sessions whose claim code never came are settled after the retention too (retention.py):
    # their index, and the counts of those joined from stored facts and of those forgotten
    """
CREATE INDEX IF NOT EXISTS forward_sessions_owed ON forward_sessions (noted_at)
    WHERE profile_id IS NOT NULL AND claim_code IS NULL;
INSERT INTO forward_counters VALUES ('sessions_recovered', 0) ON CONFLICT (name) DO NOTHING;
INSERT INTO forward_counters VALUES ('sessions_forgotten', 0) ON CONFLICT (name) DO NOTHING;
""",
]

POSTGRES = [
    """
CREATE TABLE forward_queue (ord BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, event_id TEXT NOT NULL UNIQUE,
    store_id TEXT NOT NULL, enqueued_at TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
    lease_owner TEXT, lease_until DOUBLE PRECISION, last_error TEXT);
CREATE TABLE forward_set_aside (event_id TEXT PRIMARY KEY, store_id TEXT NOT NULL,
    reason TEXT NOT NULL, set_aside_at TEXT NOT NULL, message TEXT);
CREATE TABLE forward_counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL);
INSERT INTO forward_counters VALUES ('delivered', 0);
""",
    """
CREATE TABLE forward_links (previous_id TEXT PRIMARY KEY, user_id TEXT NOT NULL, store_id TEXT,
    at TEXT NOT NULL, source TEXT NOT NULL, message_key TEXT NOT NULL UNIQUE);
CREATE TABLE forward_sessions (store_id TEXT NOT NULL, device_id TEXT NOT NULL, session_id TEXT NOT NULL,
    claim_code TEXT, profile_id TEXT, identified_at TEXT, PRIMARY KEY (store_id, device_id, session_id));
""",
    """
ALTER TABLE forward_sessions ADD COLUMN noted_at DOUBLE PRECISION;
UPDATE forward_sessions SET noted_at = extract(epoch FROM clock_timestamp());
CREATE INDEX forward_sessions_unjoined ON forward_sessions (noted_at) WHERE profile_id IS NULL;
""",
    """
CREATE INDEX forward_sessions_owed ON forward_sessions (noted_at) WHERE profile_id IS NOT NULL AND claim_code IS NULL;
INSERT INTO forward_counters VALUES ('sessions_recovered', 0), ('sessions_forgotten', 0);
""",
]


def migrate(db: Database) -> None:
    """Apply the forwarding migrations not yet recorded in forward_schema (one migrator at a time)."""
    scripts = POSTGRES if db.kind == "postgresql" else SQLITE
    with db.write() as tx:
        tx.lock("forward_schema")  # PostgreSQL: an advisory lock; SQLite: BEGIN IMMEDIATE already serialises
        tx.run("CREATE TABLE IF NOT EXISTS forward_schema (version INTEGER NOT NULL)")
        current = tx.rows("SELECT max(version) FROM forward_schema")[0][0] or 0
        for number, script in enumerate(scripts[current:], current + 1):
            for statement in filter(str.strip, script.split(";")):
                tx.run(statement)
            tx.run("INSERT INTO forward_schema VALUES (?)", (number,))
