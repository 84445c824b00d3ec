"""The local catalog and stock: pulled from HQ (or seeded from assets/), read offline by the kiosk.

    catalog = Catalog(db)
    catalog.upsert_products(feed["products"])
    catalog.search("escarp", lang="fr")          # -> [ProductCard(...), ...]
    catalog.browse(lang="en", category="shoes", size="38", sort="price_asc", limit=24)
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from bridge.errors import VitrineError
from bridge.money import Money

ASSETS_DIR = Path(__file__).resolve().parents[2] / "assets"
LANGUAGES = ("fr", "en")
SORTS = {
    "featured": "p.rank, p.pk",
    "price_asc": "p.price_cents, p.pk",
    "price_desc": "p.price_cents DESC, p.pk DESC",
    "newest": "p.updated_at DESC, p.pk DESC",
    "name": "p.sort_{lang}, p.pk",
}
_SORT_COLUMNS = ("rank", "price_cents", "updated_at", "sort_fr", "sort_en")
# bm25 weights, in the FTS column order below: a hit in a name outranks one in a description.
_FTS_COLUMNS = ("name_fr", "name_en", "description_fr", "description_en",
                "category_fr", "category_en", "colors")
_BM25_WEIGHTS = "10.0, 10.0, 1.0, 1.0, 4.0, 4.0, 3.0"
# Tokens this short only look at names, categories and colours: "e" against
# every description would match everything and rank nothing usefully.
_SHORT_TOKEN = 2
_SHORT_COLUMNS = "{name_fr name_en category_fr category_en colors}"
_NAME_COLUMNS = "{name_fr name_en}"
# Above this many hits a search lists hits in catalog order instead of ranking them all.
_BROAD = 2000
_CHUNK = 500  # ids per IN (...) list, well under SQLite's variable limit

_SCHEMA = f"""
CREATE TABLE products (
    pk INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL,
    category TEXT NOT NULL,
    price_cents INTEGER NOT NULL,
    price_amount TEXT NOT NULL,
    currency TEXT NOT NULL,
    name_fr TEXT NOT NULL,
    name_en TEXT NOT NULL,
    sort_fr TEXT NOT NULL,
    sort_en TEXT NOT NULL,
    image TEXT,
    updated_at TEXT NOT NULL,
    rank INTEGER NOT NULL
);
{"".join(f"CREATE INDEX products_{c} ON products({c});{chr(10)}"
         f"CREATE INDEX products_category_{c} ON products(category, {c});{chr(10)}" for c in _SORT_COLUMNS)}
