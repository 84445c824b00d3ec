"""Read-only HTML pages for headquarters staff: the stores, a store's page and the chain's page, and their CSVs.

Plain HTML with server-rendered SVG charts, no JavaScript. Behind the dashboard token when HQ
runs with --dashboard-token (hq/web/dashboard_token.py); open otherwise, for development.
"""

from __future__ import annotations

from html import escape
from urllib.parse import quote, urlencode

from hq.attribution.cache import AttributionCache
from hq.attribution.period import Period
from hq.pages.kiosk_view import KioskView, kiosk_view
from hq.pages.sync_tables import ago, sync_tables
from hq.pages.tables import Markup, Table
from hq.store import HQStore

_STYLE = """
body { font: 16px/1.5 system-ui, sans-serif; color: #222; background: #faf9f7; margin: 2rem auto;
       max-width: 64rem; padding: 0 1rem; }
h1 { font-weight: 600; } h2 { font-weight: 500; margin-top: 2rem; border-bottom: 1px solid #ddd; }
h3 { font-weight: 500; font-size: 1rem; margin: 1rem 0 .25rem; }
table { border-collapse: collapse; margin: .5rem 0; }
th, td { text-align: left; padding: .25rem 1rem .25rem 0; border-bottom: 1px solid #eee; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.muted { color: #777; } .warn { color: #a33; } a { color: #245; }
th { font-size: .85rem; font-weight: 600; vertical-align: bottom; } td:first-child { white-space: nowrap; }
a.csv { font-size: .8rem; } details summary { cursor: pointer; color: #245; }
form { margin: .5rem 0 1rem; } input, button { font: inherit; }
svg.chart { display: block; margin: .5rem 0; max-width: 100%; height: auto; }
svg .t { font: 600 13px system-ui, sans-serif; fill: #333; } svg .a { font: 11px system-ui, sans-serif; fill: #666; }
svg .g { stroke: #e4e2de; stroke-width: 1; } svg .track { fill: #eeece8; }
"""


def _page(title: str, body: str) -> str:
    return (f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{escape(title)}</title>"
            f"<style>{_STYLE}</style></head><body>{body}</body></html>")


def index_page(store: HQStore) -> str:
    """GET /: every store with its event count and last heartbeat."""
    beats: dict[str, str] = {}
    for beat in store.heartbeats():
        if beat["received_at"] > beats.get(beat.get("store_id", ""), ""):
            beats[beat.get("store_id", "")] = beat["received_at"]
    rows = [[f"<a href=\"/stores/{quote(s)}\">{escape(s)}</a>", str(store.event_count(s)), ago(beats.get(s)).html]
            for s in store.stores()]
    head = "".join(f"<th>{h}</th>" for h in ("store", "events", "last heartbeat"))
    lines = "".join(f"<tr><td>{a}</td><td class=\"n\">{b}</td><td>{c}</td></tr>" for a, b, c in rows)
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{lines}</tbody></table>"
    body = ("<h1>Vitrine HQ — stores</h1>"
            "<p><a href=\"/chain\">The whole chain: kiosk activity and attribution</a></p>"
            + (table if rows else "<p>No stores yet.</p>"))
    return _page("Vitrine HQ — stores", body)


def _period_form(action: str, period: Period) -> str:
    return (f"<form method=\"get\" action=\"{escape(action)}\">From <input type=\"date\" name=\"from\" "
            f"value=\"{period.first}\"> to <input type=\"date\" name=\"to\" value=\"{period.last}\"> "
            "<button>Show</button></form>")


def _section(title: str, charts: list[str], tables: list[tuple[str, Table]], csv_base: str, query: str) -> str:
    out = [f"<h2>{escape(title)}</h2>", *charts]
    for subtitle, table in tables:
        heading = f"<h3>{escape(subtitle)}</h3>" if subtitle else ""
        body = table.html(f"{csv_base}/{table.name}.csv?{query}") if table.rows else "<p class=\"muted\">None.</p>"
        out.append(heading + body)
    return "".join(out)


def _kiosk_sections(view: KioskView, csv_base: str, query: str) -> str:
    t = view.tables
    daily = (f"<details><summary>The days as a table</summary>{t['daily'].html(f'{csv_base}/daily.csv?{query}')}"
             f"</details>")
    return (_section("Kiosk activity per day", view.charts["activity"], [], csv_base, query) + daily
            + _section("Attributed revenue", view.charts["revenue"], [("", t["attribution"])], csv_base, query)
            + _section("Holdout comparison", view.charts["holdout"], [("", t["holdout"])], csv_base, query))


def store_tables(store: HQStore, results: AttributionCache, store_id: str, period: Period, *, window_days: int,
                 currency: str | None = None) -> tuple[KioskView, list[Table]]:
    """The store page's kiosk view and its sync-health tables."""
    view = kiosk_view(results, period, store_id=store_id, currency=currency, window_days=window_days)
    return view, sync_tables(store, store_id)


def store_page(store: HQStore, results: AttributionCache, store_id: str, period: Period, *, window_days: int,
               currency: str | None = None) -> str:
    """GET /stores/{id}: kiosk activity and attribution per day, the holdout, and sync health."""
    view, sync = store_tables(store, results, store_id, period, window_days=window_days, currency=currency)
    events, bridges, devices, quarantined, served = sync
    base = f"/stores/{quote(store_id)}"
    query = urlencode({"from": period.first.isoformat(), "to": period.last.isoformat()})
    received = sum(int(row[1]) for row in events.rows)
    health = _section("Sync health", [], [("Events by type", events), ("Bridges", bridges),
                                          ("Devices and sequence gaps", devices),
                                          ("Quarantined databases (reported by bridges)", quarantined),
                                          ("Devices served by the store bridge", served)],
                      base + "/tables", query)
    body = (f"<p><a href=\"/\">← all stores</a> · <a href=\"/chain?{query}\">the chain</a></p>"
            f"<h1>Store {escape(store_id)}</h1>{_period_form(base, period)}"
            f"<p>{received} events received.</p>"
            + _kiosk_sections(view, base + "/tables", query) + health)
    return _page(f"Vitrine HQ — {store_id}", body)


def chain_page(results: AttributionCache, period: Period, *, window_days: int, currency: str | None = None) -> str:
    """GET /chain: every store's kiosk activity and attribution, per store and per day."""
    view = kiosk_view(results, period, currency=currency, window_days=window_days)
    query = urlencode({"from": period.first.isoformat(), "to": period.last.isoformat()})
    stores = view.tables["stores"]
    for row in stores.rows:  # link each store to its page over the same period
        row[0] = Markup(f"<a href=\"/stores/{quote(row[0])}?{query}\">{escape(row[0])}</a>", row[0])
    body = ("<p><a href=\"/\">← all stores</a></p><h1>The chain</h1>" + _period_form("/chain", period)
            + _section("Per store", [], [("", stores)], "/chain/tables", query)
            + _kiosk_sections(view, "/chain/tables", query))
    return _page("Vitrine HQ — the chain", body)


def table_csv(store: HQStore, results: AttributionCache, store_id: str | None, name: str, period: Period, *,
              window_days: int, currency: str | None = None) -> str | None:
    """One table of the store page (or the chain page, store_id None) as CSV; None if no table has that name."""
    if store_id is None:
        tables = list(kiosk_view(results, period, currency=currency, window_days=window_days).tables.values())
    else:
        view, sync = store_tables(store, results, store_id, period, window_days=window_days, currency=currency)
        tables = [*view.tables.values(), *sync]
    found = [t for t in tables if t.name == name]
    return found[0].csv() if found else None
