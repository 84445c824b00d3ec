"""The pull half of a sync pass: catalog, stock and signing keys from HQ, page by page."""

from __future__ import annotations

import logging

from bridge.errors import HQError
from bridge.sync.context import SyncContext, iso
from bridge.sync.hq_client import Answer
from bridge.sync.images import cache_images

log = logging.getLogger("bridge.sync")


def pull_once(ctx: SyncContext) -> tuple[int, int, str | None]:
    """Pull catalog (with images), stock and keys; (products, levels, error or None)."""
    try:
        products = _pull_pages(ctx, "catalog", ctx.client.get_catalog, _apply_catalog)
        levels = _pull_pages(ctx, "stock", ctx.client.get_stock, _apply_stock)
        _pull_keys(ctx)
        cache_images(ctx, ctx.state.wanted_images())
    except HQError as exc:
        log.warning("pull failed: %s", exc)
        ctx.state.set_status(last_error=str(exc), hq_reachable=False)
        return 0, 0, str(exc)
    ctx.state.set_status(last_pull_at=iso(ctx), hq_reachable=True)
    return products, levels, None


def _get_json(ctx: SyncContext, answer: Answer, what: str) -> dict:
    if answer.status in (401, 403):
        ctx.state.set_status(auth_failed=True, last_error=f"{what}: {answer.reason()}")
        log.error("HQ refused the store token on %s: %s", what, answer.reason())
    if answer.status != 200:
        raise HQError(f"{what}: {answer.reason()}")
    try:
        data = answer.json()
    except ValueError as exc:
        raise HQError(f"{what}: HQ answered 200 with invalid JSON") from exc
    if not isinstance(data, dict):
        raise HQError(f"{what}: HQ answered 200 with a JSON {type(data).__name__}, not an object")
    return data


def _pull_pages(ctx: SyncContext, name: str, fetch, apply) -> int:
    """Follow next_cursor pages until has_more is false; the cursor is saved per page."""
    count = 0
    cursor = ctx.state.cursor(name)
    while True:
        data = _get_json(ctx, fetch(cursor, ctx.page_size), f"GET /v1/{name}")
        count += apply(ctx, data)
        next_cursor = data.get("next_cursor")
        if next_cursor:
            ctx.state.set_cursor(name, str(next_cursor))
        if not data.get("has_more") or not next_cursor or next_cursor == cursor:
            return count
        cursor = str(next_cursor)


def _apply_catalog(ctx: SyncContext, data: dict) -> int:
    products = data.get("products") or []
    if products:
        ctx.catalog.upsert_products(products)
    if data.get("deleted"):
        ctx.catalog.delete_products(list(data["deleted"]))
    cache_images(ctx, [url for p in products for url in p.get("images") or []])
    return len(products)


def _apply_stock(ctx: SyncContext, data: dict) -> int:
    levels = data.get("levels") or []
    if levels:
        ctx.catalog.upsert_stock(levels)
    return len(levels)


def _pull_keys(ctx: SyncContext) -> None:
    data = _get_json(ctx, ctx.client.get_keys(), "GET /v1/keys")
    if not isinstance(data.get("keys"), list):
        raise HQError("GET /v1/keys: no \"keys\" list in the JWKS")
    ctx.state.set_jwks(data)
