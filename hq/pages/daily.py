"""Kiosk activity per store and local day: sessions, identified sessions, saves, hand-offs, fitting-room requests."""

from __future__ import annotations

from dataclasses import dataclass

from hq.db import Database

_COLUMNS = {"session_started": "sessions", "item_saved": "saves", "sent_to_phone": "handoffs",
            "fitting_room_requested": "fitting_rooms"}


@dataclass
class DayActivity:
    """One store's kiosk activity on one day."""

    sessions: int = 0
    identified: int = 0  # sessions identified by app QR or claimed later from the app
    saves: int = 0
    handoffs: int = 0
    fitting_rooms: int = 0

    def identified_share(self) -> float | None:
        return min(1.0, self.identified / self.sessions) if self.sessions else None

    def add(self, other: DayActivity) -> None:
        for name in ("sessions", "identified", "saves", "handoffs", "fitting_rooms"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def activity(db: Database, first: str, last: str, store_id: str | None = None) -> dict[tuple[str, str], DayActivity]:
    """(store_id, day) -> DayActivity for days in [first, last] with any kiosk event."""
    where, params = ("", ()) if store_id is None else (" AND store_id = ?", (store_id,))
    out: dict[tuple[str, str], DayActivity] = {}
    rows = db.read("SELECT store_id, day, type, count(*), count(DISTINCT session_id) FROM kiosk_facts "
                   "WHERE day BETWEEN ? AND ?" + where + " GROUP BY store_id, day, type", (first, last, *params))
    for sid, day, etype, count, sessions in rows:
        slot = out.setdefault((sid, day), DayActivity())
        if etype == "shopper_identified":
            slot.identified += int(sessions)
        elif etype in _COLUMNS:
            setattr(slot, _COLUMNS[etype], getattr(slot, _COLUMNS[etype]) + int(count))
    where = where.replace("store_id", "k.store_id")
    claimed = db.read("SELECT k.store_id, k.day, count(*) FROM kiosk_facts k JOIN claims c "
                      "ON c.claim_code = k.claim_code WHERE k.type = 'session_started' AND k.day BETWEEN ? AND ?"
                      + where + " GROUP BY k.store_id, k.day", (first, last, *params))
    for sid, day, count in claimed:
        out.setdefault((sid, day), DayActivity()).identified += int(count)
    return out
