"""Read-only HTML pages for headquarters staff: the stores, and per store its events, heartbeats and gaps.

Development only: these pages are not behind the bearer token. Plain HTML, no JavaScript.
"""

from __future__ import annotations

from datetime import datetime, timezone
from html import escape
from urllib.parse import quote

from hq.store import HQStore

_STYLE = """
body { font: 16px/1.5 system-ui, sans-serif; color: #222; background: #faf9f7; margin: 2rem auto;
       max-width: 60rem; padding: 0 1rem; }
h1 { font-weight: 600; } h2 { font-weight: 500; margin-top: 2rem; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: .5rem 0; }
th, td { text-align: left; padding: .25rem 1rem .25rem 0; border-bottom: 1px solid #eee; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.muted { color: #777; } .warn { color: #a33; } a { color: #245; }
"""


def _page(title: str, body: str) -> str:
    return (f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{escape(title)}</title>"
            f"<style>{_STYLE}</style></head><body>{body}</body></html>")


def _table(headers: list[str], rows: list[list[str]], numeric: set[int] = frozenset()) -> str:
    """An HTML table; cells are already-escaped HTML."""
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    lines = "".join(
        "<tr>" + "".join(f"<td class=\"n\">{c}</td>" if i in numeric else f"<td>{c}</td>"
                         for i, c in enumerate(row)) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{lines}</tbody></table>"


def _ago(timestamp: str | None) -> str:
    if not timestamp:
        return "never"
    try:
        then = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        return escape(timestamp)
    seconds = int((datetime.now(timezone.utc) - then).total_seconds())
    span = f"{seconds} s" if seconds < 120 else f"{seconds // 60} min" if seconds < 7200 else f"{seconds // 3600} h"
    return f"{escape(timestamp)} <span class=\"muted\">({span} ago)</span>"


def index_page(store: HQStore) -> str:
    """GET /: every store with its event count and last heartbeat."""
    beats = {}
    for beat in store.heartbeats():
        if beat["received_at"] > beats.get(beat.get("store_id", ""), ""):
            beats[beat.get("store_id", "")] = beat["received_at"]
    rows = [[f"<a href=\"/stores/{quote(s)}\">{escape(s)}</a>", str(store.event_count(s)), _ago(beats.get(s))]
            for s in store.stores()]
    body = ("<h1>Vitrine HQ — stores</h1><p class=\"muted\">Reference server, development only; "
            "this page is not behind a token.</p>"
            + (_table(["store", "events", "last heartbeat"], rows, {1}) if rows else "<p>No stores yet.</p>"))
    return _page("Vitrine HQ — stores", body)


def store_page(store: HQStore, store_id: str) -> str:
    """GET /stores/{id}: events by type, latest heartbeat per bridge, devices and their seq gaps."""
    counts = store.counts_by_type(store_id)
    types = _table(["event type", "received"], [[escape(t), str(n)] for t, n in counts.items()], {1})
    beat_rows = [
        [escape(b["bridge_id"]), _ago(b["received_at"]), escape(str(b.get("version", ""))),
         str(b.get("pending", "")), _age(b.get("oldest_pending_age_s")), _dead(b.get("dead_letters")),
         _ago(b.get("last_push_at"))]
        for b in store.heartbeats(store_id)
    ]
    beats = _table(["bridge", "last heartbeat", "version", "pending", "oldest pending", "dead letters",
                    "last push"], beat_rows, {3}) if beat_rows else "<p>No heartbeat received.</p>"
    gaps = store.gap_ranges(store_id)
    device_rows = [[escape(d), str(n), str(top), _gaps(gaps.get(d, []))] for d, n, top in store.devices(store_id)]
    devices = (_table(["device", "events", "highest seq", "missing seq"], device_rows, {1, 2})
               if device_rows else "<p>No events received.</p>")
    body = (f"<p><a href=\"/\">← all stores</a></p><h1>Store {escape(store_id)}</h1>"
            f"<p>{sum(counts.values())} events received.</p>"
            f"<h2>Events by type</h2>{types if counts else '<p>None.</p>'}"
            f"<h2>Bridges</h2>{beats}<h2>Devices and sequence gaps</h2>{devices}")
    return _page(f"Vitrine HQ — {store_id}", body)


def _age(seconds: object) -> str:
    return "—" if seconds is None else escape(f"{float(seconds):.0f} s")


def _dead(count: object) -> str:
    if not count:
        return "0"
    return f"<span class=\"warn\">{escape(str(count))}</span>"


def _gaps(ranges: list[tuple[int, int]]) -> str:
    if not ranges:
        return "<span class=\"muted\">none</span>"
    text = ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in ranges[:20])
    more = f" and {len(ranges) - 20} more ranges" if len(ranges) > 20 else ""
    return f"<span class=\"warn\">{text}{more}</span>"
