""""For you" as plain Python: saved pieces and what goes with them, their size here first,
built from the shop-floor view only (real SQLite catalog, no window)."""

from __future__ import annotations

import pytest

from bridge.store.catalog import Catalog
from bridge.store.registry import open_database
from kiosk.logic.session import SavedItem, Session
from kiosk.logic.suggestions import ShopFloorView, for_you, shop_floor_view

HERE = "store:paris-marais"


def piece(pid, category, collection, sizes):
    return {"id": pid, "name": {"fr": f"{pid} fr", "en": f"{pid} en"}, "category": category,
            "collection": collection, "price": {"amount": "100.00", "currency": "EUR"},
            "images": [f"images/{pid}.jpg"],
            "variants": [{"sku": f"{pid}-{s}", "size": s, "color": "black"} for s in sizes],
            "updated_at": "2026-01-01T00:00:00Z"}


@pytest.fixture
def catalog(tmp_path):
    db = open_database(tmp_path / "vitrine.db", synchronous="NORMAL")
    catalog = Catalog(db)
    catalog.upsert_products([
        piece("dress", "ready-to-wear", "a", ["S", "M"]), piece("coat", "ready-to-wear", "b", ["S", "M"]),
        piece("tote", "bags", "a", ["TU"]), piece("pumps", "shoes", "a", ["38", "39"]),
        piece("belt", "accessories", "b", ["TU"]), piece("scarf", "accessories", "a", ["TU"]),
    ])
    here = {"dress-S": 2, "dress-M": 0, "coat-S": 1, "coat-M": 3, "tote-TU": 1,
            "pumps-38": 0, "pumps-39": 0, "belt-TU": 2, "scarf-TU": 0}
    catalog.upsert_stock([{"sku": s, "location": HERE, "on_hand": n} for s, n in here.items()]
                         + [{"sku": "scarf-TU", "location": "store:lyon", "on_hand": 5}])
    yield catalog
    db.close()


def test_saved_pieces_in_their_size_here_come_first_then_what_goes_with_them(catalog):
    view = ShopFloorView("Léa", (SavedItem("dress", "dress-M"), SavedItem("coat")))
    picks = for_you(view, catalog, here=HERE, lang="en")
    # their size is M (the dress they saved in M): the coat in M stands here, the dress in M does not
    assert [(p.product_id, p.sku, p.here) for p in picks.saved] == [("coat", "coat-M", 3), ("dress", "dress-M", 0)]
    assert picks.saved[0].name == "coat en" and picks.saved[0].their_size
    # coat's collection gives the belt, the dress's the tote; pumps and scarf are not in stock here
    assert [p.product_id for p in picks.goes_with] == ["belt", "tote"]
    assert all(p.here > 0 for p in picks.goes_with)
    assert picks.first_name == "Léa" and not picks.offline


def test_no_saved_pieces_gives_an_empty_list(catalog):
    assert for_you(ShopFloorView("Léa", ()), catalog, here=HERE, lang="fr").is_empty()


def test_a_saved_piece_no_longer_in_the_catalog_is_left_out(catalog):
    picks = for_you(ShopFloorView(None, (SavedItem("gone"), SavedItem("tote"))), catalog, here=HERE, lang="fr")
    assert [p.product_id for p in picks.saved] == ["tote"]


def test_the_shared_screen_view_holds_first_name_and_saved_items_only(catalog):
    session = Session(lambda *a, **k: "id", device_id="k")
    session.identify("p-1")
    session.apply_profile({"id": "p-1", "first_name": "Léa", "email": "lea@example.com",
                           "purchases": [{"product_id": "pumps"}], "last_name": "Martin",
                           "saved_items": [{"product_id": "dress", "sku": "dress-M"}]})
    view = shop_floor_view(session)
    picks = for_you(view, catalog, here=HERE, lang="fr")
    shown = repr(view) + repr(picks)
    for secret in ("lea@example.com", "Martin", "pumps"):
        assert secret not in shown
    assert [p.product_id for p in picks.saved] == ["dress"]


def test_offline_profile_falls_back_to_what_this_kiosk_knows(catalog):
    session = Session(lambda *a, **k: "id", device_id="k")
    session.identify("p-1")
    session.save("coat", "coat-S")
    session.profile_unavailable()
    picks = for_you(shop_floor_view(session), catalog, here=HERE, lang="fr")
    assert picks.offline and [p.sku for p in picks.saved] == ["coat-S"]
    assert [p.product_id for p in picks.goes_with] == ["belt"]
    session.apply_profile({"id": "p-1", "saved_items": []})
    assert not shop_floor_view(session).offline
