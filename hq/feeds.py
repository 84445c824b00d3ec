"""The paged catalog and stock feeds, with opaque cursors.

A cursor is base64url of "<feed>:<version>", so a stock cursor given to the catalog
feed is refused rather than silently misread.
"""

from __future__ import annotations

import base64
import binascii
import json

from hq.errors import HTTPFailure
from hq.store import HQStore

DEFAULT_LIMIT = 500
MAX_LIMIT = 5000


def encode_cursor(feed: str, version: int) -> str:
    return base64.urlsafe_b64encode(f"{feed}:{version}".encode()).decode().rstrip("=")


def decode_cursor(feed: str, cursor: str) -> int:
    """The version inside a cursor of this feed, or HTTPFailure(400) naming `since`."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        name, _, number = text.partition(":")
        version = int(number)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise HTTPFailure(400, f"since: not a cursor of this server: {cursor!r}") from None
    if name != feed or version < 0:
        raise HTTPFailure(400, f"since: not a {feed} cursor: {cursor!r}")
    return version


def parse_limit(value: str | None) -> int:
    if value is None or value == "":
        return DEFAULT_LIMIT
    try:
        limit = int(value)
    except ValueError:
        raise HTTPFailure(400, f"limit: must be an integer, got {value!r}") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise HTTPFailure(400, f"limit: must be between 1 and {MAX_LIMIT}")
    return limit


def catalog_page(store: HQStore, since: str | None, limit: str | None) -> dict:
    """GET /v1/catalog: products changed after `since` (all live ones without it)."""
    n = parse_limit(limit)
    after = decode_cursor("catalog", since) if since else None
    top = store.catalog_version()
    rows = store.products_after(after, n + 1)
    has_more = len(rows) > n
    rows = rows[:n]
    products = [json.loads(body) for _, deleted, _, body in rows if not deleted]
    deleted = [pid for _, is_deleted, pid, _ in rows if is_deleted]
    if has_more:
        version = rows[-1][0]
    else:
        # The last page covers everything up to the top version read before it, deletions included.
        version = max([top, after or 0] + [r[0] for r in rows])
    return {"products": products, "deleted": deleted,
            "next_cursor": encode_cursor("catalog", version), "has_more": has_more}


def stock_page(store: HQStore, since: str | None, limit: str | None) -> dict:
    """GET /v1/stock: stock levels changed after `since` (all without it)."""
    n = parse_limit(limit)
    after = decode_cursor("stock", since) if since else 0
    rows = store.stock_after(after, n + 1)
    has_more = len(rows) > n
    rows = rows[:n]
    levels = [{"sku": sku, "location": loc, "on_hand": on_hand, "updated_at": at}
              for _, sku, loc, on_hand, at in rows]
    version = rows[-1][0] if rows else after
    return {"levels": levels, "next_cursor": encode_cursor("stock", version), "has_more": has_more}
