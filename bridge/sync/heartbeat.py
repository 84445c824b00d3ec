"""Housekeeping beside sync: the heartbeat HQ monitors, and purging old acknowledged events."""

from __future__ import annotations

import logging

from bridge.errors import HQError
from bridge.store.devices import list_devices
from bridge.sync.context import SyncContext

log = logging.getLogger("bridge.sync")


def heartbeat_once(ctx: SyncContext, version: str = "0.1.0") -> bool:
    """POST /v1/heartbeats with the contract's fields; True when HQ answered 2xx."""
    stats = ctx.outbox.stats()
    data = {
        "store_id": ctx.settings.store.id,
        "bridge_id": ctx.settings.bridge.id,
        "version": version,
        "pending": stats.pending + stats.in_flight,
        "oldest_pending_age_s": stats.oldest_pending_age_s,
        "dead_letters": stats.dead,
        "last_push_at": ctx.state.status().get("last_push_at"),
    }
    stranded = ctx.quarantines.unrecovered() if ctx.quarantines is not None else []
    if stranded:  # optional field, agreed with HQ: events stranded in a moved-aside database
        data["quarantined"] = [r.heartbeat() for r in stranded]
    served = list_devices(ctx.outbox.db)
    if served:  # a store bridge reports the devices it serves (optional contract field)
        data["devices"] = [d.heartbeat_entry() for d in served]
    try:
        answer = ctx.client.post_heartbeat(data)
    except HQError as exc:
        log.warning("heartbeat failed: %s", exc)
        return False
    if not 200 <= answer.status < 300:
        log.warning("heartbeat refused: %s", answer.reason())
        return False
    return True


def purge_once(ctx: SyncContext) -> int:
    """Delete acked events older than retention_days."""
    removed = ctx.outbox.purge_acked(ctx.settings.bridge.retention_days * 86400.0)
    if removed:
        log.info("retention: purged %d acked events", removed)
    return removed
