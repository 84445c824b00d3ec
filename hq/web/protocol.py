"""HQ's h11 protocol: webguard's header deadline (a slowloris is cut off), plus the connection's
transport in the ASGI scope, for the reset fault of the tests."""

from __future__ import annotations

import asyncio

from hq.web.middleware import TRANSPORT_KEY
from webguard.protocol import HEADER_TIMEOUT_S, HeaderDeadlineH11Protocol
from webguard.protocol import with_header_timeout as _with_header_timeout

__all__ = ["HEADER_TIMEOUT_S", "GuardedH11Protocol", "with_header_timeout"]


class GuardedH11Protocol(HeaderDeadlineH11Protocol):
    """HeaderDeadlineH11Protocol that puts its transport in each request's scope (under TRANSPORT_KEY)."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        inner = self.app

        async def with_transport(scope, receive, send):
            scope.setdefault("extensions", {})[TRANSPORT_KEY] = transport
            await inner(scope, receive, send)

        self.app = with_transport


def with_header_timeout(seconds: float) -> type[GuardedH11Protocol]:
    """A GuardedH11Protocol class with another header deadline (tests use a short one)."""
    return _with_header_timeout(seconds, GuardedH11Protocol)
