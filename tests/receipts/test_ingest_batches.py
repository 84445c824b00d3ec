"""A POSLog file commits chunk by chunk: events and the stock they move, together."""

import re
import sys
from collections import Counter
from pathlib import Path

from bridge.intake.ingest import ingest_path
from bridge.intake.receipts.recording import CHUNK

from .conftest import STORE

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from make_poslog import write_poslog  # noqa: E402

SALE = re.compile(r"<ItemID>(\d+)</ItemID>.*?<Quantity>(\d+)</Quantity>")


def test_a_poslog_file_commits_once_per_chunk_with_its_stock(open_bridge, tmp_path):
    bridge = open_bridge()
    path = write_poslog(CHUNK * 2 + 100, tmp_path / "day.xml")
    sold = Counter()
    for ean, qty in SALE.findall(path.read_text(encoding="utf-8")):
        sold[ean] += int(qty)
    known = sorted(sold)[::2]  # the catalog knows every other barcode
    bridge.catalog.upsert_products([
        {"id": f"p{i}", "name": {"fr": "Robe", "en": "Dress"}, "category": "dresses",
         "price": {"amount": "10.00", "currency": "EUR"}, "updated_at": "2026-01-01T00:00:00Z",
         "variants": [{"sku": f"SKU-{ean}", "ean": ean, "size": "M", "color": "black"}]}
        for i, ean in enumerate(known)])
    bridge.catalog.upsert_stock([{"sku": f"SKU-{ean}", "location": f"store:{STORE}", "on_hand": 100}
                                 for ean in known])
    groups = bridge.db.commits.groups
    report = ingest_path(bridge, path)
    assert report.recorded == CHUNK * 2 + 100
    assert bridge.db.commits.groups - groups == 3  # three chunks, three commits
    stock = {s.sku: s.on_hand for ean in known for s in bridge.catalog.stock_for_sku(f"SKU-{ean}")}
    assert stock == {f"SKU-{ean}": max(0, 100 - sold[ean]) for ean in known}
    lines = [line for e in bridge.outbox.events("receipt") for line in e["payload"]["lines"]]
    assert {line["sku"] for line in lines} == {f"SKU-{e}" for e in known} | (set(sold) - set(known))
