"""Load the sample catalog (assets/catalog/products.json and stock.json) into feed form.

Image paths relative to the catalog directory ("images/rm-1001-1.jpg") become paths
relative to the HQ base URL ("/v1/images/rm-1001-1.jpg"), which the server serves.
"""

from __future__ import annotations

import json
from pathlib import Path

from hq.errors import CatalogFileError

DEFAULT_CATALOG_DIR = Path(__file__).resolve().parents[1] / "assets" / "catalog"
IMAGE_ROUTE = "/v1/images/"


def feed_image_url(path: str) -> str:
    """Rewrite a catalog-relative image path to the HQ route; absolute URLs pass unchanged."""
    if path.startswith(("http://", "https://", "/")):
        return path
    return IMAGE_ROUTE + Path(path).name


def _load_list(path: Path) -> list:
    if not path.is_file():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogFileError(f"{path}: cannot read: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise CatalogFileError(f"{path}: line {exc.lineno}: invalid JSON: {exc.msg}") from exc
    if not isinstance(data, list):
        raise CatalogFileError(f"{path}: must hold a JSON list")
    return data


def load_products(catalog_dir: Path) -> list[dict]:
    """Products of catalog_dir/products.json in feed form ([] when the file is absent)."""
    path = catalog_dir / "products.json"
    products = []
    for i, p in enumerate(_load_list(path)):
        if not isinstance(p, dict) or not isinstance(p.get("id"), str) or not p["id"]:
            raise CatalogFileError(f"{path}: [{i}].id: required (a non-empty string)")
        images = p.get("images") or []
        if not isinstance(images, list) or not all(isinstance(x, str) for x in images):
            raise CatalogFileError(f"{path}: [{i}].images: must be a list of strings")
        products.append({**p, "images": [feed_image_url(x) for x in images]})
    return products


def load_stock(catalog_dir: Path) -> list[dict]:
    """Stock levels of catalog_dir/stock.json ([] when the file is absent)."""
    path = catalog_dir / "stock.json"
    levels = _load_list(path)
    for i, row in enumerate(levels):
        if not isinstance(row, dict):
            raise CatalogFileError(f"{path}: [{i}]: must be an object")
        for key in ("sku", "location"):
            if not isinstance(row.get(key), str) or not row[key]:
                raise CatalogFileError(f"{path}: [{i}].{key}: required (a non-empty string)")
        if type(row.get("on_hand")) is not int:
            raise CatalogFileError(f"{path}: [{i}].on_hand: required (an integer)")
    return levels


def image_file(catalog_dir: Path, name: str) -> Path | None:
    """The file behind /v1/images/{name}, or None; names with a path separator are refused."""
    if not name or "/" in name or "\\" in name or name.startswith("."):
        return None
    path = catalog_dir / "images" / name
    return path if path.is_file() else None
