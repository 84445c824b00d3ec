"""Derive the attribution facts of events stored before migration 3 (or again: it is idempotent).

    vitrine-hq backfill-attribution --database postgresql://hq@db/hq

Reads every kept batch in the order received and stores the facts of its valid events, as
ingest does now: the first sending of a receipt is the one kept, and facts already there
stay as they are.
"""

from __future__ import annotations

import json

from hq.attribution.facts import store_facts
from hq.db import Database
from hq.validation import check_event

BATCHES_PER_TRANSACTION = 100


def backfill_attribution(db: Database) -> int:
    """Store the facts of every stored batch's valid events; return how many events were read."""
    last, read = 0, 0
    while True:
        batches = db.read("SELECT id, store_id, body FROM batches WHERE id > ? ORDER BY id LIMIT ?",
                          (last, BATCHES_PER_TRANSACTION))
        if not batches:
            return read
        with db.write() as tx:
            for _, store_id, body in batches:
                events = json.loads(body).get("events", [])
                # a rejected event was never stored: only valid ones have facts
                valid = [ev for ev in events if isinstance(ev, dict) and check_event(ev) is None]
                store_facts(tx, store_id, valid)
                read += len(valid)
        last = batches[-1][0]
