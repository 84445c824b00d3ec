"""One POSLog `Transaction` (tags already stripped of namespaces) into a contract receipt event.

    event = transaction_event(tx, store_id="paris-marais", currency="EUR", zone=ZoneInfo("Europe/Paris"))
    # -> {"id": "pl-...", "type": "receipt", ..., "payload": {...}}, or a str saying why
    #    this transaction is not a sale

The event is built field by field as the contract writes it (the reader knows each value's
type as it reads it), so the recorder checks it against the contract once instead of
normalising a document first.

Dialects differ in where they put the total, the tax, the currency and voids; each
quirk is named where it is handled (see docs/receipts.md for the list).
"""

from __future__ import annotations

import re
from datetime import datetime, tzinfo
from decimal import Decimal
from xml.etree.ElementTree import Element

from bridge.intake.receipts.model import derived_id
from bridge.intake.receipts.normalise import amount_text
from bridge.intake.receipts.poslog_items import Items, ItemLine, apply_voids, money, read_items
from bridge.intake.receipts.poslog_xml import Bad, attr, children, flag_at, kid_text, local, text_at, to_decimal
from bridge.intake.receipts.reconcile import ZERO, Parts, reconcile

# The till's grand total under the names dialects give it (ARTS, a Chilean TLOG...).
GRAND_TOTALS = frozenset({"TransactionGrandAmount", "TransactionAmountTotal", "TransactionTotalAmount",
                          "TransactionGrandTotal"})
TAX_TOTALS = frozenset({"TransactionTaxAmount", "TransactionTaxTotal"})
NET_TOTALS = frozenset({"TransactionNetAmount"})
# Statuses that are not a finished sale; any other status (or none) is a sale.
NOT_SALE_STATUSES = {"voided": "voided", "postvoided": "voided", "cancelled": "cancelled",
                     "canceled": "cancelled", "suspended": "suspended", "suspendeddeleted": "suspended",
                     "training": "training mode", "aborted": "cancelled"}
NOT_SALE_FLAGS = (("CancelFlag", "cancelled"), ("VoidFlag", "voided"), ("VoidedFlag", "voided"),
                  ("TrainingModeFlag", "training mode"), ("SuspendedFlag", "suspended"),
                  ("SuspendFlag", "suspended"))
_NOT_SALE_NAMES = frozenset([flag for flag, _ in NOT_SALE_FLAGS] + ["TransactionStatus"])
# Loyalty ids by preference; a constant CustomerID (a programme name) comes last.
LOYALTY_IDS = ("LoyaltyAccountID", "LoyaltyID", "MembershipID", "LoyaltyCardNumber", "LoyaltyCardID")
_LOYALTY_TAGS = frozenset(LOYALTY_IDS) | {"LoyaltyAccount"}
_CURRENCY = re.compile(r"[A-Z]{3}")


def _totals(rt: Element) -> dict[str, Decimal]:
    found: dict[str, Decimal] = {}
    for total in rt.findall("Total"):  # findall: C for a plain name (iterfind goes through ElementPath)
        kind = local(attr(total, "TotalType"))
        if kind in GRAND_TOTALS:
            kind = "grand"
        elif kind in TAX_TOTALS:
            kind = "tax"
        elif kind in NET_TOTALS:
            kind = "net"
        elif kind == "RoundingAmount":  # Wincor
            kind = "rounding"
        else:
            continue
        if flag_at(total, "CancelFlag"):
            continue
        value = _total_amount(total)
        if value is not None:
            found.setdefault(kind, value)
    return found


def _total_amount(total: Element) -> Decimal | None:
    """A Total's amount; the field is named "Total[TYPE]" only when it is not a number."""
    try:  # the common case first, as in to_decimal
        value = Decimal(total.text)  # type: ignore[arg-type]
        if value.is_finite():
            return value
    except (ArithmeticError, TypeError):
        pass
    return to_decimal(total.text, f"Total[{attr(total, 'TotalType')}]")


def _currency(tx: Element, rt: Element, default: str) -> str:
    """The CurrencyCode element, else a Currency/CurrencyCode attribute on an amount (Retalix)."""
    code = text_at(tx, "CurrencyCode") or text_at(rt, "CurrencyCode")
    if code:
        return code
    for node in rt.iter():
        if node.attrib:
            code = node.get("Currency") or node.get("CurrencyCode") or ""
            if code:
                return code.strip()
    return default


def _loyalty_id(rt: Element) -> str:
    """The shopper's loyalty id: an app token the till scanned, else the account id."""
    nodes = [n for n in rt.iter() if n.tag in _LOYALTY_TAGS]  # one walk, not one per name
    if not nodes:
        return ""
    found = [(n.text or "").strip() for name in LOYALTY_IDS for n in nodes if n.tag == name]
    found += [text_at(n, "CustomerID") for n in nodes if n.tag == "LoyaltyAccount"]
    found = [f for f in found if f]
    token = next((f for f in found if f.count(".") == 2 and f.startswith("eyJ")), None)
    return token or (found[0] if found else "")


