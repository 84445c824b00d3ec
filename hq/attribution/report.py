"""Attribution as the JSON of GET /stores/{id}/attribution.json and GET /attribution.json (money as strings)."""

from __future__ import annotations

from hq.attribution.credit import Attribution, StoreFigures
from hq.attribution.holdout import Arm, difference_ci95
from hq.attribution.period import Period
from hq.money import from_micros


def store_json(store_id: str, period: Period, result: Attribution) -> dict:
    """One store's report."""
    figures = result.stores.get(store_id, StoreFigures())
    return {"store_id": store_id, **_body(period, result, figures)}


def chain_json(period: Period, result: Attribution, store_count: int) -> dict:
    """Every store's figures summed (the holdout pools every store's sessions)."""
    total = summed(result.stores.values())
    return {"stores": store_count, **_body(period, result, total)}


def summed(many) -> StoreFigures:
    """The sum of several stores' figures."""
    total = StoreFigures()
    for f in many:
        for name in ("receipts", "handoff_in_store", "handoff_online", "identified"):
            mine, theirs = getattr(total, name), getattr(f, name)
            mine.count += theirs.count
            mine.micros += theirs.micros
        total.on_viewed_micros += f.on_viewed_micros
        for arm in (False, True):
            total.arms[arm].sessions += f.arms[arm].sessions
            total.arms[arm].converted += f.arms[arm].converted
        for day, methods in f.by_day.items():
            for method, micros in methods.items():
                total.credit(day, method, micros)
    return total


def _body(period: Period, result: Attribution, f: StoreFigures) -> dict:
    handoff_count = f.handoff_in_store.count + f.handoff_online.count
    handoff_micros = f.handoff_in_store.micros + f.handoff_online.micros
    return {
        "from": period.first.isoformat(), "to": period.last.isoformat(), "currency": result.currency,
        "receipts": _tally(f.receipts.count, f.receipts.micros),
        "attributed": {
            "handoff": {**_tally(handoff_count, handoff_micros),
                        "in_store": _tally(f.handoff_in_store.count, f.handoff_in_store.micros),
                        "online": _tally(f.handoff_online.count, f.handoff_online.micros)},
            "identified": {**_tally(f.identified.count, f.identified.micros),
                           "on_viewed_skus": from_micros(f.on_viewed_micros)},
        },
        "holdout": holdout_json(f.arms[False], f.arms[True]),
        "excluded_currencies": result.excluded,
    }


def _tally(count: int, micros: int) -> dict:
    return {"count": count, "revenue": from_micros(micros)}


def holdout_json(treated: Arm, holdout: Arm) -> dict:
    """Both arms' sample sizes and conversion rates, the difference and its 95% confidence interval."""
    diff = difference_ci95(treated, holdout)
    return {
        "with_suggestions": _arm(treated), "holdout": _arm(holdout),
        "difference": None if diff is None else round(diff[0], 4),
        "ci95": None if diff is None else [round(diff[1], 4), round(diff[2], 4)],
    }


def _arm(arm: Arm) -> dict:
    rate = arm.rate()
    return {"sessions": arm.sessions, "converted": arm.converted,
            "conversion_rate": None if rate is None else round(rate, 4)}
