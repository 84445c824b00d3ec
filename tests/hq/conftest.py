"""Fixtures: a reference HQ on 127.0.0.1 over a small catalog written to tmp_path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests
from PIL import Image

from hq.embedded import serve_in_thread

from hq_helpers import AUTH, OTHER_TOKEN, TOKEN, product


@pytest.fixture
def catalog_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "catalog"
    (directory / "images").mkdir(parents=True)
    products = [product(n) for n in range(1, 6)]
    (directory / "products.json").write_text(json.dumps(products), encoding="utf-8")
    stock = [{"sku": f"RM-{n}-M-BLK", "location": "store:paris-marais", "on_hand": n} for n in range(1, 6)]
    (directory / "stock.json").write_text(json.dumps(stock), encoding="utf-8")
    Image.new("RGB", (8, 8), (200, 30, 30)).save(directory / "images" / "rm-1-1.jpg")
    return directory


@pytest.fixture
def hq(tmp_path: Path, catalog_dir: Path):
    running = serve_in_thread(tmp_path / "hq.db", tokens={"paris-marais": TOKEN, "lyon-presquile": OTHER_TOKEN},
                              catalog_dir=catalog_dir)
    yield running
    running.stop()


@pytest.fixture
def session():
    with requests.Session() as s:
        s.headers.update(AUTH)
        yield s
