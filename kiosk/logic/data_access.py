"""What the kiosk's screens may ask of the bridge: catalog reads, stock, app-token checks, health.

Screens hold this, not the bridge: they neither reach into its catalog object nor open
anything on its database handle.

    data = KioskData(bridge)
    data.browse(lang="fr", category="dresses", limit=48)   # -> [ProductCard]
    data.page_after(cards[-1].id, len(cards), lang="fr", category="dresses", limit=48)
    data.verify_app_token(token)                            # -> profile id, or TokenRefused
    data.pair_new_kiosk()                                   # -> Pairing (only when serves_store())
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from bridge.errors import VitrineError
from bridge.store.catalog import (Product, ProductCard, ProductLocation, StockLevel, Variant, category_label,
                                  color_label)
from kiosk.logic.identity import TokenRefused, verify_app_token

if TYPE_CHECKING:
    from bridge.serve.pairing import Pairing

__all__ = ["KioskData", "TokenRefused", "category_label", "color_label"]


class BridgeSide(Protocol):
    """The parts of bridge.facade.Bridge the kiosk's screens use."""

    catalog: Any
    db: Any
    settings: Any

    def jwks(self) -> dict: ...

    def status(self) -> dict[str, Any]: ...

    def sync(self) -> object: ...


class KioskData:
    """Catalog reads, stock, token checks and bridge health for the screens (any thread)."""

    def __init__(self, bridge: BridgeSide) -> None:
        self._bridge = bridge
        self._catalog = bridge.catalog

    def categories(self, lang: str) -> list[str]:
        """Every category, sorted by its label in lang."""
        return self._catalog.categories(lang)

    def sizes(self) -> list[str]:
        """Every size on sale, in size order."""
        return self._catalog.sizes()

    def colors(self) -> list[str]:
        """Every colour on sale, in palette order."""
        return self._catalog.colors()

    def count(self, *, category: str | None = None, size: str | None = None,
              color: str | None = None) -> int:
        """How many products a browse with these filters finds."""
        return self._catalog.count(category=category, size=size, color=color)

    def browse(self, **query: Any) -> list[ProductCard]:
        """One page of product cards (Catalog.browse's keywords: lang, category, sort, after...)."""
        return self._catalog.browse(**query)

    def page_after(self, last_id: str, loaded: int, **query: Any) -> list[ProductCard]:
        """The page after the card last_id (by key: as fast deep down as at the top).

        If that product left the catalog since (a sync deleted it), the page starts after
        the `loaded` cards already shown instead.
        """
        try:
            return self._catalog.browse(**query, after=last_id)
        except VitrineError:
            return self._catalog.browse(**query, offset=loaded)

    def search(self, query: str, *, lang: str, limit: int = 60) -> list[ProductCard]:
        """Product cards matching the shopper's words, best first."""
        return self._catalog.search(query, lang=lang, limit=limit)

    def product(self, product_id: str) -> Product | None:
        """One product with its variants, or None."""
        return self._catalog.product(product_id)

    def stock_for_product(self, product_id: str) -> list[StockLevel]:
        """Stock of every variant of the product, at every location."""
        return self._catalog.stock_for_product(product_id)

    def complete_the_look(self, product_id: str, *, location: str, lang: str,
                          limit: int = 6) -> list[ProductCard]:
        """Cards of the product's collection in other categories, in stock at location."""
        return self._catalog.complete_the_look(product_id, location=location, lang=lang, limit=limit)

    def location(self, product_id: str, store_id: str) -> ProductLocation | None:
        """Where the product stands in this store ("Where is it?"), or None."""
        return self._catalog.location(product_id, store_id)

    def find_ean(self, ean: str) -> tuple[Product, Variant] | None:
        """The product and variant with this barcode, or None."""
        return self._catalog.find_ean(ean)

    def find_sku(self, sku: str) -> tuple[Product, Variant] | None:
        """The product and variant with this SKU, or None."""
        return self._catalog.find_sku(sku)

    def verify_app_token(self, token: str) -> str:
        """The profile id of a shopper's app QR token; raises TokenRefused (expired, replayed...)."""
        return verify_app_token(self._bridge, token)

    def store_devices(self) -> list[dict] | None:
        """The devices of the store bridge this kiosk's bridge talks to; None without one."""
        listing = getattr(self._bridge, "store_devices", None)
        return listing() if listing is not None else None

    def serves_store(self) -> bool:
        """Whether this kiosk's own bridge serves the store ([serve] enabled): it can pair screens."""
        return bool(self._bridge.settings.serve.enabled)

    def pair_new_kiosk(self) -> "Pairing":
        """Mint a token for a new kiosk of this store ("kiosk-<n>"), as `vitrine-bridge pair` does."""
        # Imported here: bridge.serve loads the HTTP server's stack, which a kiosk rarely needs.
        from bridge.serve.pairing import next_device_name, pair_device

        db, settings = self._bridge.db, self._bridge.settings
        return pair_device(db, settings, next_device_name(db, settings, "kiosk"), "kiosk")

    def status(self) -> dict[str, Any]:
        """The bridge's outbox counts and last sync outcome."""
        return self._bridge.status()

    def sync(self) -> object:
        """Push and pull now (staff's "sync now")."""
        return self._bridge.sync()
