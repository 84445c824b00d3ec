"""Helpers the endpoints share: their services, blocking work off the event loop, who may send for a device."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from bridge.errors import HQError, StorageError
from bridge.intake.receipts.normalise import receipt_device
from bridge.serve.auth import SHARED_INTAKE, TILL_PREFIX
from bridge.serve.errors import Refused
from bridge.serve.services import Services
from bridge.store import devices
from webguard.storable import storable_text


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


def check_senders(db: Any, client: str, events: list) -> None:
    """Refuse the batch (403, nothing stored) when an event's device id belongs to another client.

    A device id belongs to the device paired under that name, else to the first client that
    sent for it; events whose device_id is not a storable string are left to the per-event
    checks (which reject them alone).
    """
    ids = {i: e["device_id"] for i, e in enumerate(events)
           if isinstance(e, dict) and isinstance(e.get("device_id"), str)
           and storable_text(e["device_id"])}
    refuse_others(db, client, ids, lambda i: f"events[{i}].device_id")


def check_receipt_senders(db: Any, client: str, docs: list, key: str = "receipts") -> None:
    """check_senders for receipt documents: the id each records as its device_id (device_id, else register_id)."""
    ids, fields = {}, {}
    for i, doc in enumerate(docs):
        named = receipt_device(doc)
        if named is not None and storable_text(named[1]):
            fields[i], ids[i] = named
    refuse_others(db, client, ids, lambda i: f"{key}[{i}].{fields[i]}")


def refuse_others(db: Any, client: str, ids: dict[int, str], field_of: Callable[[int], str]) -> None:
    """Bind the unowned ids ({index: device id}) to client; 403 naming field_of(index) for one another owns."""
    # A till with its own token takes over the ids the shared token sent for: each till moves off
    # the shared token keeping its registers (the shared token was already able to write as them).
    adopt = SHARED_INTAKE if client.startswith(TILL_PREFIX) else None
    taken = devices.claim_senders(db, client, ids.values(), adopt_from=adopt)
    if not taken:
        return
    for i, device_id in ids.items():
        if device_id in taken:
            raise Refused(403, f"{field_of(i)}: {device_id!r} belongs to another device's "
                               f"token ({taken[device_id]!r}), not to {client!r}; nothing was stored"[:300])
