"""The screens' data access and stock texts, as plain Python on a real seeded bridge (no window)."""

from __future__ import annotations

import time

import pytest

from bridge.facade import Bridge
from bridge.app_token import REPLAYED
from bridge.store.catalog import StockLevel, seed_from_assets
from bridge.config import parse_settings
from kiosk.logic.data_access import KioskData, TokenRefused
from kiosk.logic.stock_view import availability, lookup, size_label, stock_rows
from tests.scanner import tokens_helper as tokens

HERE = "store:paris-marais"


@pytest.fixture(scope="module")
def bridge(tmp_path_factory):
    folder = tmp_path_factory.mktemp("stock-view")
    settings = parse_settings({"store": {"id": "paris-marais", "name": "Maison Vitrine"},
                               "bridge": {"database": str(folder / "kiosk.db")},
                               "hq": {"url": "http://127.0.0.1:9"}}, source=str(folder / "config.toml"))
    opened = Bridge.open(settings)
    seed_from_assets(opened.catalog, "paris-marais")
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def data(bridge) -> KioskData:
    return KioskData(bridge)


def level(sku: str, location: str, on_hand: int) -> StockLevel:
    return StockLevel(sku, location, on_hand, "2026-11-23T13:00:00Z")


def test_browse_count_and_product_agree(data):
    cards = data.browse(lang="fr")
    assert len(cards) == data.count() > 0
    product = data.product(cards[0].id)
    assert product is not None and product.id == cards[0].id


def test_staff_lookup_finds_an_ean_exactly_and_words_by_search(data):
    product = data.product(data.browse(lang="en", limit=1)[0].id)
    variant = next(v for v in product.variants if v.ean)
    assert lookup(data, variant.ean, "en") == [{"product_id": product.id, "sku": variant.sku,
                                                "name": product.title("en"), "detail": variant.sku}]
    word = product.title("en").split()[0]
    assert product.id in [row["product_id"] for row in lookup(data, word, "en")]
    assert lookup(data, "   ", "en") == []


def test_stock_rows_split_here_other_stores_and_online(data):
    product = data.product(data.browse(lang="fr", limit=1)[0].id)
    sku = product.variants[0].sku
    table = stock_rows(product, [level(sku, HERE, 2), level(sku, "store:lyon", 3),
                                 level(sku, "online", 7)], HERE, "fr")
    first = table["rows"][0]
    assert (first["sku"], first["here"], first["other"], first["online"]) == (sku, 2, 3, 7)
    assert table["others"] == {"store:lyon": 3}
    assert table["as_of"] is not None


def test_availability_says_last_one_and_where_else():
    levels = [level("A-M", HERE, 1), level("A-M", "store:lyon", 0), level("A-M", "online", 4)]
    lines = availability(levels, "A-M", HERE, lambda text: text)
    assert lines == ["Last one here", "Not in our other stores", "Available online"]
    assert availability(levels, None, HERE, lambda text: text) == ["Choose a size to see availability"]
    assert size_label("TU", lambda text: text) == "One size" and size_label("M", str) == "M"


def test_an_app_token_verifies_once_then_is_refused_as_replayed(bridge, data):
    pair = tokens.KeyPair.generate("stock-view-1")
    bridge.state.set_jwks(tokens.jwks(pair))
    token = tokens.sign(pair, tokens.claims("prof-42", now=time.time()))
    assert data.verify_app_token(token) == "prof-42"
    with pytest.raises(TokenRefused) as refused:
        data.verify_app_token(token)
    assert refused.value.reason == REPLAYED
