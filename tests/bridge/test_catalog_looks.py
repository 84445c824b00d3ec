"""Collections ("Complete the look") and per-store locations ("Where is it?") in the catalog."""

from __future__ import annotations

import json
import sqlite3

import pytest

from bridge.errors import VitrineError
from bridge.store.catalog import Catalog, seed_from_assets
from bridge.store.catalog.schema import MIGRATIONS
from bridge.store.database import Database
from bridge.store.registry import collect_migrations, open_database

HERE = "store:paris-marais"


def piece(pid, category, collection=None, locations=None, sizes=("M",)):
    p = {"id": pid, "name": {"fr": f"Pièce {pid}", "en": f"Piece {pid}"}, "category": category,
         "price": {"amount": "100.00", "currency": "EUR"}, "images": [],
         "variants": [{"sku": f"{pid}-{s}", "size": s, "color": "black"} for s in sizes],
         "updated_at": "2026-01-01T00:00:00Z"}
    if collection is not None:
        p["collection"] = collection
    if locations is not None:
        p["locations"] = locations
    return p


@pytest.fixture
def catalog(tmp_path):
    db = open_database(tmp_path / "vitrine.db", synchronous="NORMAL")
    yield Catalog(db)
    db.close()


def stock(catalog, **on_hand_here):
    catalog.upsert_stock([{"sku": f"{pid}-M", "location": HERE, "on_hand": n} for pid, n in on_hand_here.items()])


def test_complete_the_look_is_the_same_collection_in_other_categories_in_stock_here(catalog):
    catalog.upsert_products([
        piece("coat", "ready-to-wear", "rivoli"), piece("tote", "bags", "rivoli"),
        piece("pumps", "shoes", "rivoli"), piece("boots", "shoes", "rivoli"),
        piece("dress", "ready-to-wear", "rivoli"),       # same category as the coat
        piece("clutch", "bags", "soiree"),               # another collection
        piece("belt", "accessories", "rivoli"),          # out of stock here
    ])
    stock(catalog, coat=1, tote=2, pumps=1, boots=3, dress=4, clutch=5, belt=0)
    catalog.upsert_stock([{"sku": "belt-M", "location": "store:lyon", "on_hand": 9}])
    look = catalog.complete_the_look("coat", location=HERE, lang="en")
    assert [c.id for c in look] == ["tote", "pumps", "boots"]
    assert look[0].name == "Piece tote"
    assert [c.id for c in catalog.complete_the_look("coat", location=HERE, lang="fr", limit=1)] == ["tote"]


def test_no_collection_means_no_look(catalog):
    catalog.upsert_products([piece("a", "bags"), piece("b", "shoes")])
    stock(catalog, a=1, b=1)
    assert catalog.complete_the_look("a", location=HERE, lang="fr") == []
    assert catalog.complete_the_look("unknown", location=HERE, lang="fr") == []
    assert catalog.product("a").collection is None


def test_location_is_per_store_and_in_both_languages(catalog):
    catalog.upsert_products([piece("tote", "bags", "rivoli", locations=[
        {"store_id": "paris-marais", "label": {"fr": "Rez-de-chaussée, mur des sacs", "en": "Ground floor, bag wall"},
         "plan": {"x": 0.1, "y": 0.4}},
        {"store_id": "lyon", "label": "Entrée"},
    ])])
    here = catalog.location("tote", "paris-marais")
    assert here.text("fr") == "Rez-de-chaussée, mur des sacs" and here.text("en") == "Ground floor, bag wall"
    assert (here.x, here.y) == (0.1, 0.4)
    lyon = catalog.location("tote", "lyon")
    assert lyon.text("en") == "Entrée" and lyon.x is None
    assert catalog.location("tote", "bordeaux") is None
    assert catalog.product("tote").collection == "rivoli"


def test_a_new_version_replaces_locations_and_deleting_removes_them(catalog):
    catalog.upsert_products([piece("tote", "bags", locations=[{"store_id": "paris-marais", "label": "A"}])])
    catalog.upsert_products([piece("tote", "bags", locations=[{"store_id": "lyon", "label": "B"}])])
    assert catalog.location("tote", "paris-marais") is None
    assert catalog.location("tote", "lyon").text("fr") == "B"
    catalog.delete_products(["tote"])
    assert catalog.location("tote", "lyon") is None


