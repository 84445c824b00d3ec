"""Helpers every endpoint shares: its services, and running blocking work off the event loop."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from bridge.errors import HQError, StorageError
from bridge.serve.errors import Refused
from bridge.serve.services import Services


def services_of(request: Request) -> Services:
    return request.app.state.services


async def in_thread(func: Callable[..., Any], *args: Any) -> Any:
    """func(*args) in the thread pool (SQLite and HQ calls block); storage failures become 503."""
    try:
        return await run_in_threadpool(func, *args)
    except StorageError as exc:
        raise Refused(503, f"storage failed, nothing was stored: {exc}", {"Retry-After": "5"}) from None
    except HQError as exc:
        raise Refused(503, f"HQ unreachable from the store bridge: {exc}", {"Retry-After": "5"}) from None
