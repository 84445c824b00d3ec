"""A seeded month of kiosk sessions, hand-offs, receipts and an online order, for the attribution tests.

The figures the tests expect are worked out by hand in test_hq_attribution.py from the story below.
"""

from __future__ import annotations

import itertools

from hq_helpers import batch

_ids = itertools.count(1)
_seqs: dict[str, itertools.count] = {}


def _event(etype: str, when: str, payload: dict, *, device: str, profile: str | None = None,
           claim: str | None = None) -> dict:
    seq = _seqs.setdefault(device, itertools.count(1))
    return {"id": f"a-{next(_ids)}", "type": etype, "occurred_at": when, "device_id": device, "seq": next(seq),
            "profile_id": profile, "claim_code": claim, "payload": payload}


def kiosk(etype: str, when: str, *, device: str = "kiosk-1", profile: str | None = None,
          claim: str | None = None, **payload) -> dict:
    return _event(etype, when, payload, device=device, profile=profile, claim=claim)


def receipt(receipt_id: str, when: str, lines: list[tuple[str, str]], *, profile: str | None = None,
            handoff: str | None = None, device: str = "pos-1", currency: str = "EUR") -> dict:
    total = f"{sum(float(a) for _, a in lines):.2f}"
    payload = {"receipt_id": receipt_id, "register_id": device,
               "lines": [{"sku": sku, "quantity": 1, "unit_price": {"amount": a, "currency": currency},
                          "total": {"amount": a, "currency": currency}} for sku, a in lines],
               "subtotal": {"amount": total, "currency": currency}, "tax": {"amount": "0.00", "currency": currency},
               "total": {"amount": total, "currency": currency},
               "tenders": [{"method": "card", "amount": {"amount": total, "currency": currency}}]}
    if handoff:
        payload["handoff_id"] = handoff
    return _event("receipt", when, payload, device=device, profile=profile)


def paris_month() -> list[dict]:
    """Paris, November 2026 (+01:00), in the order the bridge sends them (the late receipt comes last)."""
    t = "2026-11-{}T{}+01:00".format
    return [
        # S1: identified Camille, views RM-1 in size M, saves RM-2 without a size, hand-off H1
        kiosk("session_started", t("02", "10:00:00"), claim="C1", session_id="S1", holdout=False),
        kiosk("shopper_identified", t("02", "10:01:00"), profile="p-camille", session_id="S1", method="app_qr"),
        kiosk("product_viewed", t("02", "10:02:00"), profile="p-camille", product_id="rm-1", sku="RM-1-M-BLK"),
        kiosk("item_saved", t("02", "10:03:00"), profile="p-camille", product_id="rm-2"),
        kiosk("sent_to_phone", t("02", "10:04:00"), profile="p-camille", handoff_id="H1", skus=["RM-1-M-BLK"]),
        # S2: anonymous, hand-off H2 shown at the till the same evening
        kiosk("session_started", t("03", "11:00:00"), claim="C2", session_id="S2", holdout=False),
        kiosk("sent_to_phone", t("03", "11:05:00"), claim="C2", handoff_id="H2", skus=["RM-4-M-BLK"]),
        kiosk("fitting_room_requested", t("03", "11:06:00"), claim="C2", skus=["RM-4-M-BLK"]),
        # S3: holdout, anonymous, nothing bought
        kiosk("session_started", t("10", "12:00:00"), device="kiosk-2", claim="C3", session_id="S3", holdout=True),
        # S4: holdout, James identified; he buys 18 days later (outside the 14-day window)
        kiosk("session_started", t("12", "09:00:00"), device="kiosk-2", claim="C4", session_id="S4", holdout=True),
        kiosk("shopper_identified", t("12", "09:01:00"), device="kiosk-2", profile="p-james", session_id="S4",
              method="app_qr"),
        # S5: anonymous, hand-off H5 bought online the next day
        kiosk("session_started", t("20", "10:00:00"), claim="C5", session_id="S5", holdout=False),
        kiosk("sent_to_phone", t("20", "10:02:00"), claim="C5", handoff_id="H5", skus=["RM-5-M-BLK"]),
        # S6: holdout, anonymous save of RM-5, claimed later by Inès from the app
        kiosk("session_started", t("25", "16:00:00"), claim="C6", session_id="S6", holdout=True),
        kiosk("item_saved", t("25", "16:01:00"), claim="C6", product_id="rm-5", sku="RM-5-M-BLK"),
        # a session from before the holdout existed: no flag, left out of the comparison
        kiosk("session_started", t("26", "09:00:00"), claim="C7", session_id="S7"),
        # receipts
        receipt("R1", t("05", "15:00:00"), [("RM-1-M-BLK", "129.00"), ("RM-2-M-BLK", "59.50"),
                                             ("RM-3-M-BLK", "10.00")], profile="p-camille"),
        receipt("R2", t("03", "18:00:00"), [("RM-4-M-BLK", "129.00")], handoff="H2"),
        receipt("R4", t("30", "12:00:00"), [("RM-4-M-BLK", "80.00")], profile="p-james"),
        receipt("R6", t("26", "11:00:00"), [("RM-5-M-BLK", "40.00")], profile="p-ines"),
        receipt("R10", t("06", "12:00:00"), [("RM-1-M-BLK", "70.00")], profile="p-camille", handoff="H1"),
        receipt("R11", t("15", "12:00:00"), [("RM-3-M-BLK", "30.00")], handoff="HX-unknown"),
        receipt("R12", t("15", "13:00:00"), [("RM-3-M-BLK", "60.00")], profile="p-zoe"),
        # before and after the month in local time (UTC would put R9 in November)
        receipt("R7", "2026-10-31T23:30:00+01:00", [("RM-3-M-BLK", "999.00")], profile="p-camille"),
        receipt("R9", "2026-12-01T00:30:00+01:00", [("RM-3-M-BLK", "888.00")], profile="p-camille"),
        # a receipt in pounds: left out of a report in euros, and counted as excluded
        receipt("R14", t("16", "12:00:00"), [("RM-3-M-BLK", "5.00")], currency="GBP"),
    ]


def paris_late() -> list[dict]:
    """What arrives days later: a receipt of 28 November, and R1 again under a new event id."""
    t = "2026-11-{}T{}+01:00".format
    again = receipt("R1", t("05", "15:00:00"), [("RM-1-M-BLK", "129.00"), ("RM-2-M-BLK", "59.50"),
                                                 ("RM-3-M-BLK", "10.00")], profile="p-camille")
    return [receipt("R8", t("28", "17:00:00"), [("RM-3-M-BLK", "15.00")]), again]


def lyon_month() -> list[dict]:
    """Lyon: Zoé identified on a Lyon kiosk, then buys in Paris (R12) and in Lyon."""
    t = "2026-11-{}T{}+01:00".format
    return [
        kiosk("session_started", t("14", "10:00:00"), device="lyon-kiosk-1", claim="L1", session_id="L1",
              holdout=False),
        kiosk("shopper_identified", t("14", "10:01:00"), device="lyon-kiosk-1", profile="p-zoe",
              session_id="L1", method="app_qr"),
        receipt("R13", t("16", "12:00:00"), [("RM-3-M-BLK", "45.00")], profile="p-zoe", device="lyon-pos-1"),
    ]


def batches() -> list[tuple[str, dict]]:
    """(store, batch) in sending order."""
    return [("paris-marais", batch(paris_month())), ("lyon-presquile", batch(lyon_month(), "lyon-presquile"))]
