"""Pieces that go together and where they stand: "Complete the look" and "Where is it?"."""

from __future__ import annotations

from bridge.store.catalog.locations import ProductLocation
from bridge.store.catalog.models import ProductCard, known_lang
from bridge.store.catalog.reads import CARD_COLUMNS, card
from bridge.store.database import Database


class CatalogLooks:
    """Collection and location reads of Catalog (through `db.read()`)."""

    db: Database

    def complete_the_look(self, product_id: str, *, location: str, lang: str,
                          limit: int = 6) -> list[ProductCard]:
        """Cards of the product's collection in other categories, with stock at location, featured first."""
        lang = known_lang(lang)
        rows = self.db.read().execute(
            f"""SELECT {CARD_COLUMNS.format(lang=lang)} FROM products me
                JOIN products p ON p.collection = me.collection AND p.category != me.category
                LEFT JOIN image_paths ip ON ip.url = p.image
                WHERE me.id = ? AND me.collection IS NOT NULL
                  AND EXISTS (SELECT 1 FROM variants v JOIN stock s ON s.sku = v.sku
                              WHERE v.product_id = p.id AND s.location = ? AND s.on_hand > 0)
                ORDER BY p.rank, p.pk LIMIT ?""",
            (product_id, location, limit),
        )
        return [card(r) for r in rows]

    def location(self, product_id: str, store_id: str) -> ProductLocation | None:
        """Where the product stands in this store, or None when the catalog does not say."""
        row = self.db.read().execute(
            """SELECT store_id, label_fr, label_en, plan_x, plan_y FROM product_locations
               WHERE product_id = ? AND store_id = ?""",
            (product_id, store_id),
        ).fetchone()
        if row is None:
            return None
        store, fr, en, x, y = row
        return ProductLocation(store, {"fr": fr, "en": en}, x, y)
