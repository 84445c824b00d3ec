"""Store names as shoppers and staff read them, from assets/catalog/stores.json.

    store_name("store:lyon-presquile")     # -> "Lyon Presqu’île"
    store_name("store:nice-massena")       # not listed -> "Nice Massena"

The file maps a store id (the part after "store:") to its display name; an id it does
not list falls back to the id in title case.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from bridge.errors import ConfigError

STORES_FILE = Path(__file__).resolve().parents[2] / "assets" / "catalog" / "stores.json"


@lru_cache(maxsize=4)
def load_store_names(path: Path = STORES_FILE) -> dict[str, str]:
    """The id -> name map of path ({} when the file does not exist)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    try:
        names = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}: line {exc.lineno}: not valid JSON ({exc.msg})") from None
    if not isinstance(names, dict):
        raise ConfigError(f"{path}: expected an object of store id -> name, got {type(names).__name__}")
    for store_id, name in names.items():
        if not isinstance(name, str) or not name.strip():
            raise ConfigError(f"{path}: {store_id!r}: the name must be a non-empty string")
    return dict(names)


def store_name(location: str, path: Path = STORES_FILE) -> str:
    """The display name of a stock location such as "store:lyon-presquile"."""
    store_id = location.removeprefix("store:")
    return load_store_names(path).get(store_id) or store_id.replace("-", " ").title()
