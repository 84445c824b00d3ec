"""Reading the catalog: products by id, EAN or SKU, facets, browsing pages and stock."""

from __future__ import annotations

import json

from bridge.errors import VitrineError
from bridge.money import Money
from bridge.store.catalog.facets import facet_match
from bridge.store.catalog.labels import category_label, labels
from bridge.store.catalog.models import Product, ProductCard, StockLevel, Variant, fold, known_lang, text_map
from bridge.store.catalog.schema import chunks
from bridge.store.database import Database

SORTS = {
    "featured": "p.rank, p.pk",
    "price_asc": "p.price_cents, p.pk",
    "price_desc": "p.price_cents DESC, p.pk DESC",
    "newest": "p.updated_at DESC, p.pk DESC",
    "name": "p.sort_{lang}, p.pk",
}
# Keyset paging: each sort's leading key and the comparison that finds the rows after a
# given product (ties broken by pk, as in SORTS), so page 21 costs what page 1 does.
AFTER = {
    "featured": ("p.rank", ">"),
    "price_asc": ("p.price_cents", ">"),
    "price_desc": ("p.price_cents", "<"),
    "newest": ("p.updated_at", "<"),
    "name": ("p.sort_{lang}", ">"),
}
CARD_COLUMNS = (
    "p.id, p.name_{lang}, p.price_amount, p.currency, COALESCE(ip.path, p.image), p.category"
)


class CatalogReader:
    """The read half of Catalog: every query goes through `db.read()`."""

    db: Database

    def product(self, id: str) -> Product | None:
        """The full product, or None."""
        row = self.db.read().execute("SELECT body FROM products WHERE id = ?", (id,)).fetchone()
        return self._product(row[0]) if row else None

    def find_ean(self, ean: str) -> tuple[Product, Variant] | None:
        """The product and variant of a scanned barcode, or None."""
        return self._find("ean", ean.strip())

    def find_sku(self, sku: str) -> tuple[Product, Variant] | None:
        """The product and variant of a SKU, or None."""
        return self._find("sku", sku.strip())

    def skus_by_ean(self, eans: list[str]) -> dict[str, str]:
        """ean -> SKU for those of eans some variant carries, in one query."""
        rows = self.db.read().execute(
            "SELECT ean, sku FROM variants WHERE ean IN (SELECT value FROM json_each(?))",
            (json.dumps(eans),)).fetchall()
        return dict(rows)

    def categories(self, lang: str) -> list[str]:
        """Category ids present in the catalog, in display order of their labels in lang."""
        rows = self.db.read().execute("SELECT DISTINCT category FROM products").fetchall()
        return sorted((r[0] for r in rows), key=lambda c: fold(category_label(c, lang)))

    def sizes(self) -> list[str]:
        """Sizes present in the catalog: letter sizes, then numbers, then one-size."""
        rows = self.db.read().execute("SELECT DISTINCT size FROM variants WHERE size != ''").fetchall()
        return sorted((r[0] for r in rows), key=_size_key)

    def colors(self) -> list[str]:
        """Colour ids present in the catalog, in palette order."""
        rows = self.db.read().execute("SELECT DISTINCT color FROM variants WHERE color != ''").fetchall()
        order = {c: i for i, c in enumerate(labels("colors"))}
        return sorted((r[0] for r in rows), key=lambda c: (order.get(c, len(order)), c))

    def browse(self, *, lang: str, category: str | None = None, size: str | None = None,
               color: str | None = None, sort: str = "featured", offset: int = 0,
               limit: int | None = None, after: str | None = None) -> list[ProductCard]:
        """One page of product cards, filtered and sorted.

        after: the id of the last card of the previous page; the page starts right after
        it (keyset paging: as fast deep in the list as at its top, unlike offset).
        """
        if sort not in SORTS:
            raise VitrineError(f"sort: unknown {sort!r} (known: {', '.join(SORTS)})")
        lang = known_lang(lang)
        # Without a limit every match is wanted: start from the matching variants.
        source, where, params = filtered(category, size, color, driving=limit is None)
        if after is not None:
            where, params = self._after(where, params, sort, lang, after)
        sql = (f"SELECT {CARD_COLUMNS.format(lang=lang)} FROM {source} "
               f"LEFT JOIN image_paths ip ON ip.url = p.image{where} "
               f"ORDER BY {SORTS[sort].format(lang=lang)} LIMIT ? OFFSET ?")
        rows = self.db.read().execute(sql, (*params, -1 if limit is None else limit, offset))
        return [card(r) for r in rows]

    def _after(self, where: str, params: list, sort: str, lang: str,
               after: str) -> tuple[str, list]:
        """where and params narrowed to the rows that sort after product `after`."""
        column, op = AFTER[sort]
        column = column.format(lang=lang)
        key = self.db.read().execute(f"SELECT {column}, p.pk FROM products p WHERE p.id = ?",
                                     (after,)).fetchone()
        if key is None:
            raise VitrineError(f"after: no product {after!r} in the catalog")
        clause = f"({column}, p.pk) {op} (?, ?)"
        where = f"{where} AND {clause}" if where else f" WHERE {clause}"
        return where, [*params, *key]

    def count(self, *, category: str | None = None, size: str | None = None,
              color: str | None = None, lang: str | None = None, sort: str | None = None) -> int:
        """How many products browse() would list with these filters (lang and sort are ignored)."""
        if size or color:  # an intersection of facet doclists, no product row read
            return self.db.read().execute(
                "SELECT COUNT(*) FROM product_facets WHERE product_facets MATCH ?",
                (facet_match(category, size, color),)).fetchone()[0]
        source, where, params = filtered(category, size, color, driving=True)
        return self.db.read().execute(f"SELECT COUNT(*) FROM {source}{where}", params).fetchone()[0]

    def stock_for_product(self, product_id: str) -> list[StockLevel]:
        """Stock of every variant of a product at every known location."""
        rows = self.db.read().execute(
            """SELECT s.sku, s.location, s.on_hand, s.updated_at FROM variants v
               JOIN stock s ON s.sku = v.sku WHERE v.product_id = ? ORDER BY s.sku, s.location""",
            (product_id,),
        )
        return [StockLevel(*r) for r in rows]

    def stock_for_sku(self, sku: str) -> list[StockLevel]:
        """Stock of one SKU at every known location."""
        rows = self.db.read().execute(
            "SELECT sku, location, on_hand, updated_at FROM stock WHERE sku = ? ORDER BY location",
            (sku,),
        )
        return [StockLevel(*r) for r in rows]

    def _find(self, column: str, value: str) -> tuple[Product, Variant] | None:
        conn = self.db.read()
        row = conn.execute(
            f"""SELECT p.body, v.sku, v.ean, v.size, v.color FROM variants v
                JOIN products p ON p.id = v.product_id WHERE v.{column} = ? LIMIT 1""",
            (value,),
        ).fetchone()
        if not row:
            return None
        return self._product(row[0]), Variant(*row[1:])

    def _product(self, body: str) -> Product:
        p = json.loads(body)
        urls = p.get("images", [])
        local = {}
        for chunk in chunks(urls):
            marks = ", ".join("?" * len(chunk))
            local.update(self.db.read().execute(
                f"SELECT url, path FROM image_paths WHERE url IN ({marks})", chunk
            ).fetchall())
        price = p["price"]
        return Product(
            id=p["id"], name=text_map(p["name"], "name"),
            description=text_map(p.get("description", {}), "description"),
            category=p["category"], price=Money.of(price["amount"], price.get("currency") or "EUR"),
            images=[local.get(u, u) for u in urls],
            variants=[Variant(v["sku"], v.get("ean") or None, str(v.get("size") or ""),
                              str(v.get("color") or "")) for v in p.get("variants", [])],
            updated_at=p["updated_at"],
            collection=p.get("collection") if isinstance(p.get("collection"), str) else None,
        )


