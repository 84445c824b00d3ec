"""Fixtures for the sync, CLI and intake tests: a real reference HQ, real files, a fake clock."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest

from tests.support.clock import FakeSyncClock as FakeClock
from tests.support.toml_config import write_config
from tests.support.waiting import wait_until

from bridge.config import Settings, load_settings
from bridge.store.registry import open_database

ROOT = Path(__file__).resolve().parents[2]
HQ_TOKEN = "dev-token-paris-marais"
INTAKE_TOKEN = "intake-secret"


def config_sections(tmp_path: Path, hq_url: str, **overrides: dict) -> dict[str, dict]:
    sections = {
        "store": {"id": "paris-marais"},
        "bridge": {"database": str(tmp_path / "bridge.db"), "synchronous": "NORMAL",
                   "push_interval_s": 0.2, "pull_interval_s": 60.0},
        "hq": {"url": hq_url, "token": HQ_TOKEN, "timeout_s": 5.0,
               "backoff_base_s": 1.0, "backoff_max_s": 60.0},
        "intake": {"host": "127.0.0.1", "port": 0, "token": INTAKE_TOKEN},
    }
    for name, table in overrides.items():
        sections.setdefault(name, {}).update(table)
    return sections


@pytest.fixture
def db(tmp_path):
    """A fresh bridge database file, closed after the test."""
    database = open_database(tmp_path / "vitrine.db")
    yield database
    database.close()


@pytest.fixture
def hq(tmp_path):
    """The reference HQ on 127.0.0.1, in this process."""
    from hq.embedded import serve_in_thread

    running = serve_in_thread(tmp_path / "hq.db")
    yield running
    running.stop()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_config(tmp_path, hq) -> Callable[..., Path]:
    """Write config.toml pointing at the test HQ; keyword args override sections."""
    def make(**overrides: dict) -> Path:
        return write_config(tmp_path / "config.toml", config_sections(tmp_path, hq.url, **overrides))
    return make


@pytest.fixture
def open_bridge(make_config, clock):
    """Open Bridges on the test config (with the fake clock); all closed at the end."""
    from bridge.facade import Bridge

    opened = []

    def open_(**overrides: dict):
        settings: Settings = load_settings(make_config(**overrides))
        b = Bridge.open(settings, clock=clock)
        opened.append(b)
        return b
    yield open_
    for b in opened:
        b.close()


@pytest.fixture
def bridge(open_bridge):
    return open_bridge()


def _record_searches(bridge, n: int, device_id: str = "kiosk-1") -> list[str]:
    """Record n valid events in one transaction; return their ids."""
    events = [{"type": "search_performed", "device_id": device_id,
               "payload": {"query": f"q{i}", "results_count": i}} for i in range(n)]
    return [r.id for r in bridge.outbox.record_many(events)]


def _cli(config: Path, *args: str, timeout: float = 60.0) -> subprocess.CompletedProcess:
    """Run `vitrine-bridge --config config ARGS` as a subprocess."""
    return subprocess.run([sys.executable, "-m", "bridge.cli", "--config", str(config), *args],
                          capture_output=True, text=True, timeout=timeout, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


def _cli_popen(config: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "bridge.cli", "--config", str(config), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})


# Helpers as fixtures: tests/ is not a package, so test modules cannot import this file.


@pytest.fixture
def record_searches():
    return _record_searches


@pytest.fixture
def wait_for():
    return wait_until


@pytest.fixture
def cli():
    return _cli


@pytest.fixture
def cli_popen():
    """_cli_popen, whose processes are reaped and pipes closed when the test ends."""
    started: list[subprocess.Popen] = []

    def start(config: Path, *args: str) -> subprocess.Popen:
        started.append(_cli_popen(config, *args))
        return started[-1]
    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()  # reads what is left and closes the pipes


@pytest.fixture
def hq_token() -> str:
    return HQ_TOKEN


@pytest.fixture
def intake_token() -> str:
    return INTAKE_TOKEN


def _jpeg(path: Path, color: tuple[int, int, int]) -> None:
    from PIL import Image

    Image.new("RGB", (24, 32), color).save(path, "JPEG")


@pytest.fixture
def catalog_hq(tmp_path):
    """A reference HQ serving a small catalog of our own: 5 products with real JPEGs, one missing."""
    from hq.embedded import serve_in_thread

    cat = tmp_path / "hq-catalog"
    (cat / "images").mkdir(parents=True)
    products, stock = [], []
    for i in range(5):
        pid = f"rm-{1000 + i}"
        image = f"images/{pid}.jpg"
        if i != 4:  # the last product's image is missing at HQ: the pull must go on
            _jpeg(cat / image, (40 * i, 80, 120))
        products.append({
            "id": pid, "name": {"fr": f"Robe {i}", "en": f"Dress {i}"},
            "description": {"fr": "Lin", "en": "Linen"}, "category": "dresses",
            "price": {"amount": f"{100 + i}.00", "currency": "EUR"}, "images": [image],
            "variants": [{"sku": f"{pid}-S", "ean": None, "size": "S", "color": "black"}],
            "updated_at": "2026-11-01T10:00:00+00:00"})
        stock.append({"sku": f"{pid}-S", "location": "store:paris-marais", "on_hand": i})
    (cat / "products.json").write_text(json.dumps(products))
    (cat / "stock.json").write_text(json.dumps(stock))
    running = serve_in_thread(tmp_path / "catalog-hq.db", catalog_dir=cat)
    yield running
    running.stop()
