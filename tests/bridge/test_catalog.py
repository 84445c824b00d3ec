"""The local catalog: search, browse, stock, and the committed sample files."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from bridge.store.catalog import Catalog, Product, ProductCard, Variant, match_expression, seed_from_assets
from bridge.store.catalog.writes import adjust_known_stock
from bridge.store.registry import open_database
from bridge.errors import VitrineError
from bridge.money import Money

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "assets" / "catalog"
LOCATIONS = {"store:paris-marais", "store:lyon-presquile", "store:bordeaux-intendance", "online"}
sys.path.insert(0, str(ROOT / "tests" / "bench"))
from make_catalog import ean13, make_products  # noqa: E402


@pytest.fixture
def catalog(tmp_path):
    db = open_database(tmp_path / "vitrine.db", synchronous="NORMAL")
    yield Catalog(db)
    db.close()


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory):
    db = open_database(tmp_path_factory.mktemp("sample") / "vitrine.db", synchronous="OFF")
    seed_from_assets(Catalog(db))
    yield Catalog(db)
    db.close()


def product(pid, fr, en, *, category="shoes", price="100.00", variants=(), desc=None, updated="2026-01-01T00:00:00Z"):
    return {
        "id": pid, "name": {"fr": fr, "en": en},
        "description": desc or {"fr": f"Description de {fr}.", "en": f"Description of {en}."},
        "category": category, "price": {"amount": price, "currency": "EUR"},
        "images": [f"https://hq.example/img/{pid}.jpg"],
        "variants": [{"sku": f"{pid}-{s}-{c}", "ean": None, "size": s, "color": c} for s, c in variants],
        "updated_at": updated,
    }


SMALL = [
    product("p1", "Escarpins en cuir verni", "Patent leather pumps", price="450.00",
            variants=[("38", "black"), ("39", "black")], updated="2026-03-01T00:00:00Z"),
    product("p2", "Sac seau en daim", "Suede bucket bag", category="bags", price="690.00",
            variants=[("TU", "camel")], updated="2026-05-01T00:00:00Z"),
    product("p3", "Manteau croisé en laine", "Double-breasted wool coat", category="ready-to-wear",
            price="1290.00", variants=[("S", "navy"), ("M", "navy"), ("M", "camel")],
            desc={"fr": "Idéal pour l'été indien.", "en": "For crisp autumn days."},
            updated="2026-02-01T00:00:00Z"),
    product("p4", "Bottines à talon", "Heeled ankle boots", price="89.00",
            variants=[("38", "cognac")], updated="2026-04-01T00:00:00Z"),
]


def ids(cards):
    return [c.id for c in cards]


def test_search_ignores_case_and_accents_in_both_languages(catalog):
    catalog.upsert_products(SMALL)
    assert ids(catalog.search("escarpin", lang="fr")) == ["p1"]
    assert ids(catalog.search("ESCARPINS", lang="fr")) == ["p1"]
    assert ids(catalog.search("croise", lang="fr")) == ["p3"]
    assert ids(catalog.search("ETE", lang="fr")) == ["p3"]
    assert ids(catalog.search("pumps", lang="en")) == ["p1"]
    assert ids(catalog.search("Wool Coat", lang="en")) == ["p3"]
    assert catalog.search("pumps", lang="fr")[0].name == "Escarpins en cuir verni"
    assert catalog.search("pumps", lang="en")[0].name == "Patent leather pumps"


def test_search_matches_prefixes_as_you_type(catalog):
    catalog.upsert_products(SMALL)
    for typed in ("e", "es", "esc", "escar", "escarpins"):
        assert "p1" in ids(catalog.search(typed, lang="fr")), typed
    assert ids(catalog.search("sac se", lang="fr")) == ["p2"]
    assert catalog.search("zzz", lang="fr") == []


def test_search_finds_category_labels_and_colours(catalog):
    catalog.upsert_products(SMALL)
    assert set(ids(catalog.search("chaussures", lang="fr"))) == {"p1", "p4"}
    assert set(ids(catalog.search("shoes", lang="en"))) == {"p1", "p4"}
    assert ids(catalog.search("noir", lang="fr")) == ["p1"]


def test_search_ranks_name_hits_first(catalog):
    catalog.upsert_products(SMALL + [product(
        "p5", "Ceinture fine", "Thin belt", category="accessories",
        desc={"fr": "Se porte avec des escarpins.", "en": "Wear it with pumps."})])
    assert ids(catalog.search("escarpins", lang="fr")) == ["p1", "p5"]


@pytest.mark.parametrize("typed", [
    '"', "'", '"unbalanced', "(", ")", "escarpin)", "a OR b", "NEAR(sac daim)", "sac NEAR daim",
    "-", "--sac", "*", "sac*", "^sac", "name_fr:sac", "{name_fr}: sac", "AND", "NOT", "+", "",
    "   ", "😀", "l'été", "sac - daim", "\x00", "a" * 500, " ".join(["sac"] * 100),
])
def test_search_never_raises_on_fts_syntax(catalog, typed):
    catalog.upsert_products(SMALL)
    assert isinstance(catalog.search(typed, lang="fr"), list)


def test_match_expression_quotes_every_token():
    assert match_expression('sac" NEAR (daim') == '"sac"* AND "near"* AND "daim"*'
    assert match_expression("Été") == '"ete"*'
    assert match_expression("()*-") is None


def test_search_with_size_and_color_filters(catalog):
    catalog.upsert_products(SMALL)
    assert ids(catalog.search("manteau", lang="fr", color="camel")) == ["p3"]
    assert catalog.search("manteau", lang="fr", color="black") == []
    assert ids(catalog.search("en", lang="fr", size="38")) == ["p1"]


def test_browse_filters_and_counts(catalog):
    catalog.upsert_products(SMALL)
    assert set(ids(catalog.browse(lang="fr", category="shoes"))) == {"p1", "p4"}
    assert ids(catalog.browse(lang="fr", size="M")) == ["p3"]
    assert ids(catalog.browse(lang="fr", color="camel")) == ["p2", "p3"]
    assert ids(catalog.browse(lang="fr", category="shoes", size="38", color="cognac")) == ["p4"]
    assert catalog.count(category="shoes") == 2
    assert catalog.count(size="38") == 2
    assert catalog.count(color="navy", size="S") == 1
    assert catalog.count() == 4


def test_browse_sorts_and_pages(catalog):
    catalog.upsert_products(SMALL)
    assert ids(catalog.browse(lang="fr")) == ["p1", "p2", "p3", "p4"]  # featured = feed order
    assert ids(catalog.browse(lang="fr", sort="price_asc")) == ["p4", "p1", "p2", "p3"]
    assert ids(catalog.browse(lang="fr", sort="price_desc")) == ["p3", "p2", "p1", "p4"]
    assert ids(catalog.browse(lang="fr", sort="newest")) == ["p2", "p4", "p1", "p3"]
    # "Bottines" < "Escarpins" < "Manteau" < "Sac" in French; English names sort differently
    assert ids(catalog.browse(lang="fr", sort="name")) == ["p4", "p1", "p3", "p2"]
    assert ids(catalog.browse(lang="en", sort="name")) == ["p3", "p4", "p1", "p2"]
    assert ids(catalog.browse(lang="fr", sort="price_asc", offset=1, limit=2)) == ["p1", "p2"]
    with pytest.raises(VitrineError, match="sort"):
        catalog.browse(lang="fr", sort="random")


def test_browse_returns_cards_in_one_language(catalog):
    catalog.upsert_products(SMALL)
    card = catalog.browse(lang="en", category="bags")[0]
    assert card == ProductCard(id="p2", name="Suede bucket bag", price=Money("690.00", "EUR"),
                               image="https://hq.example/img/p2.jpg", category="bags")


def test_upsert_replaces_product_variants_and_search_text(catalog):
    catalog.upsert_products(SMALL)
    changed = product("p1", "Mules en satin", "Satin mules", price="300.00", variants=[("37", "red")])
    catalog.upsert_products([changed])
    assert catalog.search("escarpins", lang="fr") == []
    assert ids(catalog.search("mules", lang="fr")) == ["p1"]
    assert catalog.find_sku("p1-38-black") is None
    assert catalog.product("p1").variants == [Variant("p1-37-red", None, "37", "red")]
    assert ids(catalog.browse(lang="fr"))[0] == "p1"  # keeps its featured rank
    catalog.delete_products(["p1", "p2"])
    assert catalog.product("p1") is None and catalog.count() == 2
    assert catalog.search("mules", lang="fr") == []


def test_upsert_names_the_bad_field(catalog):
    bad = product("p9", "Sac", "Bag")
    bad["price"] = {"amount": "abc", "currency": "EUR"}
    with pytest.raises(VitrineError, match=r"products\[1\]\.price\.amount"):
        catalog.upsert_products([SMALL[0], bad])
    bad = product("p9", "Sac", "Bag", variants=[("TU", "black")])
    del bad["variants"][0]["sku"]
    with pytest.raises(VitrineError, match=r"products\[0\]\.variants\[0\]\.sku"):
        catalog.upsert_products([bad])
    assert catalog.count() == 0


def test_bulk_insert_is_complete_and_consistent(catalog):
    products, stock = make_products(3000, seed=3)
    catalog.upsert_products(products)
    catalog.upsert_stock(stock)
    assert catalog.count() == 3000
    tables = catalog.db.utils()
    assert tables["variants"].count == sum(len(p["variants"]) for p in products)
    assert tables["products_fts"].count == 3000
    assert tables["stock"].count == len(stock)
    sample = products[1234]
    got = catalog.product(sample["id"])
    assert got.title("en") == sample["name"]["en"] and got.price == Money(sample["price"]["amount"], "EUR")
    assert len(catalog.browse(lang="fr", category="shoes", limit=24)) == 24
    assert catalog.count(category="bags") == len([p for p in products if p["category"] == "bags"])
    pages = [c for offset in range(0, 3000, 700) for c in catalog.browse(lang="fr", sort="price_asc",
                                                                         offset=offset, limit=700)]
    assert len({c.id for c in pages}) == 3000
    prices = [c.price.decimal() for c in pages]
    assert prices == sorted(prices)
    catalog.upsert_products(products[:500])  # a second pull of the same products changes nothing
    assert catalog.count() == 3000
    assert tables["products_fts"].count == 3000


def test_adjust_stock_clamps_at_zero_and_creates_rows(catalog):
    catalog.upsert_products(SMALL)
    catalog.upsert_stock([{"sku": "p1-38-black", "location": "store:paris-marais", "on_hand": 2}])
    catalog.adjust_stock("p1-38-black", "store:paris-marais", -1)
    assert catalog.stock_for_sku("p1-38-black")[0].on_hand == 1
    catalog.adjust_stock("p1-38-black", "store:paris-marais", -5)
    assert catalog.stock_for_sku("p1-38-black")[0].on_hand == 0
    catalog.adjust_stock("p1-38-black", "store:paris-marais", 1)  # a return
    assert catalog.stock_for_sku("p1-38-black")[0].on_hand == 1
    catalog.adjust_stock("p1-39-black", "online", 3)
    catalog.adjust_stock("p1-39-black", "store:lyon-presquile", -2)
    levels = {(s.sku, s.location): s.on_hand for s in catalog.stock_for_product("p1")}
    assert levels == {("p1-38-black", "store:paris-marais"): 1, ("p1-39-black", "online"): 3,
                      ("p1-39-black", "store:lyon-presquile"): 0}
    with pytest.raises(VitrineError, match="delta"):
        catalog.adjust_stock("p1-38-black", "online", 0.5)


def test_adjust_known_stock_applies_a_batch_like_one_move_per_sku(catalog):
    """The receipts' batch path: new rows, existing rows, the floor at zero, unknown SKUs
    and zero deltas left out, one feed change per SKU moved, in the batch's order."""
    odd = {"sku": 'p9-"quoted"-été', "ean": None, "size": "TU", "color": "black"}
    catalog.upsert_products(SMALL + [{**product("p9", "Étole", "Stole"), "variants": [odd]}])
    loc = "store:paris-marais"
    catalog.upsert_stock([{"sku": "p1-38-black", "location": loc, "on_hand": 2},
                          {"sku": "p3-M-navy", "location": loc, "on_hand": 4}])
    deltas = {"p3-M-navy": -1, "p1-38-black": -5, "not-in-catalog": -1, "p2-TU-camel": 3,
              "p4-38-cognac": 0, odd["sku"]: -2}
    with catalog.db.write() as conn:
        before = conn.execute("SELECT max(change) FROM feed_stock").fetchone()[0]
        adjust_known_stock(conn, loc, deltas)
        moved = [r[0] for r in conn.execute("SELECT sku FROM feed_stock WHERE change > ? ORDER BY change",
                                            (before,))]
    levels = {s.sku: s.on_hand for p in ("p1", "p2", "p3", "p4", "p9")
              for s in catalog.stock_for_product(p) if s.location == loc}
    assert levels == {"p1-38-black": 0, "p3-M-navy": 3, "p2-TU-camel": 3, odd["sku"]: 0}
    assert moved == ["p3-M-navy", "p1-38-black", "p2-TU-camel", odd["sku"]]


