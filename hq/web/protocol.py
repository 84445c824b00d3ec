"""uvicorn's h11 protocol with a deadline on request headers, so a slow client (slowloris) is cut off.

uvicorn times out idle keep-alive connections, but not a client that opens a connection and
then sends its headers a byte at a time; this one answers 408 and closes it after
HEADER_TIMEOUT_S (a connection that sent nothing is closed without an answer: no request
began). It also puts the connection's transport into the ASGI scope, for the reset fault
of the tests.
"""

from __future__ import annotations

import asyncio
import json

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from hq.web.middleware import TRANSPORT_KEY

HEADER_TIMEOUT_S = 10.0


class GuardedH11Protocol(H11Protocol):
    """H11Protocol that closes a connection whose request headers take longer than header_timeout_s."""

    header_timeout_s: float = HEADER_TIMEOUT_S

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._header_timer: asyncio.TimerHandle | None = None
        self._arm()
        inner = self.app

        async def with_transport(scope, receive, send):
            scope.setdefault("extensions", {})[TRANSPORT_KEY] = transport
            await inner(scope, receive, send)

        self.app = with_transport

    def data_received(self, data: bytes) -> None:
        if self._header_timer is None and self.conn.their_state is h11.IDLE:
            self._arm()  # the first bytes of a next request on a kept-alive connection
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:
            self._disarm()  # headers complete

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._header_timer = self.loop.call_later(self.header_timeout_s, self._cut)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _cut(self) -> None:
        self._header_timer = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            if self.conn.trailing_data[0]:  # part of a request arrived: say why it is cut off
                self.transport.write(_timeout_answer(self.header_timeout_s))
            self.transport.close()  # sends what was written first


def _timeout_answer(seconds: float) -> bytes:
    """A whole 408 response with the contract's error body, written as bytes: h11 has no
    request to answer (its headers never completed), so it would refuse to send one."""
    body = json.dumps({"error": f"headers: not received within {seconds:g} s"}).encode()
    head = (f"HTTP/1.1 408 Request Timeout\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n")
    return head.encode("ascii") + body


def with_header_timeout(seconds: float) -> type[GuardedH11Protocol]:
    """A GuardedH11Protocol class with another header deadline (tests use a short one)."""
    return type("GuardedH11Protocol", (GuardedH11Protocol,), {"header_timeout_s": seconds})
