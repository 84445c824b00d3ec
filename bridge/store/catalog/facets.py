"""Per-product facet index: the category, sizes and colours of each product as FTS5 tokens.

A filtered listing ("size 38, black") asks for the products that have some variant of
size 38 and some variant in black. Checked row by row that is two probes of the variants
table per candidate; here each product is one row of tokens (rowid = products.pk), so
the same question is an intersection of two doclists inside FTS5, and a search can
intersect it with its hits before reading a single product row.
"""

from __future__ import annotations

import sqlite3
from typing import Iterable

_CHUNK = 500  # ids per IN (...) list, well under SQLite's variable limit

# Each value is hex-encoded behind a one-letter kind, so that any size or colour string
# ("T.U.", "navy blue") is exactly one token the unicode61 tokenizer keeps whole.
_TOKENS = """'k' || hex(p.category) || COALESCE((
    SELECT ' ' || group_concat(t, ' ') FROM (
        SELECT DISTINCT 's' || hex(v.size) AS t FROM variants v WHERE v.product_id = p.id
        UNION SELECT DISTINCT 'c' || hex(v.color) FROM variants v WHERE v.product_id = p.id)), '')"""

MIGRATION = f"""
CREATE VIRTUAL TABLE product_facets USING fts5(tokens, tokenize = "unicode61", detail = none);
INSERT INTO product_facets (rowid, tokens) SELECT p.pk, {_TOKENS} FROM products p;
"""


def facet_match(category: str | None, size: str | None, color: str | None) -> str | None:
    """The FTS5 query for products having every given facet; None if none is given."""
    terms = [f'"{kind}{value.encode().hex().upper()}"'
             for kind, value in (("k", category), ("s", size), ("c", color)) if value]
    return " AND ".join(terms) if terms else None


def refresh_facets(conn: sqlite3.Connection, ids: Iterable[str]) -> None:
    """Rewrite the facet rows of the products with these ids from their variants."""
    ids = list(ids)
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        marks = ", ".join("?" * len(chunk))
        pks = f"(SELECT pk FROM products WHERE id IN ({marks}))"
        conn.execute(f"DELETE FROM product_facets WHERE rowid IN {pks}", chunk)
        conn.execute(f"INSERT INTO product_facets (rowid, tokens) SELECT p.pk, {_TOKENS} "
                     f"FROM products p WHERE p.id IN ({marks})", chunk)


def forget_facets(conn: sqlite3.Connection, ids: Iterable[str]) -> None:
    """Drop the facet rows of the products with these ids (call before deleting them)."""
    conn.executemany("DELETE FROM product_facets WHERE rowid = (SELECT pk FROM products WHERE id = ?)",
                     ((i,) for i in ids))
