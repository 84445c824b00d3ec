"""Credit sales to the kiosk three ways, never twice: hand-off, identified shopper, and the holdout comparison.

A receipt counts in the period of its own local day, whenever it arrived. A receipt whose
`handoff_id` a kiosk showed is a hand-off sale; otherwise, a receipt whose shopper was seen
on a kiosk of the same store in the `window_days` before it is an identified sale. Online
orders count as hand-off sales of the store whose kiosk showed their hand-off.

    figures = attribute(db, Period(date(2026, 11, 1), date(2026, 11, 30)), store_id="paris-marais")
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from hq.attribution import rows
from hq.attribution.holdout import Arm, session_outcomes
from hq.attribution.period import Period
from hq.db import Database

DEFAULT_WINDOW_DAYS = 14
PRESENCE_TYPES = ("session_started", "shopper_identified", "product_viewed", "item_saved", "sent_to_phone",
                  "fitting_room_requested")
SESSION_TYPES = ("session_started", "shopper_identified", "sent_to_phone")  # the holdout reads them all



@dataclass
class Tally:
    """A count and a sum of money in millionths."""

    count: int = 0
    micros: int = 0

    def add(self, micros: int) -> None:
        self.count += 1
        self.micros += micros


@dataclass
class StoreFigures:
    """One store's attribution over the period, and per local day."""

    receipts: Tally = field(default_factory=Tally)
    handoff_in_store: Tally = field(default_factory=Tally)
    handoff_online: Tally = field(default_factory=Tally)
    identified: Tally = field(default_factory=Tally)
    on_viewed_micros: int = 0
    arms: dict[bool, Arm] = field(default_factory=lambda: {False: Arm(), True: Arm()})
    by_day: dict[str, dict[str, int]] = field(default_factory=dict)  # day -> {"handoff"|"identified": micros}

    def credit(self, day: str, method: str, micros: int) -> None:
        slot = self.by_day.setdefault(day, {"handoff": 0, "identified": 0})
        slot[method] += micros


@dataclass
class Attribution:
    """The figures per store, in one currency (receipts in others are counted in `excluded`)."""

    currency: str | None
    stores: dict[str, StoreFigures]
    excluded: dict[str, int]  # currency -> receipts and orders left out


def attribute(db: Database, period: Period, *, store_id: str | None = None, currency: str | None = None,
              window_days: int = DEFAULT_WINDOW_DAYS) -> Attribution:
    """Attribution of one store's (or, with store_id None, every store's) sales over the period."""
    first, last = period.first.isoformat(), period.last.isoformat()
    window = timedelta(days=window_days)
    # the holdout follows sessions of the period for a window after it
    after = (period.last + window + timedelta(days=1)).isoformat()
    receipts = rows.receipts(db, first, last, store_id)
    later_receipts = rows.receipts(db, (period.last + timedelta(days=1)).isoformat(), after, store_id,
                                   named_only=True)
    orders = rows.orders(db, first, last, store_id)
    currency = currency or _main_currency(receipts, orders)
    excluded = Counter(x.currency for x in [*receipts, *orders] if x.currency != currency)
    stores: dict[str, StoreFigures] = {}
    # a day more on each side: the local days of UTC instants near midnight
    seen_from = (period.first - window - timedelta(days=1)).isoformat()
    seen_to = (period.last + timedelta(days=1)).isoformat()
    presence, looked = _presence(rows.kiosk_facts(db, seen_from, seen_to, store_id, PRESENCE_TYPES))
    lines = rows.receipt_lines(db, first, last, store_id)
    products = rows.sku_products(db) if lines else {}
    for r in receipts:
        if r.currency != currency:
            continue
        figures = stores.get(r.store_id) or stores.setdefault(r.store_id, StoreFigures())
        figures.receipts.add(r.micros)
        if r.via_handoff:
            figures.handoff_in_store.add(r.micros)
            figures.credit(r.day, "handoff", r.micros)
        elif r.profile_id and _seen(presence.get((r.store_id, r.profile_id), []), r.at, window):
            figures.identified.add(r.micros)
            figures.credit(r.day, "identified", r.micros)
            interest = _interest(looked.get((r.store_id, r.profile_id), []), r.at, window)
            figures.on_viewed_micros += sum(m for sku, m in lines.get((r.store_id, r.receipt_id), [])
                                            if sku in interest or products.get(sku) in interest)
    for o in orders:
        if o.currency == currency:
            figures = stores.get(o.store_id) or stores.setdefault(o.store_id, StoreFigures())
            figures.handoff_online.add(o.micros)
            figures.credit(o.day, "handoff", o.micros)
    redeemed = rows.redeemed_handoffs(db, first, after, store_id)
    sessions = rows.kiosk_facts(db, first, after, store_id, SESSION_TYPES, SESSION_TYPES)
    for sid, arm, converted in session_outcomes(sessions, receipts + later_receipts, redeemed, period, window):
        (stores.get(sid) or stores.setdefault(sid, StoreFigures())).arms[arm].add(converted)
    return Attribution(currency, stores, dict(excluded))


def _main_currency(receipts: list, orders: list) -> str | None:
    counts = Counter(x.currency for x in [*receipts, *orders])
    return min(counts, key=lambda c: (-counts[c], c)) if counts else None


def _presence(facts: list[rows.KioskFact]) -> tuple[dict, dict]:
    """(store, profile) -> times seen on a kiosk; and -> [(time, sku or product)] viewed or saved."""
    presence: dict[tuple[str, str], list[str]] = {}
    looked: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for f in facts:  # in time order, so every list is sorted
        if f.profile_id is None:
            continue
        key = (f.store_id, f.profile_id)
        presence.setdefault(key, []).append(f.at)
        if f.type in ("product_viewed", "item_saved"):
            looked.setdefault(key, []).append((f.at, f.sku or f.product_id))
    return presence, looked


def shifted(at: str, delta: timedelta) -> str:
    """A fixed-width UTC time text moved by delta, in the same form."""
    return (datetime.fromisoformat(at) + delta).isoformat(timespec="microseconds")[:26] + "Z"


def _earliest(at: str, window: timedelta) -> str:
    return shifted(at, -window)


def _seen(times: list[str], at: str, window: timedelta) -> bool:
    """True if a time lies in [at - window, at]."""
    i = bisect_left(times, _earliest(at, window))
    return i < len(times) and times[i] <= at


def _interest(looked: list[tuple[str, str]], at: str, window: timedelta) -> set[str]:
    """The SKUs (or products, for a view without a size) looked at in [at - window, at]."""
    lower = _earliest(at, window)
    return {what for when, what in looked if lower <= when <= at and what}
