"""What the kiosk did and earned, for the store page (one store) and the chain page (every store): tables and charts.

    view = kiosk_view(state.results, period, store_id="paris-marais")
    view.tables["daily"].csv()
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hq.attribution.cache import AttributionCache
from hq.attribution.credit import DEFAULT_WINDOW_DAYS, Attribution, StoreFigures
from hq.attribution.holdout import difference_ci95
from hq.attribution.period import Period
from hq.attribution.report import summed
from hq.money import MICROS, from_micros
from hq.pages.charts import Series, day_bars, rate_bars
from hq.pages.daily import DayActivity, activity
from hq.pages.tables import Table


@dataclass
class KioskView:
    """Tables by name (page order) and SVG charts by section."""

    currency: str | None
    tables: dict[str, Table] = field(default_factory=dict)
    charts: dict[str, list[str]] = field(default_factory=dict)


def kiosk_view(results: AttributionCache, period: Period, *, store_id: str | None = None,
               currency: str | None = None, window_days: int = DEFAULT_WINDOW_DAYS) -> KioskView:
    """Per-day activity, attribution and the holdout of one store, or of the chain when store_id is None."""
    first, last = period.first.isoformat(), period.last.isoformat()
    result = results.attribute(period, store_id=store_id, currency=currency, window_days=window_days)
    acts = activity(results.db, first, last, store_id)
    figures = result.stores.get(store_id, StoreFigures()) if store_id else summed(result.stores.values())
    days = period.days()
    per_day = {d: DayActivity() for d in days}
    for (_, day), act in acts.items():
        if day in per_day:
            per_day[day].add(act)
    view = KioskView(result.currency)
    view.tables["daily"] = _daily_table(days, per_day, figures)
    view.tables["attribution"] = _attribution_table(figures, result.currency)
    view.tables["holdout"] = _holdout_table(figures)
    if store_id is None:
        view.tables["stores"] = _stores_table(result, acts)
    view.charts["activity"] = _activity_charts(days, per_day)
    view.charts["revenue"] = [_revenue_chart(days, figures, result.currency)]
    view.charts["holdout"] = [_holdout_chart(figures)]
    return view


def _pct(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.1f}%"


def _daily_table(days: list[str], per_day: dict[str, DayActivity], f: StoreFigures) -> Table:
    rows = []
    for day in days:
        a, money = per_day[day], f.by_day.get(day, {"handoff": 0, "identified": 0})
        rows.append([day, str(a.sessions), str(a.identified), _pct(a.identified_share()), str(a.saves),
                     str(a.handoffs), str(a.fitting_rooms), from_micros(money["handoff"]),
                     from_micros(money["identified"])])
    return Table("daily", ["day", "kiosk sessions", "identified", "identified share", "saves", "hand-offs",
                           "fitting-room requests", "hand-off revenue", "identified revenue"], rows,
                 frozenset(range(1, 9)))


def _attribution_table(f: StoreFigures, currency: str | None) -> Table:
    unit = f" ({currency})" if currency else ""
    rows = [["all receipts", str(f.receipts.count), from_micros(f.receipts.micros)],
            ["hand-off at the till", str(f.handoff_in_store.count), from_micros(f.handoff_in_store.micros)],
            ["hand-off bought online", str(f.handoff_online.count), from_micros(f.handoff_online.micros)],
            ["identified shopper", str(f.identified.count), from_micros(f.identified.micros)],
            ["… of which on SKUs viewed or saved", "", from_micros(f.on_viewed_micros)]]
    return Table("attribution", ["method", "sales", f"revenue{unit}"], rows, frozenset({1, 2}))


def _holdout_table(f: StoreFigures) -> Table:
    rows = []
    for label, arm in (("with personal suggestions", f.arms[False]), ("holdout (none)", f.arms[True])):
        rows.append([label, str(arm.sessions), str(arm.converted), _pct(arm.rate())])
    diff = difference_ci95(f.arms[False], f.arms[True])
    if diff is not None:
        rows.append(["difference (95% CI)", "", "",
                     f"{diff[0] * 100:+.1f} pts ({diff[1] * 100:+.1f} to {diff[2] * 100:+.1f})"])
    return Table("holdout", ["sessions", "count", "converted", "conversion rate"], rows, frozenset({1, 2, 3}))


def _stores_table(result: Attribution, acts: dict[tuple[str, str], DayActivity]) -> Table:
    totals: dict[str, DayActivity] = {}
    for (sid, _), act in acts.items():
        totals.setdefault(sid, DayActivity()).add(act)
    rows = []
    for sid in sorted(set(totals) | set(result.stores)):
        a, f = totals.get(sid, DayActivity()), result.stores.get(sid, StoreFigures())
        rows.append([sid, str(a.sessions), _pct(a.identified_share()), str(a.saves), str(a.handoffs),
                     str(a.fitting_rooms), str(f.receipts.count), from_micros(f.receipts.micros),
                     from_micros(f.handoff_in_store.micros + f.handoff_online.micros),
                     from_micros(f.identified.micros),
                     f"{f.arms[False].converted}/{f.arms[False].sessions} vs {f.arms[True].converted}/"
                     f"{f.arms[True].sessions}"])
    return Table("stores", ["store", "kiosk sessions", "identified share", "saves", "hand-offs",
                            "fitting-room requests", "receipts", "revenue", "hand-off revenue",
                            "identified revenue", "converted: suggestions vs holdout"], rows,
                 frozenset(range(1, 10)))


def _activity_charts(days: list[str], per_day: dict[str, DayActivity]) -> list[str]:
    def values(name: str) -> list[float]:
        return [getattr(per_day[d], name) for d in days]

    share = [(per_day[d].identified_share() or 0) * 100 for d in days]
    return [day_bars("Kiosk sessions per day", days, [Series("sessions", values("sessions"))]),
            day_bars("Identified share of sessions", days, [Series("identified", share)], top=100,
                     fmt=lambda v: f"{v:.0f}%"),
            day_bars("Saves, hand-offs and fitting-room requests", days,
                     [Series("saves", values("saves")), Series("hand-offs", values("handoffs")),
                      Series("fitting rooms", values("fitting_rooms"))])]


def _revenue_chart(days: list[str], f: StoreFigures, currency: str | None) -> str:
    def values(method: str) -> list[float]:
        return [f.by_day.get(d, {}).get(method, 0) / MICROS for d in days]

    return day_bars(f"Attributed revenue per day ({currency or 'no sales'})", days,
                    [Series("hand-off", values("handoff")), Series("identified", values("identified"))],
                    fmt=lambda v: f"{v:,.0f}")


def _holdout_chart(f: StoreFigures) -> str:
    rows = [(label, arm.rate(), f"{_pct(arm.rate())} of {arm.sessions}")
            for label, arm in (("with suggestions", f.arms[False]), ("holdout", f.arms[True]))]
    return rate_bars("Conversion of kiosk sessions", rows)
