"""What the product and staff screens say about stock: staff lookup, the stock table,
the shopper's availability lines. Plain data in, plain data out.

    stock_rows(product, levels, "store:paris-marais", "fr")["rows"][0]
    # -> {"sku": ..., "size": "M", "color": "Noir", "here": 2, "other": 5, "online": 0}
"""

from __future__ import annotations

import re
from typing import Any, Callable

from kiosk.logic.data_access import color_label
from kiosk.logic.freshness import parse_time
from kiosk.logic.store_names import store_name

ONE_SIZE = {"", "TU", "OS", "ONE SIZE"}  # catalog spellings of a single size
MAX_RESULTS = 24
EAN_RE = re.compile(r"^\d{8}$|^\d{12,14}$")


def size_label(size: str | None, tr: Callable[[str], str]) -> str:
    """A size as the shopper reads it: "TU" becomes "One size" in English."""
    return tr("One size") if (size or "").strip().upper() in ONE_SIZE else size


def availability(levels: list, sku: str | None, here: str, tr: Callable[[str], str]) -> list[str]:
    """Lines telling where the chosen size is: here, in other stores, online, and as of when."""
    if not sku:
        return [tr("Choose a size to see availability")]
    mine = [lv for lv in levels if lv.sku == sku]
    at_home = sum(lv.on_hand for lv in mine if lv.location == here)
    others = sorted(store_name(lv.location) for lv in mine
                    if lv.location.startswith("store:") and lv.location != here and lv.on_hand > 0)
    online = sum(lv.on_hand for lv in mine if lv.location == "online")
    lines = [tr("Not in this store") if at_home <= 0 else
             tr("Last one here") if at_home == 1 else tr("%d in stock here") % at_home]
    lines.append(tr("Also in %s") % ", ".join(others) if others else tr("Not in our other stores"))
    lines.append(tr("Available online") if online > 0 else tr("Not available online"))
    return lines


def lookup(catalog: Any, query: str, lang: str) -> list[dict]:
    """Products for the staff query: an EAN or SKU first, else a text search."""
    query = query.strip()
    if not query:
        return []
    exact = catalog.find_ean(query) if EAN_RE.match(query) else catalog.find_sku(query.upper())
    if exact is not None:
        product, variant = exact
        return [{"product_id": product.id, "sku": variant.sku, "name": product.title(lang),
                 "detail": variant.sku}]
    return [{"product_id": card.id, "sku": None, "name": card.name, "detail": card.price.format(lang)}
            for card in catalog.search(query, lang=lang, limit=MAX_RESULTS)]


def stock_rows(product: Any, levels: list, here: str, lang: str) -> dict:
    """The stock table of a product: one row per variant, here / other stores / online."""
    by_sku: dict[str, dict[str, int]] = {}
    others: dict[str, int] = {}
    newest = None
    for level in levels:
        by_sku.setdefault(level.sku, {})[level.location] = level.on_hand
        if level.location.startswith("store:") and level.location != here:
            others[level.location] = others.get(level.location, 0) + level.on_hand
        moment = parse_time(level.updated_at)
        newest = moment if newest is None or (moment and moment > newest) else newest
    rows = []
    for variant in product.variants:
        counts = by_sku.get(variant.sku, {})
        rows.append({
            "sku": variant.sku, "size": variant.size, "color": color_label(variant.color, lang),
            "here": counts.get(here, 0), "online": counts.get("online", 0),
            "other": sum(n for loc, n in counts.items() if loc.startswith("store:") and loc != here),
        })
    return {"rows": rows, "others": others, "as_of": newest}
