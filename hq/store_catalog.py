"""The catalog and stock feeds' tables: every change takes the next version number of its feed."""

from __future__ import annotations

import json

from hq.clock import utc_now
from hq.db import Database


class CatalogTables:
    """The products and stock tables."""

    db: Database

    def product_count(self) -> int:
        return self.db.read("SELECT count(*) FROM products WHERE deleted = 0")[0][0]

    def upsert_products(self, products: list[dict]) -> None:
        """Insert or replace products (contract PRODUCT dicts), each under a new version."""
        with self.db.write() as tx:
            tx.lock("feed:catalog")
            version = tx.rows("SELECT coalesce(max(version), 0) FROM products")[0][0]
            tx.many("INSERT INTO products (id, version, deleted, body) VALUES (?, ?, 0, ?) ON CONFLICT (id) "
                    "DO UPDATE SET version = excluded.version, deleted = 0, body = excluded.body",
                    [(p["id"], version + i, json.dumps(p, ensure_ascii=False)) for i, p in enumerate(products, 1)])

    def product(self, product_id: str) -> dict | None:
        rows = self.db.read("SELECT body FROM products WHERE id = ? AND deleted = 0", (product_id,))
        return json.loads(rows[0][0]) if rows else None

    def delete_products(self, ids: list[str]) -> None:
        """Mark products deleted, so the feed reports them in `deleted`."""
        with self.db.write() as tx:
            tx.lock("feed:catalog")
            version = tx.rows("SELECT coalesce(max(version), 0) FROM products")[0][0]
            tx.many("UPDATE products SET deleted = 1, version = ? WHERE id = ?",
                    [(version + i, pid) for i, pid in enumerate(ids, 1)])

    def products_after(self, since: int | None, limit: int) -> list[tuple[int, int, str, str]]:
        """Up to limit (version, deleted, id, body) rows after `since`; without it, live products only."""
        if since is None:
            return self.db.read("SELECT version, deleted, id, body FROM products WHERE deleted = 0 "
                                "ORDER BY version LIMIT ?", (limit,))
        return self.db.read("SELECT version, deleted, id, body FROM products WHERE version > ? "
                            "ORDER BY version LIMIT ?", (since, limit))

    def catalog_version(self) -> int:
        return self.db.read("SELECT coalesce(max(version), 0) FROM products")[0][0]

    def upsert_stock(self, levels: list[dict]) -> None:
        """Set on-hand quantities ({sku, location, on_hand[, updated_at]}), each under a new version."""
        now = utc_now()
        with self.db.write() as tx:
            tx.lock("feed:stock")
            version = tx.rows("SELECT coalesce(max(version), 0) FROM stock")[0][0]
            tx.many("INSERT INTO stock (sku, location, on_hand, updated_at, version) VALUES (?, ?, ?, ?, ?) "
                    "ON CONFLICT (sku, location) DO UPDATE SET on_hand = excluded.on_hand, "
                    "updated_at = excluded.updated_at, version = excluded.version",
                    [(lv["sku"], lv["location"], int(lv["on_hand"]), lv.get("updated_at") or now, version + i)
                     for i, lv in enumerate(levels, 1)])

    def stock_after(self, since: int, limit: int) -> list[tuple[int, str, str, int, str]]:
        """Up to limit (version, sku, location, on_hand, updated_at) rows after `since`."""
        return self.db.read("SELECT version, sku, location, on_hand, updated_at FROM stock WHERE version > ? "
                            "ORDER BY version LIMIT ?", (since, limit))

    def stock_version(self) -> int:
        return self.db.read("SELECT coalesce(max(version), 0) FROM stock")[0][0]

    def stock_count(self) -> int:
        return self.db.read("SELECT count(*) FROM stock")[0][0]
