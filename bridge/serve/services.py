"""What the server's handlers use of the bridge, passed as narrow collaborators."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bridge.config import Settings

# A relayed POST /v1/events body may be this large once decompressed: the contract's 1 MiB
# of events plus the envelope and a margin.
API_BODY_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class Services:
    """The stores and callables the endpoints need; built once per server by BridgeServer."""

    settings: Settings
    db: Any  # the bridge database (change feed, device registry)
    outbox: Any  # bridge.store.outbox.Outbox
    catalog: Any  # bridge.store.catalog.Catalog
    state: Any  # bridge.store.sync_state.SyncState (JWKS, image cache)
    receipts: Any  # what bridge.intake.receipts.recording takes: the bridge
    status: Callable[[], dict]  # the bridge's status, for a token holder's health check
    fetch_profile: Callable[[str], dict | None]  # HQ's profile, HQError when unreachable

    @property
    def location(self) -> str:
        return f"store:{self.settings.store.id}"

    @property
    def request_timeout_s(self) -> float:
        return self.settings.serve.request_timeout_s