def test_find_ean_and_sku(catalog):
    p = product("p7", "Pochette", "Clutch", category="bags")
    p["variants"] = [{"sku": "MV-7-TU-BLK", "ean": "3760000000017", "size": "TU", "color": "black"}]
    catalog.upsert_products([p])
    found = catalog.find_ean("3760000000017")
    assert found is not None
    got, variant = found
    assert isinstance(got, Product) and got.id == "p7" and variant.sku == "MV-7-TU-BLK"
    assert catalog.find_sku("MV-7-TU-BLK")[1].ean == "3760000000017"
    assert catalog.find_ean("0000000000000") is None


def test_images_are_local_paths_once_cached(catalog, tmp_path):
    catalog.upsert_products(SMALL[:1])
    assert catalog.product("p1").images == ["https://hq.example/img/p1.jpg"]
    catalog.set_image_path("https://hq.example/img/p1.jpg", str(tmp_path / "p1.jpg"))
    assert catalog.product("p1").images == [str(tmp_path / "p1.jpg")]
    assert catalog.browse(lang="fr")[0].image == str(tmp_path / "p1.jpg")
    catalog.set_image_paths([("https://hq.example/img/p1.jpg", tmp_path / "p1-v2.jpg")])
    assert catalog.product("p1").images == [str(tmp_path / "p1-v2.jpg")]
    assert catalog.db.utils()["image_paths"].count == 1