def _not_a_sale(tx: Element, rt: Element | None, flags_inside: bool = True) -> str:
    """Why this transaction is not a sale, or "" when it is one; flags_inside=False says no
    element in tx is named like a flag, so only attributes need a look."""
    if rt is None:
        control = tx.find("ControlTransaction")
        if control is not None and control.find("NoSale") is not None:
            return "no sale (the drawer was opened)"
        kinds = sorted({c.tag for c in tx if isinstance(c.tag, str) and c.tag.endswith("Transaction")})
        return f"not a sale ({', '.join(kinds) or 'no RetailTransaction'})"
    for elem in (tx, rt):
        attrs = {local(k): v for k, v in elem.attrib.items()} if elem.attrib else {}
        if not flags_inside and _NOT_SALE_NAMES.isdisjoint(attrs):
            continue
        kids = children(elem) if flags_inside else {}
        if _NOT_SALE_NAMES.isdisjoint(kids) and _NOT_SALE_NAMES.isdisjoint(attrs):
            continue  # the common case: nothing that could say so
        for flag, why in NOT_SALE_FLAGS:
            if (attrs.get(flag) or kid_text(kids, flag)).strip().lower() in ("true", "1"):
                return f"{why} ({flag})"
        status = (attrs.get("TransactionStatus") or kid_text(kids, "TransactionStatus")).strip()
        if status.lower() in NOT_SALE_STATUSES:
            return f"{NOT_SALE_STATUSES[status.lower()]} (TransactionStatus {status})"
    return ""


def occurred_at(text: str, field: str, zone: tzinfo) -> str:
    """A POSLog time in RFC 3339; one written without an offset is the store's wall time."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise Bad(field, f"not an ISO 8601 / RFC 3339 timestamp: {text!r}"[:200]) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.isoformat(timespec="milliseconds" if moment.microsecond else "seconds")


def _ended(tx: Element, rt: Element) -> tuple[str, str]:
    """When the sale ended, and the element that says so."""
    for elem, name in ((tx, "EndDateTime"), (rt, "ReceiptDateTime"), (tx, "BeginDateTime")):
        text = text_at(elem, name)
        if text:
            return text, name
    raise Bad("EndDateTime", "missing (nor ReceiptDateTime, BeginDateTime)")


def transaction_event(tx: Element, *, store_id: str, currency: str, zone: tzinfo,
                      inside: set[str] | None = None) -> dict | str:
    """The receipt event of one POSLog Transaction, or why it is not a sale; raises Bad.

    inside, when given, holds (at least) the local name of every element in tx: the reader
    gathers it while stripping namespaces, and it spares walks of the tree for what is not there.
    """
    rt = tx.find("RetailTransaction")
    why = _not_a_sale(tx, rt, inside is None or not _NOT_SALE_NAMES.isdisjoint(inside))
    if why:
        return why
    assert rt is not None
    cur = _currency(tx, rt, currency)
    if not _CURRENCY.fullmatch(cur):
        raise Bad("CurrencyCode", f"must be 3 capital letters like \"EUR\", got {cur!r}"[:200])
    items = read_items(rt, cur)
    lines, voided = apply_voids(items.lines)
    totals = _totals(rt)
    if not lines:
        grand = totals.get("grand", ZERO)
        if grand or any(items.tender_amounts):
            raise Bad("LineItem", f"no sale line, yet a total of {amount_text(grand)}")
        return "empty (every line voided)" if voided else "empty (no sale line)"
    ws, seq = text_at(tx, "WorkstationID"), text_at(tx, "SequenceNumber")
    if not ws or not seq:
        raise Bad("WorkstationID" if not ws else "SequenceNumber", "missing")
    ended, ended_field = _ended(tx, rt)
    day = text_at(tx, "BusinessDayDate") or ended[:10]
    store = text_at(tx, "RetailStoreID") or store_id
    payload = {"receipt_id": f"{day}-{ws}-{seq}", "register_id": ws, "lines": [x.doc for x in lines],
               "tenders": items.tenders}
    payload.update(_money_fields(items, lines, totals, cur))
    loyalty = _loyalty_id(rt) if inside is None or not _LOYALTY_TAGS.isdisjoint(inside) else ""
    if loyalty:
        payload["loyalty_token"] = loyalty
    return {"id": derived_id("pl-", store, ws, day, seq), "type": "receipt", "device_id": ws,
            "occurred_at": occurred_at(ended, ended_field, zone), "profile_id": None, "payload": payload}


def _money_fields(items: Items, lines: list[ItemLine], totals: dict[str, Decimal], currency: str) -> dict:
    """total, tax, subtotal and the check of the till's total against the parts."""
    tax = totals.get("tax")
    if tax is None:  # Retalix, Chilean TLOG: tax only on the lines
        tax = items.tax + sum((x.tax for x in lines), ZERO)
    rewards = ZERO
    if items.rewards:
        summarised = [a for a, s in items.rewards if s]
        rewards = sum(summarised or [a for a, _ in items.rewards], ZERO)
    line_totals = line_discounts = ZERO
    for x in lines:
        line_totals += x.total
        line_discounts += x.discount
    check = reconcile(Parts(lines=line_totals, tax=tax, grand=totals.get("grand"), line_discounts=line_discounts,
                            discounts=items.discounts + rewards, rounding=totals.get("rounding", ZERO)))
    subtotal = totals.get("net", check.total - tax)
    out = {"total": money(check.total, currency), "tax": money(tax, currency),
           "subtotal": money(subtotal, currency), "tax_included": check.tax_included}
    if check.discount:
        out["discount"] = money(check.discount, currency)
    if check.mismatch:
        out["total_mismatch"] = check.mismatch
    if check.computed:
        out["total_computed"] = "the file has no grand total: lines - discounts + tax"
    return out
