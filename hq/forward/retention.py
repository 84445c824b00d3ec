"""Forget the kiosk sessions nobody joined: forward_sessions rows that only ever had a claim code.

    pruned = prune_sessions(db, older_than_s=30 * 86400, limit=500)   # one short transaction

A session's row waits for the other half of its join (links.py): its claim code, or the profile
of its shopper_identified. A shopper who never identifies leaves a row with a claim code only,
which nothing will complete; one whose events HQ has not heard of for the retention period
(HQ's clock, renewed by each event of the session) is deleted. A row with a profile is never
deleted here: the shopper did identify, so the alias and identify are owed, and only the
session's claim code is still to come.

Every worker's forwarder prunes; a batch is one short DELETE. On PostgreSQL the rows are picked
with FOR UPDATE SKIP LOCKED, so pruners never wait for each other nor for a batch that is
noting the same session; the DELETE checks age and profile again on the row as it is then, so a
session renewed or identified meanwhile stays.
"""

from __future__ import annotations

import time

from hq.db import Database

DAY_S = 86_400.0


def prune_sessions(db: Database, *, older_than_s: float, limit: int, now: float | None = None) -> int:
    """Delete up to limit unjoined claim-code-only sessions last noted over older_than_s ago; return how many."""
    cutoff = (time.time() if now is None else now) - older_than_s
    unjoined = "profile_id IS NULL AND noted_at < ?"
    if db.kind == "postgresql":
        # ARRAY(…) runs the pick once; as `IN (…)` it was planned as a nested-loop semi join that ran the
        # locking pick again per row, each run picking other rows (LIMIT 3 deleted 7: tested)
        sql = (f"DELETE FROM forward_sessions WHERE ctid = ANY(ARRAY(SELECT ctid FROM forward_sessions "
               f"WHERE {unjoined} ORDER BY noted_at LIMIT ? FOR UPDATE SKIP LOCKED)) AND {unjoined} "
               "RETURNING session_id")
    else:
        sql = (f"DELETE FROM forward_sessions WHERE rowid IN (SELECT rowid FROM forward_sessions WHERE {unjoined} "
               f"ORDER BY noted_at LIMIT ?) AND {unjoined} RETURNING session_id")
    with db.write() as tx:
        return len(tx.rows(sql, (cutoff, limit, cutoff)))
