"""What every sync step shares: settings, stores, the HQ client, and the sender's state."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from bridge.config import Settings
from bridge.store.catalog import Catalog
from bridge.store.outbox import Outbox
from bridge.store.sync_state import SyncState
from bridge.sync.backoff import Backoff, Clock
from bridge.sync.hq_client import HQClient

STATUS_FLUSH_S = 1.0  # how often a long push pass records its progress for `status`


@dataclass
class SyncContext:
    """Everything a sync pass needs, plus the sender's in-memory state (limits, auth)."""

    settings: Settings
    outbox: Outbox
    catalog: Catalog
    state: SyncState
    client: HQClient
    clock: Clock
    backoff: Backoff
    quarantines: Any = None  # bridge.store.quarantine.Quarantines: reported in the heartbeat
    batch_size: int = 0
    max_bytes: int = 0
    page_size: int = 500
    failed_token: str | None = None
    auth_retry_at: float = 0.0
    limits_cut_at: float | None = None
    status: dict[str, Any] = field(default_factory=dict)
    status_flushed_at: float = float("-inf")

    def __post_init__(self) -> None:
        self.batch_size = self.batch_size or self.settings.hq.batch_size
        self.max_bytes = self.max_bytes or self.settings.hq.max_batch_bytes


def iso(ctx: SyncContext, delta_s: float = 0.0) -> str:
    """The context clock's time, delta_s from now, as ISO 8601."""
    return (ctx.clock.now() + timedelta(seconds=delta_s)).isoformat(timespec="milliseconds")


def flush_status(ctx: SyncContext, force: bool = False) -> None:
    """Write the in-memory status to the database, at most once a second during a pass."""
    now = ctx.clock.monotonic()
    if not ctx.status or (not force and now - ctx.status_flushed_at < STATUS_FLUSH_S):
        return
    ctx.state.set_status(**ctx.status)
    ctx.status.clear()
    ctx.status_flushed_at = now
