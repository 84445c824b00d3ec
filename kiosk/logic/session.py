"""One shopper's visit: what they saved, who they are, and the events it makes.

Plain Python, no Kivy; the clock and the recorder are injected so tests run
without a window. Replace the whole object to forget the shopper.

    session = Session(bridge.record, device_id="kiosk-1", holdout_share=0.10)
    session.start()                            # records session_started with "holdout"
    session.save("RM-1001", "RM-1001-S-BLK")   # records item_saved with the claim code
    session.end("done")                        # records session_ended
"""

from __future__ import annotations

import random
import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Callable, Protocol
from urllib.parse import quote


class RecordEvent(Protocol):
    def __call__(self, type: str, *, device_id: str, payload: dict,
                 profile_id: str | None = None, claim_code: str | None = None) -> str: ...


@dataclass(frozen=True)
class SavedItem:
    """A product the shopper saved, with the size they chose if any."""

    product_id: str
    sku: str | None = None


def new_claim_code() -> str:
    """A short random code, unambiguous when read aloud (no 0/O, 1/I)."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(10))


def format_url(template: str, **values: str) -> str:
    """Fill a URL template, URL-encoding every value."""
    return template.format(**{k: quote(v, safe="") for k, v in values.items()})


class Session:
    """The current shopper; a fresh one replaces it when they leave."""

    def __init__(self, record: RecordEvent, *, device_id: str,
                 clock: Callable[[], float] = time.monotonic, holdout_share: float = 0.0,
                 draw: Callable[[], float] = random.random) -> None:
        self._record = record
        self._clock = clock
        self.device_id = device_id
        self.session_id = uuid.uuid4().hex
        # The control group: drawn once per visit, before anything personal is shown.
        self.holdout = draw() < holdout_share
        self.claim_code = new_claim_code()
        self.profile_id: str | None = None
        self.first_name: str | None = None
        self.profile_offline = False  # HQ could not be asked: only this kiosk's copy is known
        self.saved: list[SavedItem] = []
        self.started = False
        self.ended = False
        self._viewing: tuple[str, str | None, float] | None = None
        self._last_search: str | None = None
        self._listeners: list[Callable[[Session], None]] = []

    # -- observers -------------------------------------------------------
    def bind(self, listener: Callable[["Session"], None]) -> None:
        """Call listener(session) after every change the UI shows."""
        self._listeners.append(listener)

    def _changed(self) -> None:
        for listener in list(self._listeners):
            listener(self)

    def _emit(self, type: str, payload: dict) -> str:
        # Once known, the profile is the identity; before that the claim code is.
        who = {"profile_id": self.profile_id} if self.profile_id else {"claim_code": self.claim_code}
        return self._record(type, device_id=self.device_id, payload=payload, **who)

    # -- lifecycle -------------------------------------------------------
    def start(self) -> None:
        """The first touch: records session_started once."""
        if self.started or self.ended:
            return
        self.started = True
        self._emit("session_started", {"session_id": self.session_id, "holdout": self.holdout})

    def end(self, reason: str) -> None:
        """Close the visit (idle, done, staff); records session_ended if it had started."""
        if self.ended:
            return
        self.leave_product()
        self.ended = True
        if self.started:
            self._emit("session_ended", {"session_id": self.session_id, "reason": reason})

    # -- identity --------------------------------------------------------
    @property
    def personal(self) -> bool:
        """True when this visit may see personal suggestions (identified, not in the holdout)."""
        return bool(self.profile_id) and not self.holdout

    def identify(self, profile_id: str, first_name: str | None = None) -> None:
        """The shopper scanned their app QR; records shopper_identified."""
        self.start()
        self.profile_id = profile_id
        self.first_name = first_name
        self._emit("shopper_identified", {"session_id": self.session_id, "method": "app_qr"})
        self._changed()

    def apply_profile(self, profile: dict) -> None:
        """Merge what HQ knows (first name, saved items) for the identified shopper."""
        if not self.profile_id or profile.get("id") not in (None, self.profile_id):
            return  # a late answer for a shopper who already left
        # Only the shop-floor view is kept: first name and saved items, never e-mail or purchases.
        self.first_name = profile.get("first_name") or self.first_name
        self.profile_offline = False
        for item in profile.get("saved_items") or []:
            saved = SavedItem(str(item["product_id"]), item.get("sku"))
            if not self.is_saved(saved.product_id):
                self.saved.append(saved)
        self._changed()

    def profile_unavailable(self) -> None:
        """HQ could not be reached for the profile: screens fall back to the store's copy."""
        if self.profile_id:
            self.profile_offline = True
            self._changed()

    # -- saved items -----------------------------------------------------
    def is_saved(self, product_id: str) -> bool:
        return any(item.product_id == product_id for item in self.saved)

    def save(self, product_id: str, sku: str | None = None) -> None:
        """Save a product (once); records item_saved."""
        if self.is_saved(product_id):
            return
        self.start()
        self.saved.append(SavedItem(product_id, sku))
        self._emit("item_saved", _with_sku({"product_id": product_id}, sku))
        self._changed()

    def unsave(self, product_id: str) -> None:
        """Remove a saved product; records item_unsaved."""
        items = [i for i in self.saved if i.product_id == product_id]
        if not items:
            return
        self.saved = [i for i in self.saved if i.product_id != product_id]
        self._emit("item_unsaved", _with_sku({"product_id": product_id}, items[0].sku))
        self._changed()

    # -- browsing --------------------------------------------------------
    def view_product(self, product_id: str, sku: str | None = None) -> None:
        """The product page opened; dwell time runs until leave_product()."""
        self.leave_product()
        self._viewing = (product_id, sku, self._clock())

    def choose_sku(self, sku: str | None) -> None:
        if self._viewing:
            self._viewing = (self._viewing[0], sku, self._viewing[2])

    def leave_product(self) -> None:
        """Records product_viewed with the dwell time of the page just left."""
        if not self._viewing:
            return
        product_id, sku, since = self._viewing
        self._viewing = None
        dwell_ms = max(0, int((self._clock() - since) * 1000))
        self._emit("product_viewed", _with_sku({"product_id": product_id, "dwell_ms": dwell_ms}, sku))

    def searched(self, query: str, results_count: int) -> None:
        """Records search_performed, once per distinct settled query."""
        query = query.strip()
        if not query or query.casefold() == (self._last_search or "").casefold():
            return
        self._last_search = query
        self.start()
        self._emit("search_performed", {"query": query, "results_count": int(results_count)})

    # -- hand-offs -------------------------------------------------------
    def request_fitting_room(self, skus: list[str], room: str | None = None) -> None:
        """Records fitting_room_requested for these SKUs."""
        payload: dict = {"skus": list(skus)}
        if room:
            payload["room"] = room
        self._emit("fitting_room_requested", payload)

    def send_to_phone(self, skus: list[str], url_template: str) -> str:
        """Records sent_to_phone and returns the URL for the QR code."""
        handoff_id = uuid.uuid4().hex[:16]
        self._emit("sent_to_phone", {"handoff_id": handoff_id, "skus": list(skus)})
        return format_url(url_template, handoff_id=handoff_id, skus=",".join(skus))

    def claim_url(self, url_template: str) -> str:
        return format_url(url_template, claim_code=self.claim_code)


class FittingQueue:
    """Queue numbers for fitting-room requests, restarting at 1 each day."""

    def __init__(self, today: Callable[[], str] = lambda: time.strftime("%Y-%m-%d")) -> None:
        self._today = today
        self._day = ""
        self._last = 0

    def next(self) -> int:
        day = self._today()
        if day != self._day:
            self._day, self._last = day, 0
        self._last += 1
        return self._last


def _with_sku(payload: dict, sku: str | None) -> dict:
    if sku:
        payload["sku"] = sku
    return payload
