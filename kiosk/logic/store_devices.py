"""The staff screen's view of the store: this kiosk's token, and the devices of its store bridge.

    token_row(status, tr)          # ("Store token", "revoked: pair this kiosk again…", True)
    device_rows(devices, tr)       # [("Devices of this store", "3", False), ("kiosk-2", "10:42, 0 waiting", False), …]

`devices` is what the store bridge lists (`Bridge.store_devices()`), None when this
kiosk talks to headquarters directly (no rows then).
"""

from __future__ import annotations

from typing import Callable

from kiosk.logic.freshness import moment_text, parse_time

Row = tuple[str, str, bool]  # (label, value, alarming)


def token_row(status: dict, tr: Callable[[str], str]) -> Row:
    """Whether the token this kiosk sends is refused, and when revoked, what to do."""
    if not status.get("auth_failed"):
        return tr("Store token"), tr("no problem reported"), False
    if "revoked" in str(status.get("last_error") or ""):
        return tr("Store token"), tr("revoked by the store bridge: pair this kiosk again"), True
    return tr("Store token"), tr("refused: check the token"), True


def device_rows(devices: list[dict] | None, tr: Callable[[str], str]) -> list[Row]:
    """A heading row, then one row per device: last contact and events waiting (or revoked)."""
    if devices is None:
        return []
    rows: list[Row] = [(tr("Devices of this store"), str(len(devices)), False)]
    for device in devices:
        name = str(device.get("device_id") or "?")
        if device.get("revoked"):
            rows.append((name, tr("revoked"), True))
            continue
        seen = moment_text(parse_time(device.get("last_seen_at")), tr) or tr("never")
        pending = device.get("pending")
        waiting = "—" if pending is None else str(pending)
        rows.append((name, tr("{seen}, {waiting} waiting").format(seen=seen, waiting=waiting), False))
    return rows
