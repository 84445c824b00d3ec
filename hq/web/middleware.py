"""ASGI middleware: injected faults, the bearer token (checked before any body is read), and how errors are
answered as JSON (by webguard.middleware.Errors with answer_error)."""

from __future__ import annotations

import logging
import socket
import struct
from collections.abc import Callable

import anyio
from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hq.bearer import store_for_token
from hq.errors import DatabaseUnavailable, HTTPFailure
from hq.faults import Faults
from hq.web.call import error_response
from webguard.middleware import standard_answer

log = logging.getLogger("vitrine.hq")
RETRY_AFTER_S = 5  # what a client is told to wait when the database is unreachable
TRANSPORT_KEY = "vitrine.transport"  # the connection's asyncio transport, put in scope by hq.web.protocol


def answer_error(exc: Exception) -> Response:
    """An unreachable database as 503 with Retry-After; the rest as webguard answers them."""
    if isinstance(exc, DatabaseUnavailable):
        log.warning("database unavailable: %s", exc)
        return error_response(503, f"database unavailable, nothing was stored: {exc}",
                              {"Retry-After": str(RETRY_AFTER_S)})
    return standard_answer(exc, log, "the server's log")


class InjectedFaults:
    """Apply the next queued fault whose path prefix matches (tests and demos only)."""

    def __init__(self, app: ASGIApp, faults: Faults) -> None:
        self.app = app
        self.faults = faults

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        fault = self.faults.take(scope["path"]) if scope["type"] == "http" else None
        if fault is None:
            return await self.app(scope, receive, send)
        if fault.delay_s:
            # the body is taken first, as a slow server would have: the request completes
            # server-side even when the client gives up waiting for the answer
            receive = await _buffered(receive)
            await anyio.sleep(fault.delay_s)
        if fault.reset:
            return _reset(scope)
        if fault.status is None and fault.body is None:
            return await self.app(scope, receive, send)
        headers = {} if fault.retry_after is None else {"Retry-After": f"{fault.retry_after:g}"}
        status = fault.status or 200
        if fault.body is not None:
            answer = Response(fault.body, status, headers, media_type="application/json")
        else:
            answer = error_response(status, f"injected fault: {status}", headers)
        await answer(scope, receive, send)


async def _buffered(receive: Receive) -> Receive:
    """Read the whole request now; return a receive that replays it."""
    messages = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request" or not message.get("more_body", False):
            break

    async def replay() -> Message:
        return messages.pop(0) if messages else await receive()

    return replay


def _reset(scope: Scope) -> None:
    """Abort the connection with a TCP RST (SO_LINGER 0) instead of an orderly close."""
    transport = scope.get("extensions", {}).get(TRANSPORT_KEY)
    if transport is None:
        raise HTTPFailure(500, "reset fault: the connection is not reachable from here")
    sock = transport.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()


class BearerToken:
    """Find the caller's store from its bearer token before the endpoint runs (and before any body is read)."""

    def __init__(self, app: ASGIApp, tokens: Callable[[], list[tuple[bytes, str]]], *,
                 prefix: str = "/v1/", open_paths: frozenset[str] = frozenset({"/v1/openapi.json"})) -> None:
        self.app = app
        self.tokens = tokens
        self.prefix = prefix
        self.open_paths = open_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith(self.prefix) or path in self.open_paths:
            return await self.app(scope, receive, send)
        scheme, _, token = Headers(scope=scope).get("authorization", "").partition(" ")
        challenge = {"WWW-Authenticate": 'Bearer realm="vitrine-hq"'}
        if scheme.lower() != "bearer" or not token.strip():
            raise HTTPFailure(401, "Authorization: a bearer token is required", challenge)
        store_id = store_for_token(self.tokens(), token.strip())
        if store_id is None:
            raise HTTPFailure(401, "Authorization: unknown or revoked token", challenge)
        scope.setdefault("state", {})["store_id"] = store_id
        await self.app(scope, receive, send)