@pytest.mark.parametrize(("field", "value", "where"), [
    ("collection", 12, "products[0].collection"),
    ("locations", {"paris-marais": "A"}, "products[0].locations"),
    ("locations", [{"label": "A"}], r"products\[0\].locations\[0\].store_id"),
    ("locations", [{"store_id": "s", "label": 3}], r"products\[0\].locations\[0\].label"),
    ("locations", [{"store_id": "s", "label": "A", "plan": {"x": 1.5, "y": 0}}],
     r"products\[0\].locations\[0\].plan.x"),
    ("locations", [{"store_id": "s", "label": "A", "plan": {"x": 0.5}}], r"products\[0\].locations\[0\].plan.y"),
])
def test_bad_collection_or_location_is_refused_naming_the_field(catalog, field, value, where):
    bad = piece("p", "bags")
    bad[field] = value
    with pytest.raises(VitrineError, match=where.replace("[0]", r"\[0\]") if "\\" not in where else where):
        catalog.upsert_products([bad])
    assert catalog.product("p") is None  # nothing half-written


def test_migration_11_backfills_collections_of_products_already_held(tmp_path):
    path = tmp_path / "old.db"
    old = Database.open(path, "NORMAL", migrations=[m for m in collect_migrations() if m[0] < 11])
    with old.write() as conn:  # rows as a version-10 bridge wrote them: the feed body only
        conn.executemany(
            """INSERT INTO products (id, body, category, price_cents, price_amount, currency, name_fr,
                   name_en, sort_fr, sort_en, updated_at, rank) VALUES (?, ?, ?, 0, '0', 'EUR', ?, ?, ?, ?, '', 1)""",
            [(p["id"], json.dumps(p), p["category"], *[p["id"]] * 4)
             for p in (piece("tote", "bags", "rivoli"), piece("pumps", "shoes"), piece("odd", "bags", ""))])
    old.close()
    with sqlite3.connect(path) as conn:
        assert "collection" not in {r[1] for r in conn.execute("PRAGMA table_info(products)")}
    db = open_database(path, synchronous="NORMAL")
    try:
        rows = dict(db.read().execute("SELECT id, collection FROM products").fetchall())
        assert rows == {"tote": "rivoli", "pumps": None, "odd": None}
        assert [v for v, *_ in MIGRATIONS][:2] == [10, 11]  # 12 (facets) came later
    finally:
        db.close()


def test_every_sample_product_has_a_collection_and_a_place_in_the_demo_store(tmp_path):
    db = open_database(tmp_path / "sample.db", synchronous="OFF")
    try:
        catalog = Catalog(db)
        seed_from_assets(catalog)
        ids = [r[0] for r in db.read().execute("SELECT id FROM products")]
        assert len(ids) == 60
        for pid in ids:
            assert catalog.product(pid).collection, pid
            where = catalog.location(pid, "paris-marais")
            assert where and where.text("fr") and where.text("en") and where.x is not None, pid
            assert catalog.location(pid, "lyon-presquile"), pid
        looks = {pid: catalog.complete_the_look(pid, location=HERE, lang="fr") for pid in ids}
        assert sum(1 for cards in looks.values() if len(cards) >= 3) >= 50
        tote = catalog.product("mv-1001")
        assert all(catalog.product(c.id).collection == tote.collection and c.category != "bags"
                   for c in looks["mv-1001"])
    finally:
        db.close()


def test_hq_serves_collection_and_locations_and_the_bridge_keeps_them(open_bridge, tmp_path):
    from hq.embedded import serve_in_thread

    running = serve_in_thread(tmp_path / "hq.db")  # seeded from assets/catalog/
    try:
        bridge = open_bridge(hq={"url": running.url})
        bridge.sync()
        assert bridge.catalog.product("mv-1001").collection == "rivoli"
        where = bridge.catalog.location("mv-1001", "paris-marais")
        assert where.text("fr") == "Rez-de-chaussée, mur des sacs"
        body = json.loads(bridge.db.read().execute(
            "SELECT body FROM products WHERE id = 'mv-1016'").fetchone()[0])
        assert body["collection"] == "soiree"
    finally:
        running.stop()
