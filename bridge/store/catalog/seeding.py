"""Demo seeding: load assets/catalog/ into a catalog (demos and tests only)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from bridge.errors import VitrineError
from bridge.store.catalog.labels import ASSETS_DIR
from bridge.store.catalog.writes import CatalogWriter

def seed_from_assets(catalog: CatalogWriter, store_id: str | None = None, *,
                     assets_dir: str | Path | None = None) -> int:
    """Load assets/catalog/ (products, stock, local images) into catalog; demos and tests only.

    Returns the number of products loaded. `store_id` is accepted for symmetry
    with the bridge's configuration; every location's stock is loaded.
    """
    folder = Path(assets_dir) if assets_dir else ASSETS_DIR
    folder = folder / "catalog" if (folder / "catalog" / "products.json").exists() else folder
    products = _load_json(folder / "products.json")
    stock = _load_json(folder / "stock.json")
    catalog.upsert_products(products)
    catalog.upsert_stock(stock)
    pairs = [(url, str((folder / url).resolve())) for p in products for url in p.get("images", [])
             if not re.match(r"^[a-z]+://", url) and (folder / url).is_file()]
    catalog.set_image_paths(pairs)
    return len(products)


def _load_json(path: Path) -> list:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise VitrineError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except ValueError as exc:
        raise VitrineError(f"{path}: invalid JSON: {exc}") from exc
    if not isinstance(data, list):
        raise VitrineError(f"{path}: expected a JSON list")
    return data
