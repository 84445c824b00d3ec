"""The catalog's tables: products, variants, stock, image paths and the full-text index."""

from __future__ import annotations

from typing import Iterator, Sequence

from bridge.store.catalog.facets import MIGRATION as _FACETS

_SORT_COLUMNS = ("rank", "price_cents", "updated_at", "sort_fr", "sort_en")
# The full-text index's columns; search.BM25_WEIGHTS weighs them in this order.
FTS_COLUMNS = ("name_fr", "name_en", "description_fr", "description_en",
               "category_fr", "category_en", "colors")
CHUNK = 500  # ids per IN (...) list, well under SQLite's variable limit


_SCHEMA = f"""
CREATE TABLE products (
    pk INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL,
    category TEXT NOT NULL,
    price_cents INTEGER NOT NULL,
    price_amount TEXT NOT NULL,
    currency TEXT NOT NULL,
    name_fr TEXT NOT NULL,
    name_en TEXT NOT NULL,
    sort_fr TEXT NOT NULL,
    sort_en TEXT NOT NULL,
    image TEXT,
    updated_at TEXT NOT NULL,
    rank INTEGER NOT NULL
);
{"".join(f"CREATE INDEX products_{c} ON products({c});{chr(10)}"
         f"CREATE INDEX products_category_{c} ON products(category, {c});{chr(10)}" for c in _SORT_COLUMNS)}
CREATE TABLE variants (
    sku TEXT PRIMARY KEY,
    product_id TEXT NOT NULL,
    ean TEXT,
    size TEXT NOT NULL,
    color TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX variants_ean ON variants(ean);
CREATE INDEX variants_product_id ON variants(product_id);
CREATE INDEX variants_size ON variants(size, product_id);
CREATE INDEX variants_color ON variants(color, product_id);
CREATE TABLE stock (
    sku TEXT NOT NULL,
    location TEXT NOT NULL,
    on_hand INTEGER NOT NULL CHECK (on_hand >= 0),
    updated_at TEXT NOT NULL,
    PRIMARY KEY (sku, location)
) WITHOUT ROWID;
CREATE TABLE image_paths (
    url TEXT PRIMARY KEY,
    path TEXT NOT NULL
) WITHOUT ROWID;
CREATE VIRTUAL TABLE products_fts USING fts5(
    {", ".join(FTS_COLUMNS)},
    tokenize = "unicode61 remove_diacritics 2",
    prefix = '1 2'
);
"""


# Collections ("Complete the look") and where each product stands in each store ("Where
# is it?"). Products already held get both from their stored feed body at once, without
# waiting for HQ to send them again.
_LOOKS = """
ALTER TABLE products ADD COLUMN collection TEXT;
CREATE INDEX products_collection ON products(collection, category) WHERE collection IS NOT NULL;
UPDATE products SET collection = json_extract(body, '$.collection')
    WHERE json_valid(body) AND json_type(body, '$.collection') = 'text'
      AND json_extract(body, '$.collection') != '';
CREATE TABLE product_locations (
    product_id TEXT NOT NULL,
    store_id TEXT NOT NULL CHECK (store_id != ''),
    label_fr TEXT NOT NULL CHECK (label_fr != ''),
    label_en TEXT NOT NULL CHECK (label_en != ''),
    plan_x REAL CHECK (plan_x BETWEEN 0 AND 1),
    plan_y REAL CHECK (plan_y BETWEEN 0 AND 1),
    PRIMARY KEY (product_id, store_id)
) WITHOUT ROWID;
"""


MIGRATIONS: list[tuple[int, str, str]] = [
    (10, "catalog: products, variants, stock, image paths, full-text search", _SCHEMA),
    (11, "catalog: product collections and per-store product locations", _LOOKS),
    (12, "catalog: per-product facet index (category, sizes, colours) for filtered listings", _FACETS),
]


def chunks(items: Sequence, size: int = CHUNK) -> Iterator[Sequence]:
    """items in slices of at most size."""
    for start in range(0, len(items), size):
        yield items[start:start + size]
