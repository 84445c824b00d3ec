"""Writing the catalog: products and stock as HQ reports them, sales, cached image paths."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Iterable

from bridge.errors import VitrineError
from bridge.money import Money
from bridge.store.catalog.facets import forget_facets, refresh_facets
from bridge.store.catalog.labels import category_label, color_label
from bridge.store.catalog.locations import location_rows
from bridge.store.catalog.models import bad, fold, pick, text_map
from bridge.store.catalog.schema import FTS_COLUMNS, chunks
from bridge.store.database import Database


class CatalogWriter:
    """The write half of Catalog: each call is one `db.write()` transaction."""

    db: Database

    def upsert_products(self, products: list[dict]) -> None:
        """Insert or replace contract PRODUCT dicts (one transaction, any number of them)."""
        parsed = [_product_row(p, f"products[{i}]") for i, p in enumerate(products)]
        if not parsed:
            return
        with self.db.write() as conn:
            base = conn.execute("SELECT COALESCE(MAX(rank), 0) FROM products").fetchone()[0] + 1
            old = _pks(conn, [cols["id"] for cols, _ in parsed])
            if old:  # only products already held have rows to replace
                conn.executemany("DELETE FROM variants WHERE product_id = ?", ((i,) for i in old))
                conn.executemany("DELETE FROM product_locations WHERE product_id = ?", ((i,) for i in old))
                conn.executemany("DELETE FROM products_fts WHERE rowid = ?", ((pk,) for pk in old.values()))
            conn.executemany(
                """INSERT INTO products (id, body, category, price_cents, price_amount, currency,
                       name_fr, name_en, sort_fr, sort_en, image, updated_at, rank, collection)
                   VALUES (:id, :body, :category, :price_cents, :price_amount, :currency,
                       :name_fr, :name_en, :sort_fr, :sort_en, :image, :updated_at,
                       COALESCE(:rank, :next_rank), :collection)
                   ON CONFLICT(id) DO UPDATE SET body = excluded.body,
                       category = excluded.category, price_cents = excluded.price_cents,
                       price_amount = excluded.price_amount, currency = excluded.currency,
                       name_fr = excluded.name_fr, name_en = excluded.name_en,
                       sort_fr = excluded.sort_fr, sort_en = excluded.sort_en,
                       image = excluded.image, updated_at = excluded.updated_at,
                       rank = COALESCE(:rank, products.rank), collection = excluded.collection""",
                ({**cols, "next_rank": base + i} for i, (cols, _) in enumerate(parsed)),
            )
            ids = [cols["id"] for cols, _ in parsed]
            # A SKU may move here from a product outside this batch: refresh that one too.
            movers = _owners(conn, [row[0] for _, rows in parsed for row in rows])
            conn.executemany(
                "INSERT OR REPLACE INTO variants (sku, product_id, ean, size, color) VALUES (?, ?, ?, ?, ?)",
                (row for _, rows in parsed for row in rows),
            )
            conn.executemany(
                """INSERT OR REPLACE INTO product_locations
                       (product_id, store_id, label_fr, label_en, plan_x, plan_y) VALUES (?, ?, ?, ?, ?, ?)""",
                (row for cols, _ in parsed for row in cols["locations"]),
            )
            refresh_facets(conn, sorted(set(ids) | movers))
            pks = _pks(conn, ids)
            conn.executemany(
                f"INSERT INTO products_fts (rowid, {', '.join(FTS_COLUMNS)}) "
                f"VALUES (?, {', '.join('?' * len(FTS_COLUMNS))})",
                ((pks[cols["id"]], *cols["fts"]) for cols, _ in parsed),
            )

    def delete_products(self, ids: Iterable[str]) -> None:
        """Remove products (and their variants) that HQ reports as deleted."""
        keys = [(i,) for i in ids]
        with self.db.write() as conn:
            conn.executemany(
                "DELETE FROM products_fts WHERE rowid = (SELECT pk FROM products WHERE id = ?)", keys
            )
            forget_facets(conn, (k for (k,) in keys))
            conn.executemany("DELETE FROM variants WHERE product_id = ?", keys)
            conn.executemany("DELETE FROM product_locations WHERE product_id = ?", keys)
            conn.executemany("DELETE FROM products WHERE id = ?", keys)

    def upsert_stock(self, levels: list[dict]) -> None:
        """Store stock levels ({sku, location, on_hand, updated_at?}) as HQ reports them."""
        now = _now()
        rows = []
        for i, level in enumerate(levels):
            where = f"levels[{i}]"
            if not isinstance(level, dict):
                raise bad(where, "expected an object")
            for key in ("sku", "location"):
                if not isinstance(level.get(key), str) or not level[key]:
                    raise bad(f"{where}.{key}", "required string")
            on_hand = level.get("on_hand")
            if not isinstance(on_hand, int) or isinstance(on_hand, bool):
                raise bad(f"{where}.on_hand", f"expected an integer, got {on_hand!r}")
            rows.append((level["sku"], level["location"], max(0, on_hand), level.get("updated_at") or now))
        with self.db.write() as conn:
            conn.executemany(
                """INSERT INTO stock (sku, location, on_hand, updated_at) VALUES (?, ?, ?, ?)
                   ON CONFLICT(sku, location) DO UPDATE SET on_hand = excluded.on_hand,
                       updated_at = excluded.updated_at""",
                rows,
            )

    def adjust_stock(self, sku: str, location: str, delta: int) -> None:
        """Apply a sale (negative delta) or a return at once; never below zero."""
        if not isinstance(delta, int) or isinstance(delta, bool):
            raise VitrineError(f"adjust_stock {sku} at {location}: delta must be an integer, got {delta!r}")
        with self.db.write() as conn:
            conn.execute(_ADJUST, (sku, location, delta, _now(), delta))

    def set_image_path(self, url: str, path: str) -> None:
        """Remember that the image at url is cached in the local file path."""
        self.set_image_paths([(url, path)])

    def set_image_paths(self, pairs: Iterable[tuple[str, str]]) -> None:
        """set_image_path for many (url, path) pairs in one transaction."""
        with self.db.write() as conn:
            self.db.utils(conn)["image_paths"].upsert_all(
                {"url": url, "path": str(path)} for url, path in pairs)


_ADJUST = """INSERT INTO stock (sku, location, on_hand, updated_at) VALUES (?, ?, MAX(0, ?), ?)
              ON CONFLICT(sku, location) DO UPDATE SET
                  on_hand = MAX(0, stock.on_hand + ?), updated_at = excluded.updated_at"""
# The same for SKUs the catalog knows only (sales of unknown items move no stock).
# One statement for a whole batch of deltas (a JSON object sku -> delta): a row per SKU
# through executemany cost 2-3x as much, most of it per-statement overhead. Each SKU's new
# level is computed from the level before the statement (SQLite reads the SELECT in full
# before writing to the table it reads), so the conflict branch only writes it.
_ADJUST_KNOWN = """INSERT INTO stock (sku, location, on_hand, updated_at)
                   SELECT d.key, ?1, MAX(0, coalesce(s.on_hand, 0) + d.value), ?2 FROM json_each(?3) AS d
                   LEFT JOIN stock AS s ON s.sku = d.key AND s.location = ?1
                   WHERE EXISTS (SELECT 1 FROM variants WHERE sku = d.key)
                   ON CONFLICT(sku, location) DO UPDATE SET
                       on_hand = excluded.on_hand, updated_at = excluded.updated_at"""


def adjust_known_stock(conn: sqlite3.Connection, location: str, deltas: dict[str, int]) -> None:
    """Apply many sales and returns (sku -> delta) to location's on-hand, inside the caller's
    write transaction; SKUs missing from the catalog are left out."""
    moves = {sku: d for sku, d in deltas.items() if d}
    if moves:
        conn.execute(_ADJUST_KNOWN, (location, _now(), json.dumps(moves)))


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _cents(amount: str, where: str) -> int:
    try:
        value = Decimal(amount)
    except (InvalidOperation, TypeError):
        raise bad(where, f"not a decimal amount: {amount!r}") from None
    if not value.is_finite() or value < 0:
        raise bad(where, f"not a valid price: {amount!r}")
    return int((value * 100).to_integral_value())


def _product_row(p: object, where: str) -> tuple[dict, list[tuple]]:
    """Validate one contract PRODUCT; return its column values and its variant rows."""
    if not isinstance(p, dict):
        raise bad(where, "expected an object")
    for key in ("id", "category", "updated_at"):
        if not isinstance(p.get(key), str) or not p[key]:
            raise bad(f"{where}.{key}", "required string")
    name = text_map(p.get("name"), f"{where}.name")
    description = text_map(p.get("description", {}), f"{where}.description")
    price = p.get("price")
    if not isinstance(price, dict) or not isinstance(price.get("amount"), str):
        raise bad(f"{where}.price", "expected {\"amount\": \"129.00\", \"currency\": \"EUR\"}")
    cents = _cents(price["amount"], f"{where}.price.amount")
    images = p.get("images", [])
    if not isinstance(images, list) or not all(isinstance(i, str) for i in images):
        raise bad(f"{where}.images", "expected a list of URLs")
    variants = p.get("variants", [])
    if not isinstance(variants, list):
        raise bad(f"{where}.variants", "expected a list")
    rows = []
    for i, v in enumerate(variants):
        vw = f"{where}.variants[{i}]"
        if not isinstance(v, dict) or not isinstance(v.get("sku"), str) or not v["sku"]:
            raise bad(f"{vw}.sku", "required string")
        ean = v.get("ean")
        if ean is not None and not isinstance(ean, str):
            raise bad(f"{vw}.ean", "expected a string or null")
        rows.append((v["sku"], p["id"], ean or None, str(v.get("size") or ""), str(v.get("color") or "")))
    collection = p.get("collection")
    if collection is not None and not isinstance(collection, str):
        raise bad(f"{where}.collection", f"expected a string or null, got {collection!r}")
    columns = {
        "id": p["id"], "body": json.dumps(p, ensure_ascii=False, separators=(",", ":")),
        "category": p["category"], "price_cents": cents,
        "price_amount": str(Money.of(price["amount"], price.get("currency") or "EUR").amount),
        "currency": price.get("currency") or "EUR",
        "name_fr": pick(name, "fr"), "name_en": pick(name, "en"),
        "sort_fr": fold(pick(name, "fr")), "sort_en": fold(pick(name, "en")),
        "image": images[0] if images else None, "updated_at": p["updated_at"],
        "rank": p.get("rank") if isinstance(p.get("rank"), int) else None,
        "collection": collection or None,
        "locations": location_rows(p["id"], p.get("locations"), f"{where}.locations"),
    }
    fts = (
        columns["name_fr"], columns["name_en"], pick(description, "fr"), pick(description, "en"),
        category_label(p["category"], "fr"), category_label(p["category"], "en"),
        " ".join(sorted({f"{color_label(r[4], 'fr')} {color_label(r[4], 'en')}" for r in rows})),
    )
    columns["fts"] = fts
    return columns, rows


def _pks(conn, ids: list[str]) -> dict[str, int]:
    """Row keys of the products among ids that are already stored."""
    found: dict[str, int] = {}
    for chunk in chunks(ids):
        marks = ", ".join("?" * len(chunk))
        found.update(conn.execute(f"SELECT id, pk FROM products WHERE id IN ({marks})", chunk).fetchall())
    return found


def _owners(conn, skus: list[str]) -> set[str]:
    """Ids of the products that hold any of these SKUs now."""
    found: set[str] = set()
    for chunk in chunks(skus):
        marks = ", ".join("?" * len(chunk))
        found.update(r[0] for r in conn.execute(
            f"SELECT DISTINCT product_id FROM variants WHERE sku IN ({marks})", chunk))
    return found
