"""Display labels and swatches of category and colour ids, from assets/catalog/."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from bridge.store.catalog.models import pick

ASSETS_DIR = Path(__file__).resolve().parents[3] / "assets"

@cache
def labels(kind: str) -> dict[str, dict]:
    """Display labels of categories or colours from assets/catalog/<kind>.json (id -> entry)."""
    path = ASSETS_DIR / "catalog" / f"{kind}.json"
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # labels are a nicety: ids still work without them
    return {e["id"]: e for e in entries if isinstance(e, dict) and "id" in e}


def category_label(category: str, lang: str) -> str:
    """Display label of a category id ("shoes" -> "Chaussures" in French)."""
    entry = labels("categories").get(category)
    return pick(entry["label"], lang) if entry else category


def color_label(color: str, lang: str) -> str:
    """Display label of a colour id ("black" -> "Noir" in French)."""
    entry = labels("colors").get(color)
    return pick(entry["label"], lang) if entry else color


def color_hex(color: str) -> str | None:
    """The swatch colour of a colour id ("#1c1c1e"), None when unknown."""
    entry = labels("colors").get(color)
    return entry.get("hex") if entry else None
