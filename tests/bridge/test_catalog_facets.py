"""The facet index answers filtered search and count exactly as a plain query on variants does."""

from __future__ import annotations

import pytest

from bridge.store.catalog import Catalog, match_expression
from bridge.store.catalog import search as search_module
from bridge.store.registry import open_database
from tests.bench.make_catalog import make_products

QUERIES = ["e", "sa", "sac", "robe soie", "noir", "black", "cuir", "laine", "zzz"]
FILTERS = [("38", None), (None, "black"), ("M", "navy"), ("TU", "camel"), ("38", "black"), ("99", None)]


def _reference_search(db, query: str, size, color, limit: int, ranked: bool) -> list[str]:
    """Filtered search the straightforward way: every hit checked against variants."""
    where = "".join(f" AND EXISTS (SELECT 1 FROM variants v WHERE v.product_id = p.id AND v.{c} = ?)"
                    for c, v in (("size", size), ("color", color)) if v)
    params = [v for v in (size, color) if v]
    order = "hit.score, p.rank" if ranked else "hit.pk"
    sql = (f"SELECT p.id FROM (SELECT rowid AS pk, bm25(products_fts, {search_module._BM25_WEIGHTS}) AS score "
           f"FROM products_fts WHERE products_fts MATCH ?) hit JOIN products p ON p.pk = hit.pk "
           f"WHERE 1{where} ORDER BY {order} LIMIT ?")
    return [r[0] for r in db.read().execute(sql, (match_expression(query), *params, limit))]


def _reference_count(db, category, size, color) -> int:
    """How many products have the category, some variant of the size and some of the colour."""
    by_product: dict[str, tuple[str, set, set]] = {}
    for pid, cat, s, c in db.read().execute(
            "SELECT p.id, p.category, v.size, v.color FROM products p JOIN variants v ON v.product_id = p.id"):
        entry = by_product.setdefault(pid, (cat, set(), set()))
        entry[1].add(s)
        entry[2].add(c)
    return sum(1 for cat, sizes, colors in by_product.values()
               if (not category or cat == category) and (not size or size in sizes)
               and (not color or color in colors))


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    db = open_database(tmp_path_factory.mktemp("facets") / "catalog.db", synchronous="OFF")
    catalog = Catalog(db)
    products, _ = make_products(1500)
    catalog.upsert_products(products)
    # Changes after the first load must reach the index: a re-upsert with other variants,
    # a SKU moving to another product, deleted products.
    changed = dict(products[3], variants=[{"sku": "NEW-1", "size": "99", "color": "black"}])
    thief = dict(products[10], variants=[*products[10]["variants"], *products[11]["variants"]])
    catalog.upsert_products([changed, thief])
    catalog.delete_products([products[20]["id"], products[21]["id"]])
    yield db, catalog
    db.close()


@pytest.mark.parametrize("size,color", FILTERS)
@pytest.mark.parametrize("broad", [2000, 40])
def test_filtered_search_equals_the_reference(generated, monkeypatch, size, color, broad):
    db, catalog = generated
    monkeypatch.setattr(search_module, "_BROAD", broad)  # 40: the unranked path for broad queries
    for query in QUERIES:
        hits = db.read().execute("SELECT COUNT(*) FROM products_fts WHERE products_fts MATCH ?",
                                 (match_expression(query),)).fetchone()[0]
        got = [c.id for c in catalog.search(query, lang="en", size=size, color=color, limit=25)]
        assert got == _reference_search(db, query, size, color, 25, ranked=hits <= broad), (query, size, color)


@pytest.mark.parametrize("category", [None, "bags", "shoes", "ready-to-wear"])
@pytest.mark.parametrize("size,color", FILTERS)
def test_filtered_count_equals_the_reference(generated, category, size, color):
    db, catalog = generated
    expected = _reference_count(db, category, size, color)
    assert catalog.count(category=category, size=size, color=color) == expected
    assert len(catalog.browse(lang="en", category=category, size=size, color=color)) == expected


def test_moved_and_replaced_variants_are_reflected(generated):
    db, catalog = generated
    assert catalog.count(size="99") == 1
    assert [c.id for c in catalog.browse(lang="en", size="99")] == ["bx-100003"]
    robbed = "bx-100011"  # all its SKUs moved to bx-100010: it matches no size or colour now
    for color in catalog.colors():
        assert robbed not in {c.id for c in catalog.search("e", lang="en", color=color, limit=2000)}
        assert catalog.count(color=color) == _reference_count(db, None, None, color), color
    for size in catalog.sizes():
        assert catalog.count(size=size) == _reference_count(db, None, size, None), size
