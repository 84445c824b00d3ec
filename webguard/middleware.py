"""Errors as {"error": ...} JSON: raised before the response started (ASGI middleware), or Starlette's 404/405."""

from __future__ import annotations

import logging
from collections.abc import Callable

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from webguard.refusal import Refusal, error_response

Answer = Callable[[Exception], Response]


class Errors:
    """Answer an exception with `answer(exc)` unless the response has started (then re-raise it).

        Middleware(Errors, answer=lambda exc: standard_answer(exc, log, "the bridge's log"))
    """

    def __init__(self, app: ASGIApp, answer: Answer) -> None:
        self.app = app
        self.answer = answer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            if started:
                raise
            await self.answer(exc)(scope, receive, send)


def standard_answer(exc: Exception, log: logging.Logger, log_name: str) -> Response:
    """A Refusal with its status, too deep a recursion with 400, anything else with 500 (logged)."""
    if isinstance(exc, Refusal):
        return error_response(exc.status, exc.message, exc.headers)
    if isinstance(exc, RecursionError):
        return error_response(400, "body: nested too deeply")
    log.exception("internal error")
    return error_response(500, f"internal error (see {log_name})")


async def routing_error(request: Request, exc: Exception) -> Response:
    """Starlette's own 404/405 in the {"error": ...} shape (an app's exception handler for HTTPException)."""
    assert isinstance(exc, HTTPException)
    what = "no such endpoint" if exc.status_code == 404 else "method not allowed"
    return error_response(exc.status_code, f"{what}: {request.method} {request.url.path}", exc.headers)
