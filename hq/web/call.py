"""Turn a plain function of one request into a Starlette endpoint that runs it in a worker thread.

Handlers are synchronous (the database calls block), short, and get only what they use:

    def get_keys(call: Call) -> Response:
        return json_response(200, call.state.jwks())

    Route("/v1/keys", endpoint(get_keys))
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, QueryParams
from starlette.requests import Request
from starlette.responses import Response

from hq.state import HQApp
from hq.web.body import parse_json, read_body
from webguard.refusal import error_response, json_response

__all__ = ["Call", "Handler", "endpoint", "error_response", "json_response"]


@dataclass(frozen=True)
class Call:
    """One request as a handler sees it: the shared state, the caller's store and the request's parts."""

    state: HQApp
    store_id: str | None
    params: Mapping[str, str]
    query: QueryParams
    headers: Headers
    body: bytes

    def json(self) -> object:
        """The body as JSON (415/400 as HTTPFailure)."""
        return parse_json(self.headers, self.body)


Handler = Callable[[Call], Response]


def endpoint(handler: Handler, *, reads_body: bool = False) -> Callable[[Request], Awaitable[Response]]:
    """A Starlette endpoint that reads the body (when asked), then runs handler in the thread pool."""

    async def run(request: Request) -> Response:
        state: HQApp = request.app.state.hq
        body = await read_body(request, state.body_timeout_s) if reads_body else b""
        call = Call(state=state, store_id=getattr(request.state, "store_id", None),
                    params=request.path_params, query=request.query_params, headers=request.headers, body=body)
        return await run_in_threadpool(handler, call)

    run.__name__ = handler.__name__
    return run

