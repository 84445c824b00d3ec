"""The store page's sync-health tables: events by type, bridges' heartbeats, devices and their gaps, and
what store bridges report in heartbeats (quarantined databases, the devices they serve)."""

from __future__ import annotations

from datetime import datetime, timezone
from html import escape

from hq.pages.tables import Markup, Table
from hq.store import HQStore


def ago(timestamp: str | None) -> Markup:
    """A timestamp with how long ago it was."""
    if not timestamp:
        return Markup("never", "")
    try:
        then = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        return Markup(escape(timestamp), timestamp)
    seconds = int((datetime.now(timezone.utc) - then).total_seconds())
    span = f"{seconds} s" if seconds < 120 else f"{seconds // 60} min" if seconds < 7200 else f"{seconds // 3600} h"
    return Markup(f"{escape(timestamp)} <span class=\"muted\">({span} ago)</span>", timestamp)


def sync_tables(store: HQStore, store_id: str) -> list[Table]:
    """events, bridges, devices, quarantined and served_devices, in page order."""
    counts = store.counts_by_type(store_id)
    events = Table("events", ["event type", "received"], [[t, str(n)] for t, n in counts.items()], frozenset({1}))
    beats = store.heartbeats(store_id)
    bridges = Table("bridges", ["bridge", "last heartbeat", "version", "pending", "oldest pending", "dead letters",
                                "last push"], [
        [b["bridge_id"], ago(b["received_at"]), str(b.get("version", "")), str(b.get("pending", "")),
         _age(b.get("oldest_pending_age_s")), _dead(b.get("dead_letters")), ago(b.get("last_push_at"))]
        for b in beats], frozenset({3}))
    gaps = store.gap_ranges(store_id)
    devices = Table("devices", ["device", "events", "highest seq", "missing seq"],
                    [[d, str(n), str(top), _gaps(gaps.get(d, []))] for d, n, top in store.devices(store_id)],
                    frozenset({1, 2}))
    quarantined = Table("quarantined", ["bridge", "database file", "quarantined at", "events in it"], [
        [b["bridge_id"], Markup(f"<span class=\"warn\">{escape(q['file'])}</span>", q["file"]), ago(q["at"]),
         str(q["events"])]
        for b in beats for q in b.get("quarantined") or []], frozenset({3}))
    served = Table("served_devices", ["bridge", "device", "kind", "last seen", "pending", "revoked"], [
        [b["bridge_id"], d["device_id"], d["kind"], ago(d.get("last_seen_at")),
         "—" if d.get("pending") is None else str(d["pending"]),
         Markup("<span class=\"warn\">revoked</span>", "yes") if d["revoked"] else Markup("no", "no")]
        for b in beats for d in b.get("devices") or []], frozenset({4}))
    return [events, bridges, devices, quarantined, served]


def _age(seconds: object) -> Markup:
    text = "—" if seconds is None else f"{float(seconds):.0f} s"
    return Markup(escape(text), "" if seconds is None else str(seconds))


def _dead(count: object) -> Markup:
    if not count:
        return Markup("0", "0")
    return Markup(f"<span class=\"warn\">{escape(str(count))}</span>", str(count))


def _gaps(ranges: list[tuple[int, int]]) -> Markup:
    if not ranges:
        return Markup("<span class=\"muted\">none</span>", "")
    text = ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in ranges[:20])
    more = f" and {len(ranges) - 20} more ranges" if len(ranges) > 20 else ""
    full = " ".join(str(a) if a == b else f"{a}-{b}" for a, b in ranges)
    return Markup(f"<span class=\"warn\">{text}{more}</span>", full)
