"""uvicorn's h11 protocol with a deadline on each request's headers (a slowloris is cut off).

uvicorn closes idle keep-alive connections but waits for ever on a client that sends its
headers a byte at a time; this protocol answers 408 and closes such a connection after
`header_timeout_s` (a connection that sent nothing is closed without an answer: no request began).

    uvicorn.Config(app, http=with_header_timeout(2.0))
"""

from __future__ import annotations

import asyncio
import json
from typing import TypeVar

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

HEADER_TIMEOUT_S = 10.0


class HeaderDeadlineH11Protocol(H11Protocol):
    """H11Protocol closing a connection whose request headers take longer than header_timeout_s."""

    header_timeout_s: float = HEADER_TIMEOUT_S

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._deadline: asyncio.TimerHandle | None = None
        self._start_clock()

    def data_received(self, data: bytes) -> None:
        if self._deadline is None and self.conn.their_state is h11.IDLE:
            self._start_clock()  # a next request on a kept-alive connection
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:
            self._stop_clock()  # its headers are complete

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_clock()
        super().connection_lost(exc)

    def _start_clock(self) -> None:
        self._deadline = self.loop.call_later(self.header_timeout_s, self._too_slow)

    def _stop_clock(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            if self.conn.trailing_data[0]:  # part of a request arrived: say why it is cut off
                self.transport.write(timeout_answer(self.header_timeout_s))
            self.transport.close()  # sends what was written first


def timeout_answer(seconds: float) -> bytes:
    """A whole 408 response with a JSON error body, as bytes: h11 has no request to answer
    (its headers never completed), so it would refuse to send one."""
    body = json.dumps({"error": f"headers: not received within {seconds:g} s"}).encode()
    head = (f"HTTP/1.1 408 Request Timeout\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n")
    return head.encode("ascii") + body


P = TypeVar("P", bound=HeaderDeadlineH11Protocol)


def with_header_timeout(seconds: float, protocol: type[P] = HeaderDeadlineH11Protocol) -> type[P]:
    """The protocol class (or a subclass of it) with header_timeout_s = seconds."""
    return type(protocol.__name__, (protocol,), {"header_timeout_s": seconds})
