"""The holdout comparison: conversion of kiosk sessions with personal suggestions against those without.

The kiosk assigns a share of sessions to the holdout at random and records it as
`holdout: true|false` in `session_started`; sessions without the flag are left out. A
session converts when a hand-off it showed was redeemed (a receipt or an online order
carrying its `handoff_id`), or when its identified shopper has a receipt in the same
store within the attribution window after the session started.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from hq.attribution import rows
from hq.attribution.period import Period

Z95 = 1.959964  # the standard normal's 97.5th percentile


@dataclass
class Arm:
    """Sessions of one arm and how many converted."""

    sessions: int = 0
    converted: int = 0

    def add(self, converted: bool) -> None:
        self.sessions += 1
        self.converted += int(converted)

    def rate(self) -> float | None:
        return self.converted / self.sessions if self.sessions else None


def difference_ci95(treated: Arm, holdout: Arm) -> tuple[float, float, float] | None:
    """(difference of conversion rates, low, high): a Wald 95% interval clipped to [-1, 1]; None without both arms."""
    if not treated.sessions or not holdout.sessions:
        return None
    p1, p0 = treated.converted / treated.sessions, holdout.converted / holdout.sessions
    se = math.sqrt(p1 * (1 - p1) / treated.sessions + p0 * (1 - p0) / holdout.sessions)
    diff = p1 - p0
    return diff, max(-1.0, diff - Z95 * se), min(1.0, diff + Z95 * se)


def session_outcomes(facts: list[rows.KioskFact], receipts: list[rows.Receipt], redeemed: set[str],
                     period: Period, window: timedelta) -> Iterator[tuple[str, bool, bool]]:
    """(store_id, in the holdout, converted) for each flagged session started in the period.

    facts: kiosk facts in time order, covering the period and a window after it, with every
    session_started, shopper_identified and sent_to_phone; receipts: as long; redeemed: hand-off
    ids carried by a receipt or an order.
    """
    first, last = period.first.isoformat(), period.last.isoformat()
    starts: dict[tuple[str, str], list[str]] = {}
    identified: dict[str, str] = {}
    handoffs_by_claim: dict[str, list[str]] = {}
    handoffs_by_shopper: dict[tuple[str, str, str], list[tuple[str, str]]] = {}
    for f in facts:
        if f.type == "session_started":
            starts.setdefault((f.store_id, f.device_id), []).append(f.at)
        elif f.type == "shopper_identified" and f.session_id and f.profile_id:
            identified.setdefault(f.session_id, f.profile_id)
        elif f.type == "sent_to_phone" and f.handoff_id:
            if f.claim_code:
                handoffs_by_claim.setdefault(f.claim_code, []).append(f.handoff_id)
            if f.profile_id:
                handoffs_by_shopper.setdefault((f.store_id, f.device_id, f.profile_id), []).append(
                    (f.at, f.handoff_id))
    bought = _purchases(receipts)
    for f in facts:
        if f.type != "session_started" or f.holdout is None or not first <= f.day <= last:
            continue
        profile = identified.get(f.session_id or "") or f.profile_id
        device_starts = starts[(f.store_id, f.device_id)]
        i = bisect_left(device_starts, f.at)
        ends = device_starts[i + 1] if i + 1 < len(device_starts) else "9999"
        shown = set(handoffs_by_claim.get(f.claim_code or "", []))
        if profile:
            shown |= {h for at, h in handoffs_by_shopper.get((f.store_id, f.device_id, profile), [])
                      if f.at <= at < ends}
        converted = bool(shown & redeemed) or (
            profile is not None and _bought(bought.get((f.store_id, profile), []), f.at, window))
        yield f.store_id, bool(f.holdout), converted


def _purchases(receipts: list[rows.Receipt]) -> dict[tuple[str, str], list[str]]:
    out: dict[tuple[str, str], list[str]] = {}
    for r in receipts:
        if r.profile_id:
            out.setdefault((r.store_id, r.profile_id), []).append(r.at)
    for times in out.values():
        times.sort()
    return out


def _bought(times: list[str], start: str, window: timedelta) -> bool:
    """True if a purchase lies in [start, start + window]."""
    end = (datetime.fromisoformat(start) + window).isoformat(timespec="microseconds")[:26] + "Z"
    i = bisect_left(times, start)
    return i < len(times) and times[i] <= end
