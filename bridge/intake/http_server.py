"""The LAN intake server: now served by bridge.serve (uvicorn + Starlette), kept under this name.

The paths are unchanged: `POST /v1/intake/events`, `POST /v1/intake/receipts` with
`Authorization: Bearer <the till's token>` (its own from [intake.tokens] or tokens_file, or
the shared [intake] token), and `GET /v1/intake/health` (which says only "ok" without a token).

    server = IntakeServer(bridge); server.start(); server.port  # the bound port
"""

from __future__ import annotations

from typing import Any

from bridge.serve.intake import record_events
from bridge.serve.server import BridgeServer

__all__ = ["IntakeServer", "record_events", "REQUEST_TIMEOUT_S"]

# Deadline for a request's headers, and again for its body: a client that stalls mid-request
# (a body shorter than its Content-Length, a slow drip) is cut off.
REQUEST_TIMEOUT_S = 30.0


class IntakeServer(BridgeServer):
    """BridgeServer with REQUEST_TIMEOUT_S as its request deadline (read when built)."""

    def __init__(self, bridge: Any, host: str | None = None, port: int | None = None) -> None:
        super().__init__(bridge, host, port, request_timeout_s=REQUEST_TIMEOUT_S)
