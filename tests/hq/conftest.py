"""Fixtures: a reference HQ on 127.0.0.1 over a small catalog written to tmp_path, on SQLite and PostgreSQL.

`hq` and `database` run each test on both backends; PostgreSQL is a throwaway cluster
started once per session (skipped, saying why, only where it is not installed).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests
from hq_helpers import AUTH, OTHER_TOKEN, TOKEN, product
from pg_cluster import PgCluster, PgUnavailable
from segment_double import DEV_WRITE_KEY, SegmentDouble
from PIL import Image

from hq.embedded import serve_in_thread


@pytest.fixture(scope="session")
def pg_cluster():
    """One PostgreSQL cluster for the whole session."""
    try:
        cluster = PgCluster.start()
    except PgUnavailable as exc:
        pytest.skip(f"PostgreSQL tests need the server: {exc}")
    yield cluster
    cluster.stop()


@pytest.fixture(params=["sqlite", "postgres"])
def database(request, tmp_path: Path) -> str:
    """A fresh HQ database: a SQLite file, or a new PostgreSQL database's URL."""
    if request.param == "sqlite":
        return str(tmp_path / "hq.db")
    return request.getfixturevalue("pg_cluster").new_database()


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
def hq(database: str, catalog_dir: Path):
    running = serve_in_thread(database, tokens={"paris-marais": TOKEN, "lyon-presquile": OTHER_TOKEN},
                              catalog_dir=catalog_dir)
    yield running
    running.stop()


@pytest.fixture
def session():
    with requests.Session() as s:
        s.headers.update(AUTH)
        yield s


@pytest.fixture
def double():
    """A TEST DOUBLE of a Segment-style pipeline (segment_double.py) on 127.0.0.1."""
    receiver = SegmentDouble.start(write_key=DEV_WRITE_KEY)
    yield receiver
    receiver.stop()
