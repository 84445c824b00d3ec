"""The local catalog and stock: pulled from HQ (or seeded from assets/), read offline by the kiosk.

    catalog = Catalog(db)
    catalog.upsert_products(feed["products"])
    catalog.search("escarp", lang="fr")          # -> [ProductCard(...), ...]
    catalog.browse(lang="en", category="shoes", size="38", sort="price_asc", limit=24)
    catalog.complete_the_look("mv-1001", location="store:paris-marais", lang="fr")
    catalog.location("mv-1001", "paris-marais")  # -> ProductLocation or None
"""

from __future__ import annotations

from bridge.store.catalog.labels import category_label, color_hex, color_label
from bridge.store.catalog.locations import ProductLocation
from bridge.store.catalog.looks import CatalogLooks
from bridge.store.catalog.models import LANGUAGES, Product, ProductCard, StockLevel, Variant, fold
from bridge.store.catalog.reads import SORTS, CatalogReader
from bridge.store.catalog.schema import MIGRATIONS
from bridge.store.catalog.search import CatalogSearch, match_expression
from bridge.store.catalog.seeding import seed_from_assets
from bridge.store.catalog.writes import CatalogWriter
from bridge.store.database import Database

__all__ = ["Catalog", "Product", "Variant", "ProductCard", "StockLevel", "ProductLocation", "category_label",
           "color_label", "color_hex", "seed_from_assets", "match_expression", "fold", "LANGUAGES",
           "SORTS", "MIGRATIONS"]


class Catalog(CatalogWriter, CatalogReader, CatalogSearch, CatalogLooks):
    """Products, variants and stock levels in the bridge database.

    Writes go through `db.write()` (one transaction each); reads use `db.read()`.
    """

    def __init__(self, db: Database) -> None:
        self.db = db
