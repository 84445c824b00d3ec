"""Helpers shared by the reference HQ tests: sample products, events and batches."""

from __future__ import annotations

TOKEN = "test-token-paris"
OTHER_TOKEN = "test-token-lyon"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def product(n: int) -> dict:
    return {
        "id": f"rm-{n}",
        "name": {"fr": f"Manteau {n}", "en": f"Coat {n}"},
        "description": {"fr": "Laine", "en": "Wool"},
        "category": "coats",
        "price": {"amount": "129.00", "currency": "EUR"},
        "images": [f"images/rm-{n}-1.jpg"],
        "variants": [{"sku": f"RM-{n}-M-BLK", "ean": f"30000000{n:05d}", "size": "M", "color": "black"}],
        "updated_at": "2026-11-01T10:00:00Z",
    }


def event(n: int, *, seq: int | None = None, device: str = "kiosk-1", etype: str = "product_viewed",
          payload: dict | None = None, **extra) -> dict:
    """A valid event; override anything."""
    return {
        "id": f"ev-{n}", "type": etype, "occurred_at": "2026-11-23T14:05:09.120+01:00",
        "device_id": device, "seq": n if seq is None else seq, "profile_id": None, "claim_code": None,
        "payload": {"product_id": "rm-1", "sku": "RM-1-M-BLK"} if payload is None else payload, **extra,
    }


def batch(events: list[dict], store_id: str = "paris-marais") -> dict:
    return {"store_id": store_id, "bridge_id": f"{store_id}-bridge-1", "sent_at": "2026-11-23T14:05:10Z",
            "events": events}
