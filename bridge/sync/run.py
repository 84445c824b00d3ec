"""One sync pass with HQ: push the outbox in batches, then pull catalog, stock and keys.

`sync_once` is a plain function with no threads and no sleeping; whether and when to try
again is decided by `ctx.backoff` (bridge.sync.backoff) and acted on by the scheduler.

    report = sync_once(bridge)          # or a SyncContext
    report.acked, report.pending, report.error
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bridge.sync.context import SyncContext, flush_status
from bridge.sync.heartbeat import heartbeat_once, purge_once
from bridge.sync.pull import pull_once
from bridge.sync.push import Tally, push_blocker, push_pass

__all__ = ["SyncContext", "SyncReport", "sync_once", "pull_once", "heartbeat_once", "purge_once"]


@dataclass(frozen=True)
class SyncReport:
    """What one pass did; `drained` when nothing is left to send and nothing failed."""

    acked: int = 0
    duplicates: int = 0
    dead: int = 0
    requests: int = 0
    pending: int = 0
    in_flight: int = 0
    products: int = 0
    stock_levels: int = 0
    error: str | None = None
    auth_failed: bool = False
    retry_in_s: float | None = None
    pull_error: str | None = None

    @property
    def drained(self) -> bool:
        return self.pending == 0 and self.in_flight == 0 and self.error is None


def sync_once(bridge_or_ctx: Any, *, push: bool = True, pull: bool = False) -> SyncReport:
    """One push pass (until the outbox is empty or HQ fails) and optionally one pull."""
    ctx: SyncContext = getattr(bridge_or_ctx, "sync_ctx", bridge_or_ctx)
    tally = Tally()
    skipped = None
    if push:
        skipped = push_blocker(ctx)
        if skipped is None:
            push_pass(ctx, tally)
        flush_status(ctx, force=True)
    pull_error, products, levels = None, 0, 0
    if pull:
        products, levels, pull_error = pull_once(ctx)
    stats = ctx.outbox.stats()
    return SyncReport(
        acked=tally.acked, duplicates=tally.duplicates, dead=tally.dead,
        requests=tally.requests, pending=stats.pending, in_flight=stats.in_flight,
        products=products, stock_levels=levels,
        error=tally.error or skipped, auth_failed=ctx.failed_token is not None,
        retry_in_s=ctx.backoff.wait_s() or None, pull_error=pull_error)
