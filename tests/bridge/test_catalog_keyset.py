"""Keyset paging of Catalog.browse (after=): the same pages as offsets, ties included."""

from __future__ import annotations

import pytest

from bridge.errors import VitrineError
from bridge.store.catalog.reads import SORTS
from tests.bridge.test_catalog import catalog, ids, product  # noqa: F401  (catalog: a fixture)

# Prices, names and dates repeat, so every sort has ties that only pk breaks.
TIED = [product(f"t{i:02d}", f"Article {i % 4}", f"Item {i % 3}",
                category="shoes" if i % 2 else "bags", price=("10.00", "25.00", "99.00")[i % 3],
                variants=[("38", "black" if i % 3 else "camel")],
                updated=f"2026-0{1 + i % 5}-01T00:00:00Z") for i in range(23)]


def _walk(catalog, page: int, **query) -> list[str]:
    """Every card id, page by page, each page starting after the last card of the one before."""
    cards = catalog.browse(**query, limit=page)
    seen = ids(cards)
    while cards:
        cards = catalog.browse(**query, limit=page, after=seen[-1])
        seen += ids(cards)
    return seen


@pytest.mark.parametrize("sort", list(SORTS))
@pytest.mark.parametrize("filters", [{}, {"category": "shoes"}, {"color": "black"},
                                     {"category": "bags", "size": "38", "color": "camel"}])
def test_pages_by_key_list_what_offsets_list(catalog, sort, filters):
    catalog.upsert_products(TIED)
    for lang in ("fr", "en"):
        every = ids(catalog.browse(lang=lang, sort=sort, **filters))
        assert every and _walk(catalog, 4, lang=lang, sort=sort, **filters) == every
        assert ids(catalog.browse(lang=lang, sort=sort, limit=5, after=every[2], **filters)) == every[3:8]


def test_after_an_unknown_product_is_refused_by_name(catalog):
    catalog.upsert_products(TIED)
    with pytest.raises(VitrineError, match="after: no product 'gone'"):
        catalog.browse(lang="fr", after="gone", limit=4)


def test_kiosk_page_after_falls_back_to_the_offset_when_the_card_left(catalog):
    from kiosk.logic.data_access import KioskData

    class Side:  # only what KioskData reads from a bridge
        def __init__(self, catalog):
            self.catalog, self.db = catalog, catalog.db

    catalog.upsert_products(TIED)
    data = KioskData(Side(catalog))
    every = ids(catalog.browse(lang="fr"))
    assert ids(data.page_after(every[3], 4, lang="fr", limit=3)) == every[4:7]
    catalog.delete_products([every[3]])
    assert ids(data.page_after(every[3], 3, lang="fr", limit=3)) == every[4:7]
