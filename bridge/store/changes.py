"""The change feed: which products and stock levels changed, in order, for the store's devices.

A store bridge serves GET /v1/catalog and /v1/stock to its kiosks from its own copy. Triggers
number every change to `products` and `stock` (a sale at the till, a pull from HQ), so a kiosk
asking `since=s41` gets only what changed after change 41, and a sale reaches it on its next
short pull. Each key keeps only its latest change number, so the feed never grows past the
catalog's size.

    catalog_page(db, "s41", 500)  # -> {"products": [...], "deleted": [...], "next_cursor": "s57", ...}
"""

from __future__ import annotations

import json
from typing import Any

CURSOR_PREFIX = "s"  # HQ's cursors never start like this: a kiosk moved from HQ starts over
MAX_PAGE = 1000

MIGRATIONS: list[tuple[int, str, str]] = [
    (50, "change feed of products and stock", """
        -- A change deletes the key's row and inserts it again with a new, higher change
        -- number (AUTOINCREMENT never reuses one): one row per product or stock level.
        -- Not INSERT OR REPLACE: inside a trigger fired by an upsert, the outer statement's
        -- conflict policy (ABORT) would override it.
        CREATE TABLE feed_products (
            change INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            deleted INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE feed_stock (
            change INTEGER PRIMARY KEY AUTOINCREMENT,
            sku TEXT NOT NULL,
            location TEXT NOT NULL,
            UNIQUE (sku, location)
        );
        INSERT INTO feed_products(id) SELECT id FROM products ORDER BY pk;
        INSERT INTO feed_stock(sku, location) SELECT sku, location FROM stock;
        CREATE TRIGGER feed_products_insert AFTER INSERT ON products BEGIN
            DELETE FROM feed_products WHERE id = NEW.id;
            INSERT INTO feed_products(id, deleted) VALUES (NEW.id, 0);
        END;
        CREATE TRIGGER feed_products_update AFTER UPDATE ON products BEGIN
            DELETE FROM feed_products WHERE id = NEW.id;
            INSERT INTO feed_products(id, deleted) VALUES (NEW.id, 0);
        END;
        CREATE TRIGGER feed_products_delete AFTER DELETE ON products BEGIN
            DELETE FROM feed_products WHERE id = OLD.id;
            INSERT INTO feed_products(id, deleted) VALUES (OLD.id, 1);
        END;
        CREATE TRIGGER feed_stock_insert AFTER INSERT ON stock BEGIN
            DELETE FROM feed_stock WHERE sku = NEW.sku AND location = NEW.location;
            INSERT INTO feed_stock(sku, location) VALUES (NEW.sku, NEW.location);
        END;
        CREATE TRIGGER feed_stock_update AFTER UPDATE ON stock BEGIN
            DELETE FROM feed_stock WHERE sku = NEW.sku AND location = NEW.location;
            INSERT INTO feed_stock(sku, location) VALUES (NEW.sku, NEW.location);
        END;
    """),
]


def parse_cursor(since: str | None) -> int:
    """The change number after which to read; 0 (everything) for none or a foreign cursor."""
    after = _digits(since[1:]) if since and since.startswith(CURSOR_PREFIX) else None
    # Beyond a 64-bit integer SQLite cannot compare it: no cursor of ours, so a foreign one.
    return after if after is not None and after <= _MAX_CHANGE else 0


def page_limit(limit: str | None) -> int:
    """The page size asked for, clamped to 1..MAX_PAGE (500 when absent or not a number)."""
    if limit is None or not (limit.isascii() and limit.isdigit()):  # "²" passes isdigit() alone
        return 500
    digits = limit.lstrip("0") or "0"
    return MAX_PAGE if len(digits) > 6 else max(1, min(MAX_PAGE, int(digits)))  # no int() of 5000 digits


_MAX_CHANGE = 2**63 - 1


def _digits(text: str) -> int | None:
    """The number written in ASCII digits, else None ("²" and "٣" pass str.isdigit() alone)."""
    if not (text.isascii() and text.isdigit()) or len(text.lstrip("0")) > 19:
        return None
    return int(text)


def catalog_page(db: Any, since: str | None, limit: int) -> dict:
    """Products changed (and ids deleted) after since, oldest change first."""
    after = parse_cursor(since)
    rows = db.read().execute(
        "SELECT f.change, f.id, f.deleted, p.body FROM feed_products f "
        "LEFT JOIN products p ON p.id = f.id WHERE f.change > ? ORDER BY f.change LIMIT ?",
        (after, limit)).fetchall()
    products = [json.loads(body) for _, _, deleted, body in rows if not deleted and body]
    deleted = [pid for _, pid, gone, body in rows if gone or not body] if after else []
    return _page({"products": products, "deleted": deleted}, rows, after, limit)


def stock_page(db: Any, since: str | None, limit: int) -> dict:
    """Stock levels changed after since, oldest change first."""
    after = parse_cursor(since)
    rows = db.read().execute(
        "SELECT f.change, s.sku, s.location, s.on_hand, s.updated_at FROM feed_stock f "
        "JOIN stock s ON s.sku = f.sku AND s.location = f.location "
        "WHERE f.change > ? ORDER BY f.change LIMIT ?", (after, limit)).fetchall()
    levels = [{"sku": sku, "location": loc, "on_hand": on_hand, "updated_at": at}
              for _, sku, loc, on_hand, at in rows]
    return _page({"levels": levels}, rows, after, limit)


def _page(data: dict, rows: list, after: int, limit: int) -> dict:
    last = rows[-1][0] if rows else after
    return {**data, "next_cursor": f"{CURSOR_PREFIX}{last}", "has_more": len(rows) == limit}