# --- the committed sample -----------------------------------------------------


def load(name):
    return json.loads((SAMPLE / name).read_text(encoding="utf-8"))


def test_sample_products_are_complete_and_bilingual():
    products = load("products.json")
    categories = {c["id"] for c in load("categories.json")}
    colors = {c["id"] for c in load("colors.json")}
    assert 50 <= len(products) <= 80
    assert len({p["id"] for p in products}) == len(products)
    assert categories == {"bags", "shoes", "ready-to-wear", "accessories"}
    for p in products:
        for field in ("name", "description"):
            assert p[field]["fr"].strip() and p[field]["en"].strip(), (p["id"], field)
            assert p[field]["fr"] != p[field]["en"], (p["id"], field)
        assert p["category"] in categories
        assert Money.of(p["price"]["amount"], "EUR").amount == p["price"]["amount"]
        assert len(p["images"]) == 2
        for image in p["images"]:
            assert (SAMPLE / image).is_file(), image
        for v in p["variants"]:
            assert v["color"] in colors
            assert ean13(v["ean"][:12]) == v["ean"] and v["ean"].startswith("376"), v
    skus = [v["sku"] for p in products for v in p["variants"]]
    assert len(set(skus)) == len(skus)


def test_sample_stock_covers_every_variant_at_every_location():
    skus = {v["sku"] for p in load("products.json") for v in p["variants"]}
    rows = load("stock.json")
    seen = {(r["sku"], r["location"]) for r in rows}
    assert len(seen) == len(rows)
    assert seen == {(s, loc) for s in skus for loc in LOCATIONS}
    on_hand = [r["on_hand"] for r in rows]
    assert 0 in on_hand and 1 in on_hand and all(0 <= n <= 30 for n in on_hand)


def test_sample_seeds_a_usable_offline_catalog(sample_db):
    products = load("products.json")
    assert sample_db.count() == len(products)
    first = sample_db.product(products[0]["id"])
    assert all(Path(i).is_absolute() and Path(i).is_file() for i in first.images)
    card = sample_db.browse(lang="fr", limit=1)[0]
    assert card.image and Path(card.image).is_file()
    assert sample_db.search("escarpins", lang="fr")
    assert sample_db.search("sac", lang="fr")
    assert sample_db.search("bag", lang="en")
    assert sample_db.categories("fr") and set(sample_db.sizes()) >= {"TU", "38", "M"}
    ean = products[0]["variants"][0]["ean"]
    assert sample_db.find_ean(ean)[0].id == products[0]["id"]
    assert len(sample_db.stock_for_product(products[0]["id"])) == 4 * len(products[0]["variants"])