def filters(category: str | None, size: str | None, color: str | None) -> tuple[str, list]:
    """WHERE clause (with leading space, or empty) and its parameters, checked row by row.

    EXISTS on the covering variant indexes is cheapest while walking a sort index or
    search hits, because the walk stops after one page.
    """
    clauses, params = [], []
    if category:
        clauses.append("p.category = ?")
        params.append(category)
    for column, value in (("size", size), ("color", color)):
        if value:
            clauses.append(f"EXISTS (SELECT 1 FROM variants v WHERE v.product_id = p.id AND v.{column} = ?)")
            params.append(value)
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


def filtered(category: str | None, size: str | None, color: str | None,
             driving: bool) -> tuple[str, str, list]:
    """FROM source, WHERE clause and parameters of a filtered product listing.

    `driving` starts from the product ids of the matching variants (an INTERSECT of
    covering index ranges), which beats row-by-row checks when every match is wanted.
    """
    if not driving or not (size or color):
        where, params = filters(category, size, color)
        return "products p", where, params
    parts = [(c, v) for c, v in (("size", size), ("color", color)) if v]
    ids = " INTERSECT ".join(f"SELECT DISTINCT product_id FROM variants WHERE {c} = ?" for c, _ in parts)
    source = f"({ids}) m JOIN products p ON p.id = m.product_id"
    params = [v for _, v in parts]
    if category:
        return source, " WHERE p.category = ?", [*params, category]
    return source, "", params


def card(row: tuple) -> ProductCard:
    """A product card from a row of CARD_COLUMNS."""
    id, name, amount, currency, image, category = row
    return ProductCard(id=id, name=name, price=Money(amount, currency), image=image, category=category)


_LETTER_SIZES = ["XXS", "XS", "S", "M", "L", "XL", "XXL"]


def _size_key(size: str) -> tuple:
    if size.upper() in _LETTER_SIZES:
        return (0, _LETTER_SIZES.index(size.upper()), "")
    try:
        return (1, float(size.replace(",", ".")), "")
    except ValueError:
        return (2, 0, size)
