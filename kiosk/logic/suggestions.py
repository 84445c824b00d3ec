""""For you": what an identified shopper sees, built only from the shop-floor view.

Plain Python, no Kivy. A shared screen shows no more than the profile API's shop-floor
view (first name, saved items): no purchase history, no e-mail. So suggestions start from
the saved items alone; pieces bought are never used, since suggesting from them would
show a purchase history on the shop floor.

    view = shop_floor_view(session)          # first name + saved items, nothing else
    picks = for_you(view, app.data, here="store:paris-marais", lang="fr")
    picks.saved[0].here                      # how many in their size stand in this store

Order: pieces in the shopper's size in stock here first, then the rest as saved.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Protocol

from kiosk.logic.session import SavedItem

GOES_WITH_PER_SAVED = 4
MAX_GOES_WITH = 8


@dataclass(frozen=True)
class ShopFloorView:
    """All a shared screen may know of a shopper."""

    first_name: str | None
    saved: tuple[SavedItem, ...]
    offline: bool = False  # the profile could not be fetched: only this kiosk's copy is known


@dataclass(frozen=True)
class Pick:
    """A piece to show: in the shopper's size when known, with the stock of that size here."""

    product_id: str
    name: str
    price: str
    image: str
    sku: str | None
    size: str
    here: int
    their_size: bool


@dataclass(frozen=True)
class ForYou:
    """The "For you" list: their saved pieces, then pieces that go with them."""

    first_name: str | None
    saved: list[Pick]
    goes_with: list[Pick]
    offline: bool

    def is_empty(self) -> bool:
        return not self.saved and not self.goes_with


class SuggestionSource(Protocol):
    """The local catalog reads suggestions need (KioskData has them)."""

    def product(self, product_id: str) -> Any: ...

    def stock_for_product(self, product_id: str) -> list: ...

    def complete_the_look(self, product_id: str, *, location: str, lang: str, limit: int = 6) -> list: ...


class SessionLike(Protocol):
    first_name: str | None
    saved: list[SavedItem]
    profile_offline: bool


def shop_floor_view(session: SessionLike) -> ShopFloorView:
    """The shop-floor view of the current shopper (what the session merged from the profile)."""
    return ShopFloorView(session.first_name, tuple(session.saved), bool(session.profile_offline))


def for_you(view: ShopFloorView, source: SuggestionSource, *, here: str, lang: str) -> ForYou:
    """Saved pieces and pieces that go with them, in the shopper's size here first."""
    products = {item.product_id: source.product(item.product_id) for item in view.saved}
    skus = {item.sku for item in view.saved if item.sku}
    sizes = {v.size for p in products.values() if p for v in p.variants if v.sku in skus}
    saved = [_pick(source, products[item.product_id], item.sku, sizes, here, lang)
             for item in view.saved if products[item.product_id] is not None]
    saved = _here_first(saved)
    seen = {item.product_id for item in view.saved}
    goes_with: list[Pick] = []
    for piece in saved:
        for card in source.complete_the_look(piece.product_id, location=here, lang=lang,
                                             limit=GOES_WITH_PER_SAVED):
            if card.id not in seen:
                seen.add(card.id)
                product = source.product(card.id)
                if product is not None:
                    goes_with.append(_pick(source, product, None, sizes, here, lang))
    return ForYou(view.first_name, saved, _here_first(goes_with)[:MAX_GOES_WITH], view.offline)


def _pick(source: SuggestionSource, product: Any, sku: str | None, sizes: set[str],
          here: str, lang: str) -> Pick:
    """The product shown in the saved size, else their size with the most stock here."""
    on_hand = {lv.sku: lv.on_hand for lv in source.stock_for_product(product.id) if lv.location == here}
    variants = product.variants
    chosen = next((v for v in variants if v.sku == sku), None)
    if chosen is None and variants:
        chosen = max(variants, key=lambda v: (v.size in sizes or _one_size(v.size), on_hand.get(v.sku, 0)))
    their = chosen is not None and (chosen.sku == sku or chosen.size in sizes or _one_size(chosen.size))
    return Pick(product_id=product.id, name=product.title(lang), price=product.price.format(lang),
                image=product.images[0] if product.images else "",
                sku=chosen.sku if chosen else None, size=chosen.size if chosen else "",
                here=on_hand.get(chosen.sku, 0) if chosen else 0, their_size=their)


def _one_size(size: str) -> bool:
    return size.strip().upper() in {"", "TU", "OS", "ONE SIZE"}


def _here_first(picks: Iterable[Pick]) -> list[Pick]:
    """In their size and in stock here first; otherwise the order they came in."""
    return sorted(picks, key=lambda p: not (p.their_size and p.here > 0))