CREATE TABLE variants (
    sku TEXT PRIMARY KEY,
    product_id TEXT NOT NULL,
    ean TEXT,
    size TEXT NOT NULL,
    color TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX variants_ean ON variants(ean);
CREATE INDEX variants_product_id ON variants(product_id);
CREATE INDEX variants_size ON variants(size, product_id);
CREATE INDEX variants_color ON variants(color, product_id);
CREATE TABLE stock (
    sku TEXT NOT NULL,
    location TEXT NOT NULL,
    on_hand INTEGER NOT NULL CHECK (on_hand >= 0),
    updated_at TEXT NOT NULL,
    PRIMARY KEY (sku, location)
) WITHOUT ROWID;
CREATE TABLE image_paths (
    url TEXT PRIMARY KEY,
    path TEXT NOT NULL
) WITHOUT ROWID;
CREATE VIRTUAL TABLE products_fts USING fts5(
    {", ".join(_FTS_COLUMNS)},
    tokenize = "unicode61 remove_diacritics 2",
    prefix = '1 2'
);
"""

MIGRATIONS: list[tuple[int, str, str]] = [
    (10, "catalog: products, variants, stock, image paths, full-text search", _SCHEMA),
]


@dataclass(frozen=True)
class Variant:
    """One sellable SKU of a product."""

    sku: str
    ean: str | None
    size: str
    color: str


@dataclass(frozen=True)
class Product:
    """A full product; `images` are local file paths when cached, else the feed's URLs."""

    id: str
    name: dict[str, str]
    description: dict[str, str]
    category: str
    price: Money
    images: list[str]
    variants: list[Variant]
    updated_at: str

    def title(self, lang: str) -> str:
        """The name in lang, falling back to any language present."""
        return _pick(self.name, lang)

    def text(self, lang: str) -> str:
        """The description in lang, falling back to any language present."""
        return _pick(self.description, lang)


@dataclass(frozen=True)
class ProductCard:
    """A product in one language, for grids and search results."""

    id: str
    name: str
    price: Money
    image: str | None
    category: str


@dataclass(frozen=True)
class StockLevel:
    """How many of a SKU one location holds."""

    sku: str
    location: str
    on_hand: int
    updated_at: str


# --- labels -----------------------------------------------------------------


@cache
def _labels(kind: str) -> dict[str, dict]:
    """Display labels of categories or colours from assets/catalog/<kind>.json (id -> entry)."""
    path = ASSETS_DIR / "catalog" / f"{kind}.json"
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # labels are a nicety: ids still work without them
    return {e["id"]: e for e in entries if isinstance(e, dict) and "id" in e}


def category_label(category: str, lang: str) -> str:
    """Display label of a category id ("shoes" -> "Chaussures" in French)."""
    entry = _labels("categories").get(category)
    return _pick(entry["label"], lang) if entry else category


def color_label(color: str, lang: str) -> str:
    """Display label of a colour id ("black" -> "Noir" in French)."""
    entry = _labels("colors").get(color)
    return _pick(entry["label"], lang) if entry else color


def color_hex(color: str) -> str | None:
    """The swatch colour of a colour id ("#1c1c1e"), None when unknown."""
    entry = _labels("colors").get(color)
    return entry.get("hex") if entry else None


def _pick(texts: dict[str, str], lang: str) -> str:
    if texts.get(lang):
        return texts[lang]
    for other in (*LANGUAGES, *texts):
        if texts.get(other):
            return texts[other]
    return ""


# --- text helpers -----------------------------------------------------------


def fold(text: str) -> str:
    """Case- and accent-free form of text, for sorting ("Été" -> "ete")."""
    if text.isascii():
        return text.casefold()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def match_expression(query: str, columns: str | None = None) -> str | None:
    """Turn typed text into a safe FTS5 query: every word a quoted prefix; None if no words.

    `columns` (an FTS5 column filter like "{name_fr name_en}") limits every word to them.

    Only word characters survive, so quotes, parentheses, `-`, `*`, `:` and
    keywords like NEAR or OR can never reach the FTS5 parser as syntax.
    """
    tokens = re.findall(r"\w+", fold(query))
    if not tokens:
        return None
    terms = []
    for token in tokens[:12]:  # a pasted paragraph must not become a huge query
        term = f'"{token}"*'
        scope = columns or (_SHORT_COLUMNS if len(token) <= _SHORT_TOKEN else None)
        terms.append(f"{scope} : {term}" if scope else term)
    return " AND ".join(terms)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _chunks(items: Sequence, size: int = _CHUNK) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _lang(lang: str) -> str:
    return lang if lang in LANGUAGES else "en"


# --- validation of feed products --------------------------------------------


def _bad(where: str, message: str) -> VitrineError:
    return VitrineError(f"{where}: {message}")


def _text_map(value: object, where: str) -> dict[str, str]:
    if isinstance(value, str):
        return {"fr": value, "en": value}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise _bad(where, "expected a language map like {\"fr\": \"...\", \"en\": \"...\"}")
    return dict(value)


def _cents(amount: str, where: str) -> int:
    try:
        value = Decimal(amount)
    except (InvalidOperation, TypeError):
        raise _bad(where, f"not a decimal amount: {amount!r}") from None
    if not value.is_finite() or value < 0:
        raise _bad(where, f"not a valid price: {amount!r}")
    return int((value * 100).to_integral_value())


def _product_row(p: object, where: str) -> tuple[dict, list[tuple]]:
    """Validate one contract PRODUCT; return its column values and its variant rows."""
    if not isinstance(p, dict):
        raise _bad(where, "expected an object")
    for key in ("id", "category", "updated_at"):
        if not isinstance(p.get(key), str) or not p[key]:
            raise _bad(f"{where}.{key}", "required string")
    name = _text_map(p.get("name"), f"{where}.name")
    description = _text_map(p.get("description", {}), f"{where}.description")
    price = p.get("price")
    if not isinstance(price, dict) or not isinstance(price.get("amount"), str):
        raise _bad(f"{where}.price", "expected {\"amount\": \"129.00\", \"currency\": \"EUR\"}")
    cents = _cents(price["amount"], f"{where}.price.amount")
    images = p.get("images", [])
    if not isinstance(images, list) or not all(isinstance(i, str) for i in images):
        raise _bad(f"{where}.images", "expected a list of URLs")
    variants = p.get("variants", [])
    if not isinstance(variants, list):
        raise _bad(f"{where}.variants", "expected a list")
    rows = []
    for i, v in enumerate(variants):
        vw = f"{where}.variants[{i}]"
        if not isinstance(v, dict) or not isinstance(v.get("sku"), str) or not v["sku"]:
            raise _bad(f"{vw}.sku", "required string")
        ean = v.get("ean")
        if ean is not None and not isinstance(ean, str):
            raise _bad(f"{vw}.ean", "expected a string or null")
        rows.append((v["sku"], p["id"], ean or None, str(v.get("size") or ""), str(v.get("color") or "")))
    columns = {
        "id": p["id"], "body": json.dumps(p, ensure_ascii=False, separators=(",", ":")),
        "category": p["category"], "price_cents": cents,
        "price_amount": str(Money.of(price["amount"], price.get("currency") or "EUR").amount),
        "currency": price.get("currency") or "EUR",
        "name_fr": _pick(name, "fr"), "name_en": _pick(name, "en"),
        "sort_fr": fold(_pick(name, "fr")), "sort_en": fold(_pick(name, "en")),
        "image": images[0] if images else None, "updated_at": p["updated_at"],
        "rank": p.get("rank") if isinstance(p.get("rank"), int) else None,
    }
    fts = (
        columns["name_fr"], columns["name_en"], _pick(description, "fr"), _pick(description, "en"),
        category_label(p["category"], "fr"), category_label(p["category"], "en"),
        " ".join(sorted({f"{color_label(r[4], 'fr')} {color_label(r[4], 'en')}" for r in rows})),
    )
    columns["fts"] = fts
    return columns, rows


# --- the store ----------------------------------------------------------------


_CARD_COLUMNS = (
    "p.id, p.name_{lang}, p.price_amount, p.currency, COALESCE(ip.path, p.image), p.category"
)


class Catalog:
    """Products, variants and stock levels in the bridge database.

    Writes go through `db.write()` (one transaction each); reads use `db.read()`.
    """

    def __init__(self, db) -> None:
        self.db = db

    # writes

    def upsert_products(self, products: list[dict]) -> None:
        """Insert or replace contract PRODUCT dicts (one transaction, any number of them)."""
        parsed = [_product_row(p, f"products[{i}]") for i, p in enumerate(products)]
        if not parsed:
            return
        with self.db.write() as conn:
            base = conn.execute("SELECT COALESCE(MAX(rank), 0) FROM products").fetchone()[0] + 1
            old = _pks(conn, [cols["id"] for cols, _ in parsed])
            if old:  # only products already held have rows to replace
                conn.executemany("DELETE FROM variants WHERE product_id = ?", ((i,) for i in old))
                conn.executemany("DELETE FROM products_fts WHERE rowid = ?", ((pk,) for pk in old.values()))
            conn.executemany(
                """INSERT INTO products (id, body, category, price_cents, price_amount, currency,
                       name_fr, name_en, sort_fr, sort_en, image, updated_at, rank)
                   VALUES (:id, :body, :category, :price_cents, :price_amount, :currency,
                       :name_fr, :name_en, :sort_fr, :sort_en, :image, :updated_at,
                       COALESCE(:rank, :next_rank))
                   ON CONFLICT(id) DO UPDATE SET body = excluded.body,
                       category = excluded.category, price_cents = excluded.price_cents,
                       price_amount = excluded.price_amount, currency = excluded.currency,
                       name_fr = excluded.name_fr, name_en = excluded.name_en,
                       sort_fr = excluded.sort_fr, sort_en = excluded.sort_en,
                       image = excluded.image, updated_at = excluded.updated_at,
                       rank = COALESCE(:rank, products.rank)""",
                ({**cols, "next_rank": base + i} for i, (cols, _) in enumerate(parsed)),
            )
            conn.executemany(
                "INSERT OR REPLACE INTO variants (sku, product_id, ean, size, color) VALUES (?, ?, ?, ?, ?)",
                (row for _, rows in parsed for row in rows),
            )
            pks = _pks(conn, [cols["id"] for cols, _ in parsed])
            conn.executemany(
                f"INSERT INTO products_fts (rowid, {', '.join(_FTS_COLUMNS)}) "
                f"VALUES (?, {', '.join('?' * len(_FTS_COLUMNS))})",
                ((pks[cols["id"]], *cols["fts"]) for cols, _ in parsed),
            )

    def delete_products(self, ids: Iterable[str]) -> None:
        """Remove products (and their variants) that HQ reports as deleted."""
        keys = [(i,) for i in ids]
        with self.db.write() as conn:
            conn.executemany(
                "DELETE FROM products_fts WHERE rowid = (SELECT pk FROM products WHERE id = ?)", keys
            )
            conn.executemany("DELETE FROM variants WHERE product_id = ?", keys)
            conn.executemany("DELETE FROM products WHERE id = ?", keys)

    def upsert_stock(self, levels: list[dict]) -> None:
        """Store stock levels ({sku, location, on_hand, updated_at?}) as HQ reports them."""
        now = _now()
        rows = []
        for i, level in enumerate(levels):
            where = f"levels[{i}]"
            if not isinstance(level, dict):
                raise _bad(where, "expected an object")
            for key in ("sku", "location"):
                if not isinstance(level.get(key), str) or not level[key]:
                    raise _bad(f"{where}.{key}", "required string")
            on_hand = level.get("on_hand")
            if not isinstance(on_hand, int) or isinstance(on_hand, bool):
                raise _bad(f"{where}.on_hand", f"expected an integer, got {on_hand!r}")
            rows.append((level["sku"], level["location"], max(0, on_hand), level.get("updated_at") or now))
        with self.db.write() as conn:
            conn.executemany(
                """INSERT INTO stock (sku, location, on_hand, updated_at) VALUES (?, ?, ?, ?)
                   ON CONFLICT(sku, location) DO UPDATE SET on_hand = excluded.on_hand,
                       updated_at = excluded.updated_at""",
                rows,
            )

    def adjust_stock(self, sku: str, location: str, delta: int) -> None:
        """Apply a sale (negative delta) or a return at once; never below zero."""
        if not isinstance(delta, int) or isinstance(delta, bool):
            raise VitrineError(f"adjust_stock {sku} at {location}: delta must be an integer, got {delta!r}")
        with self.db.write() as conn:
            conn.execute(
                """INSERT INTO stock (sku, location, on_hand, updated_at) VALUES (?, ?, MAX(0, ?), ?)
                   ON CONFLICT(sku, location) DO UPDATE SET
                       on_hand = MAX(0, stock.on_hand + ?), updated_at = excluded.updated_at""",
                (sku, location, delta, _now(), delta),
            )

    def set_image_path(self, url: str, path: str) -> None:
        """Remember that the image at url is cached in the local file path."""
        self.set_image_paths([(url, path)])

    def set_image_paths(self, pairs: Iterable[tuple[str, str]]) -> None:
        """set_image_path for many (url, path) pairs in one transaction."""
        with self.db.write() as conn:
            self.db.utils(conn)["image_paths"].upsert_all(
                {"url": url, "path": str(path)} for url, path in pairs)

    # reads

    def product(self, id: str) -> Product | None:
        """The full product, or None."""
        row = self.db.read().execute("SELECT body FROM products WHERE id = ?", (id,)).fetchone()
        return self._product(row[0]) if row else None

    def find_ean(self, ean: str) -> tuple[Product, Variant] | None:
        """The product and variant of a scanned barcode, or None."""
        return self._find("ean", ean.strip())

    def find_sku(self, sku: str) -> tuple[Product, Variant] | None:
        """The product and variant of a SKU, or None."""
        return self._find("sku", sku.strip())

    def categories(self, lang: str) -> list[str]:
        """Category ids present in the catalog, in display order of their labels in lang."""
        rows = self.db.read().execute("SELECT DISTINCT category FROM products").fetchall()
        return sorted((r[0] for r in rows), key=lambda c: fold(category_label(c, lang)))

    def sizes(self) -> list[str]:
        """Sizes present in the catalog: letter sizes, then numbers, then one-size."""
        rows = self.db.read().execute("SELECT DISTINCT size FROM variants WHERE size != ''").fetchall()
        return sorted((r[0] for r in rows), key=_size_key)

    def colors(self) -> list[str]:
        """Colour ids present in the catalog, in palette order."""
        rows = self.db.read().execute("SELECT DISTINCT color FROM variants WHERE color != ''").fetchall()
        order = {c: i for i, c in enumerate(_labels("colors"))}
        return sorted((r[0] for r in rows), key=lambda c: (order.get(c, len(order)), c))

    def browse(self, *, lang: str, category: str | None = None, size: str | None = None,
               color: str | None = None, sort: str = "featured", offset: int = 0,
               limit: int | None = None) -> list[ProductCard]:
        """One page of product cards, filtered and sorted."""
        if sort not in SORTS:
            raise VitrineError(f"sort: unknown {sort!r} (known: {', '.join(SORTS)})")
        lang = _lang(lang)
        # Without a limit every match is wanted: start from the matching variants.
        source, where, params = _filtered(category, size, color, driving=limit is None)
        sql = (f"SELECT {_CARD_COLUMNS.format(lang=lang)} FROM {source} "
               f"LEFT JOIN image_paths ip ON ip.url = p.image{where} "
               f"ORDER BY {SORTS[sort].format(lang=lang)} LIMIT ? OFFSET ?")
        rows = self.db.read().execute(sql, (*params, -1 if limit is None else limit, offset))
        return [_card(r) for r in rows]

    def count(self, *, category: str | None = None, size: str | None = None,
              color: str | None = None, lang: str | None = None, sort: str | None = None) -> int:
        """How many products browse() would list with these filters (lang and sort are ignored)."""
        source, where, params = _filtered(category, size, color, driving=True)
        return self.db.read().execute(f"SELECT COUNT(*) FROM {source}{where}", params).fetchone()[0]

    def search(self, query: str, *, lang: str, limit: int = 60, size: str | None = None,
               color: str | None = None) -> list[ProductCard]:
        """Products matching typed text in either language, best first (prefix, accent-free)."""
        expression = match_expression(query)
        if expression is None:
            return []
        lang = _lang(lang)
        where, params = _filters(None, size, color)
        conn = self.db.read()
        hits = conn.execute(
            "SELECT COUNT(*) FROM (SELECT rowid FROM products_fts WHERE products_fts MATCH ? LIMIT ?)",
            (expression, _BROAD + 1),
        ).fetchone()[0]
        if hits <= _BROAD:
            sql = (f"SELECT {_CARD_COLUMNS.format(lang=lang)} FROM "
                   f"(SELECT rowid AS pk, bm25(products_fts, {_BM25_WEIGHTS}) AS score "
                   f" FROM products_fts WHERE products_fts MATCH ?) hit "
                   f"JOIN products p ON p.pk = hit.pk LEFT JOIN image_paths ip ON ip.url = p.image"
                   f"{where} ORDER BY hit.score, p.rank LIMIT ?")
            return [_card(r) for r in conn.execute(sql, (expression, *params, limit))]
        # A broad prefix ("e", "sac" in a big catalog): ranking every hit would cost more
        # than a keystroke may, so list name hits, then the others, in catalog order.
        if params:  # filtered: one pass, as a selective filter may have to read every hit
            return self._stream(expression, where, params, lang, limit)
        cards = self._stream(match_expression(query, _NAME_COLUMNS), where, params, lang, limit)
        if len(cards) < limit:
            seen = {c.id for c in cards}
            more = self._stream(expression, where, params, lang, limit + len(cards))
            cards += [c for c in more if c.id not in seen][:limit - len(cards)]
        return cards

    def _stream(self, expression: str | None, where: str, params: list, lang: str,
                limit: int) -> list[ProductCard]:
        """The first `limit` hits in index order: cheap however many match."""
        if expression is None:
            return []
        sql = (f"SELECT {_CARD_COLUMNS.format(lang=lang)} FROM "
               f"(SELECT rowid AS pk FROM products_fts WHERE products_fts MATCH ?) hit "
               f"JOIN products p ON p.pk = hit.pk LEFT JOIN image_paths ip ON ip.url = p.image"
               f"{where} LIMIT ?")
        return [_card(r) for r in self.db.read().execute(sql, (expression, *params, limit))]

    def stock_for_product(self, product_id: str) -> list[StockLevel]:
        """Stock of every variant of a product at every known location."""
        rows = self.db.read().execute(
            """SELECT s.sku, s.location, s.on_hand, s.updated_at FROM variants v
               JOIN stock s ON s.sku = v.sku WHERE v.product_id = ? ORDER BY s.sku, s.location""",
            (product_id,),
        )
        return [StockLevel(*r) for r in rows]

    def stock_for_sku(self, sku: str) -> list[StockLevel]:
        """Stock of one SKU at every known location."""
        rows = self.db.read().execute(
            "SELECT sku, location, on_hand, updated_at FROM stock WHERE sku = ? ORDER BY location",
            (sku,),
        )
        return [StockLevel(*r) for r in rows]

    # helpers

    def _find(self, column: str, value: str) -> tuple[Product, Variant] | None:
        conn = self.db.read()
        row = conn.execute(
            f"""SELECT p.body, v.sku, v.ean, v.size, v.color FROM variants v
                JOIN products p ON p.id = v.product_id WHERE v.{column} = ? LIMIT 1""",
            (value,),
        ).fetchone()
        if not row:
            return None
        return self._product(row[0]), Variant(*row[1:])

    def _product(self, body: str) -> Product:
        p = json.loads(body)
        urls = p.get("images", [])
        local = {}
        for chunk in _chunks(urls):
            marks = ", ".join("?" * len(chunk))
            local.update(self.db.read().execute(
                f"SELECT url, path FROM image_paths WHERE url IN ({marks})", chunk
            ).fetchall())
        price = p["price"]
        return Product(
            id=p["id"], name=_text_map(p["name"], "name"),
            description=_text_map(p.get("description", {}), "description"),
            category=p["category"], price=Money.of(price["amount"], price.get("currency") or "EUR"),
            images=[local.get(u, u) for u in urls],
            variants=[Variant(v["sku"], v.get("ean") or None, str(v.get("size") or ""),
                              str(v.get("color") or "")) for v in p.get("variants", [])],
            updated_at=p["updated_at"],
        )


def _pks(conn, ids: list[str]) -> dict[str, int]:
    """Row keys of the products among ids that are already stored."""
    found: dict[str, int] = {}
    for chunk in _chunks(ids):
        marks = ", ".join("?" * len(chunk))
        found.update(conn.execute(f"SELECT id, pk FROM products WHERE id IN ({marks})", chunk).fetchall())
    return found


def _filters(category: str | None, size: str | None, color: str | None) -> tuple[str, list]:
    """WHERE clause (with leading space, or empty) and its parameters, checked row by row.

    EXISTS on the covering variant indexes is cheapest while walking a sort index or
    search hits, because the walk stops after one page.
    """
    clauses, params = [], []
    if category:
        clauses.append("p.category = ?")
        params.append(category)
    for column, value in (("size", size), ("color", color)):
        if value:
            clauses.append(f"EXISTS (SELECT 1 FROM variants v WHERE v.product_id = p.id AND v.{column} = ?)")
            params.append(value)
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


def _filtered(category: str | None, size: str | None, color: str | None,
              driving: bool) -> tuple[str, str, list]:
    """FROM source, WHERE clause and parameters of a filtered product listing.

    `driving` starts from the product ids of the matching variants (an INTERSECT of
    covering index ranges), which beats row-by-row checks when every match is wanted.
    """
    if not driving or not (size or color):
        where, params = _filters(category, size, color)
        return "products p", where, params
    parts = [(c, v) for c, v in (("size", size), ("color", color)) if v]
    ids = " INTERSECT ".join(f"SELECT DISTINCT product_id FROM variants WHERE {c} = ?" for c, _ in parts)
    source = f"({ids}) m JOIN products p ON p.id = m.product_id"
    params = [v for _, v in parts]
    if category:
        return source, " WHERE p.category = ?", [*params, category]
    return source, "", params


def _card(row: tuple) -> ProductCard:
    id, name, amount, currency, image, category = row
    return ProductCard(id=id, name=name, price=Money(amount, currency), image=image, category=category)


_LETTER_SIZES = ["XXS", "XS", "S", "M", "L", "XL", "XXL"]


def _size_key(size: str) -> tuple:
    if size.upper() in _LETTER_SIZES:
        return (0, _LETTER_SIZES.index(size.upper()), "")
    try:
        return (1, float(size.replace(",", ".")), "")
    except ValueError:
        return (2, 0, size)


def seed_from_assets(catalog: Catalog, store_id: str | None = None, *,
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
