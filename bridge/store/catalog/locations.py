"""Where a product stands in each store ("Rez-de-chaussée, mur des sacs"), from the feed.

Feed form (optional on a PRODUCT):
    "locations": [{"store_id": "paris-marais",
                   "label": {"fr": "Rez-de-chaussée, mur des sacs", "en": "Ground floor, bag wall"},
                   "plan": {"x": 0.18, "y": 0.62}}]          # plan: optional, 0..1 of the plan image
"""

from __future__ import annotations

from dataclasses import dataclass

from bridge.store.catalog.models import bad, pick, text_map


@dataclass(frozen=True)
class ProductLocation:
    """A product's place in one store; x, y locate it on the store plan (0..1, y from the top)."""

    store_id: str
    label: dict[str, str]
    x: float | None = None
    y: float | None = None

    def text(self, lang: str) -> str:
        """The location in lang, falling back to any language present."""
        return pick(self.label, lang)


def location_rows(product_id: str, value: object, where: str) -> list[tuple]:
    """product_locations rows of a feed's `locations` (None or absent: no rows)."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise bad(where, "expected a list of {\"store_id\", \"label\", \"plan\"?}")
    rows = []
    for i, loc in enumerate(value):
        at = f"{where}[{i}]"
        if not isinstance(loc, dict) or not isinstance(loc.get("store_id"), str) or not loc["store_id"]:
            raise bad(f"{at}.store_id", "required string")
        label = text_map(loc.get("label"), f"{at}.label")
        if not pick(label, "fr"):
            raise bad(f"{at}.label", "required (a text or a language map)")
        x, y = _plan_point(loc.get("plan"), f"{at}.plan")
        rows.append((product_id, loc["store_id"], pick(label, "fr"), pick(label, "en"), x, y))
    return rows


def _plan_point(plan: object, where: str) -> tuple[float | None, float | None]:
    if plan is None:
        return None, None
    if not isinstance(plan, dict):
        raise bad(where, "expected {\"x\": 0..1, \"y\": 0..1}")
    point = []
    for axis in ("x", "y"):
        v = plan.get(axis)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= 1:
            raise bad(f"{where}.{axis}", f"expected a number from 0 to 1, got {v!r}")
        point.append(float(v))
    return point[0], point[1]
