"""Record POS receipts: mask card data, link shoppers, map barcodes, adjust local stock.

    results = receive_documents(bridge, [{"receipt_id": "R1", "register_id": "pos-1", ...}])
    results[0]  # -> {"id": "rc-...", "status": "accepted"}

Every receipt path (intake server, JSON, CSV, POSLog, JSON Lines) goes through
`ReceiptRecorder`, so no full card number reaches the database or HQ.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bridge.app_token import TokenRefused, verify
from bridge.errors import InvalidEvent
from bridge.intake.receipts.cardmask import (find_card_last4, has_card_numbers, has_sensitive_keys,
                                     mask_card_numbers, strip_sensitive)
from bridge.intake.receipts.model import Problem, SourceDoc
from bridge.intake.receipts.normalise import receipt_event
from bridge.store.catalog.writes import adjust_known_stock
from bridge.store.outbox_records import Recorded

log = logging.getLogger("bridge.receipts")

CHUNK = 500  # receipts per outbox transaction


@dataclass(frozen=True)
class Outcome:
    """What became of one document or event: accepted, duplicate or rejected (with the problem)."""

    where: str
    id: str | None
    status: str
    problem: Problem | None = None


class _EveryUse:
    """A replay guard that allows every use: a receipt checks the token at the time of the sale,
    and a receipt recorded twice is deduplicated by its id, not by the token."""

    def first_use(self, jti: str, expires_at: float, now: float) -> bool:
        return True


def _looks_like_app_token(value: str) -> bool:
    return value.count(".") == 2 and value.startswith("eyJ")


def _gtin_forms(code: str) -> list[str]:
    """The code and its shorter GTIN spellings (a GTIN-14 padded with zeros is an EAN-13, a UPC-A)."""
    if code[:1] != "0":  # most codes: no shorter spelling
        return [code]
    forms = [code]
    while len(code) > 8 and code.startswith("0"):
        code = code[1:]
        if len(code) in (8, 12, 13):
            forms.append(code)
    return forms


def _fill_card_last4(doc: dict) -> dict:
    """Set card_last4 on card tenders from any card number written in them (before masking)."""
    tenders = doc.get("tenders")
    if not isinstance(tenders, list):
        return doc
    for tender in tenders:
        if isinstance(tender, dict) and not tender.get("card_last4"):
            for value in _strings(tender):
                last4 = find_card_last4(value)
                if last4:
                    tender["card_last4"] = last4
                    break
    return doc


def _strings(obj: Any) -> list[str]:
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, int) and not isinstance(obj, bool):
        return [str(obj)]
    if isinstance(obj, dict):
        return [s for v in obj.values() for s in _strings(v)]
    if isinstance(obj, list):
        return [s for v in obj for s in _strings(v)]
    return []


def scrub(obj: Any) -> Any:
    """Card data out: sensitive keys dropped, card numbers masked, card_last4 filled on tenders."""
    # One serialisation tells whether the (slower) walks are needed at all.
    text = json.dumps(obj, default=str)
    if has_sensitive_keys(text):
        obj = strip_sensitive(obj)
    if isinstance(obj, dict):  # copies: the caller's document is left untouched
        obj = dict(obj)
        if isinstance(obj.get("payload"), dict):
            obj["payload"] = target = dict(obj["payload"])
        else:
            target = obj
        if isinstance(target.get("tenders"), list):
            target["tenders"] = [dict(t) if isinstance(t, dict) else t for t in target["tenders"]]
        _fill_card_last4(target)
    return mask_card_numbers(obj, keep_id=True) if has_card_numbers(text) else obj


class ReceiptRecorder:
    """Records receipt documents and events of one bridge, chunk by chunk.

        rec = ReceiptRecorder(bridge)
        outcomes = rec.documents([SourceDoc("r.json", doc)])
    """

    def __init__(self, bridge: Any) -> None:
        self.bridge = bridge
        self.store_id = bridge.settings.store.id
        self.currency = bridge.settings.store.currency
        self.zone = ZoneInfo(bridge.settings.store.timezone)
        self.location = f"store:{self.store_id}"
        self._skus: dict[str, str | None] = {}  # item code -> catalog SKU (None: unknown)
        self._jwks: dict | None = None

    # -- public -----------------------------------------------------------------------

    def documents(self, items: list[SourceDoc]) -> list[Outcome]:
        """Record receipt documents (JSON, CSV, POSLog, intake)."""
        return self._record(items, self._prepare_document)

    def events(self, items: list[SourceDoc]) -> list[Outcome]:
        """Record contract events (JSON Lines); receipts among them get the receipt treatment."""
        return self._record(items, self._prepare_event)

    # -- preparing --------------------------------------------------------------------

    def _prepare_document(self, item: SourceDoc) -> dict:
        if item.shaped:  # a fresh event of the reader's own: checked by record_many, once
            return self._finish_receipt(item.doc, owned=True)
        doc = item.doc if item.clean else scrub(item.doc)
        event = receipt_event(doc, store_id=self.store_id, currency=self.currency, zone=self.zone)
        return self._finish_receipt(event, owned=True)

    def _prepare_event(self, item: SourceDoc) -> dict:
        event = scrub(item.doc)
        if event.get("type") == "receipt" and isinstance(event.get("payload"), dict):
            event = self._finish_receipt(event, owned=False)
        return event

    def _finish_receipt(self, event: dict, owned: bool) -> dict:
        """The event ready to store: an app token checked and dropped. Unless owned (built
        afresh by receipt_event, its payload and lines new dicts), the event, its payload
        and its lines are copied first, since they are changed here and by _map_skus."""
        if not owned:
            event = dict(event)
            event["payload"] = dict(event["payload"])
            if isinstance(event["payload"].get("lines"), list):
                event["payload"]["lines"] = [dict(x) if isinstance(x, dict) else x
                                             for x in event["payload"]["lines"]]
        payload = event["payload"]
        token = payload.get("loyalty_token")
        if isinstance(token, str) and _looks_like_app_token(token):
            del payload["loyalty_token"]  # an app token is a credential, never forwarded
            profile_id = self._verify(token, event.get("occurred_at"))
            if profile_id and not event.get("profile_id"):
                event["profile_id"] = profile_id
        return event

    def _map_skus(self, events: list[dict]) -> None:
        """Replace each receipt line's item code by the catalog SKU its barcode names, if any.

        The codes not seen yet are looked up in one query per chunk, not one per code.
        """
        skus = self._skus
        lines = [line for e in events if e.get("type") == "receipt" and isinstance(e.get("payload"), dict)
                 for line in e["payload"].get("lines") or []
                 if isinstance(line, dict) and isinstance(line.get("sku"), str)]
        new = {code for line in lines for code in (line.get("ean"), line["sku"])
               if code.__class__ is str and code not in skus and code.isdigit()}
        if new:
            forms = {code: _gtin_forms(code) for code in new}
            found = self.bridge.catalog.skus_by_ean(sorted({f for fs in forms.values() for f in fs}))
            for code, fs in forms.items():
                sku = None
                for form in fs:  # the first spelling the catalog knows
                    sku = found.get(form)
                    if sku is not None:
                        break
                skus[code] = sku
        for line in lines:  # the catalog SKU of the ean, else of the item code, else the code
            ean = line.get("ean")
            line["sku"] = (ean.__class__ is str and skus.get(ean)) or skus.get(line["sku"]) or line["sku"]

    def _verify(self, token: str, occurred_at: object) -> str | None:
        if self._jwks is None:
            self._jwks = self.bridge.jwks()
        try:
            at = datetime.fromisoformat(str(occurred_at)).timestamp()
        except ValueError:
            at = None
        try:
            # Checked at the time of the sale: exports often arrive after the token expired.
            return verify(token, self._jwks, now=at, replay_guard=_EveryUse())
        except TokenRefused as exc:
            log.warning("receipt at %s: app token not linked: %s", occurred_at, exc)
            return None

    # -- recording --------------------------------------------------------------------

    def _record(self, items: list[SourceDoc], prepare: Any) -> list[Outcome]:
        outcomes: list[Outcome] = []
        for start in range(0, len(items), CHUNK):
            outcomes.extend(self._record_chunk(items[start:start + CHUNK], prepare))
        return outcomes

    def _record_chunk(self, items: list[SourceDoc], prepare: Any) -> list[Outcome]:
        outcomes: list[Outcome | None] = []
        events, slots = [], []
        for item in items:
            try:
                event = prepare(item)
            except InvalidEvent as exc:
                outcomes.append(Outcome(item.where, _doc_id(item.doc), "rejected",
                                        item.problem(exc.field, exc.message)))
                continue
            except RecursionError:
                outcomes.append(Outcome(item.where, _doc_id(item.doc), "rejected",
                                        item.problem("", "nested too deeply")))
                continue
            outcomes.append(None)
            slots.append((len(outcomes) - 1, item))
            events.append(event)
        self._map_skus(events)
        # Stock moves in the transaction that stores the receipts: both or neither.
        results = self.bridge.outbox.record_many(
            events, then=lambda conn, stored: self._adjust_stock(conn, events, stored)) if events else []
        for (slot, item), event, result in zip(slots, events, results):
            if isinstance(result, InvalidEvent):
                field = result.field
                if prepare == self._prepare_document and field.startswith("payload."):
                    field = field[len("payload."):]  # a document's fields are the payload's
                outcomes[slot] = Outcome(item.where, event.get("id"), "rejected",
                                         item.problem(field, result.message))
                continue
            outcomes[slot] = Outcome(item.where, result.id, "accepted" if result.created else "duplicate")
        return outcomes  # type: ignore[return-value]  # every slot is filled

    def _adjust_stock(self, conn: sqlite3.Connection, events: list[dict], results: list) -> None:
        """Apply the sales and returns of the receipts just stored (not duplicates) to this
        store's on-hand, for SKUs the catalog knows, in record_many's transaction."""
        deltas: dict[str, int] = defaultdict(int)
        for event, result in zip(events, results):
            if isinstance(result, Recorded) and result.created and event.get("type") == "receipt":
                _add_deltas(deltas, event["payload"])
        if deltas:
            adjust_known_stock(conn, self.location, deltas)


def _add_deltas(deltas: dict[str, int], payload: dict) -> None:
    """A sale takes its quantity off the shelf, a return (negative quantity) puts it back."""
    for line in payload.get("lines") or []:
        qty = line.get("quantity") if isinstance(line, dict) else None
        # Weighed quantities (0.42 kg) are not pieces on a shelf: they do not move stock.
        if isinstance(qty, int) and not isinstance(qty, bool) and isinstance(line.get("sku"), str):
            deltas[line["sku"]] -= qty


def _doc_id(doc: object) -> str | None:
    value = doc.get("id") if isinstance(doc, dict) else None
    return value if isinstance(value, str) else None


def receive_documents(bridge: Any, docs: list[dict]) -> list[dict]:
    """Record receipt documents; one {"id", "status", "error"?} per document, in order."""
    items = [SourceDoc(f"[{i}]", doc if isinstance(doc, dict) else {"_not_an_object": True})
             for i, doc in enumerate(docs)]
    results = []
    for doc, outcome in zip(docs, ReceiptRecorder(bridge).documents(items)):
        if not isinstance(doc, dict):
            results.append({"id": None, "status": "rejected", "error": "receipt: must be an object"})
        else:
            results.append(_result(outcome))
    return results


def receive_events(bridge: Any, events: list[dict]) -> list[dict]:
    """Record contract events with card data scrubbed (receipts also linked and stocked); one result each."""
    items = [SourceDoc(f"[{i}]", e if isinstance(e, dict) else {"_not_an_object": True})
             for i, e in enumerate(events)]
    outcomes = ReceiptRecorder(bridge).events(items)
    return [_result(o) if isinstance(e, dict) else {"id": None, "status": "rejected",
                                                     "error": "event: must be an object"}
            for e, o in zip(events, outcomes)]


def _result(outcome: Outcome) -> dict[str, Any]:
    result: dict[str, Any] = {"id": outcome.id, "status": outcome.status}
    if outcome.problem is not None:
        p = outcome.problem
        result["error"] = f"{p.field}: {p.reason}" if p.field else p.reason
    return result
