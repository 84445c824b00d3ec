"""One POSLog `Transaction` (tags already stripped of namespaces) into a receipt document.

    doc = transaction_doc(tx, store_id="paris-marais", currency="EUR", zone=ZoneInfo("Europe/Paris"))
    # -> a receipt document, or a str saying why this transaction is not a sale

Dialects differ in where they put the total, the tax, the currency and voids; each
quirk is named where it is handled (see docs/receipts.md for the list).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from decimal import Decimal
from xml.etree.ElementTree import Element

from bridge.errors import InvalidEvent
from bridge.receipts.cardmask import find_card_last4, mask_text
from bridge.receipts.model import derived_id
from bridge.receipts.normalise import amount_text, decimal_of
from bridge.receipts.reconcile import ZERO, Parts, reconcile

UNIT_PRICES = ("ActualSalesUnitPrice", "RegularSalesUnitPrice", "RegularSaleUnitPrice", "UnitListPrice")
DESCRIPTIONS = ("Description", "ItemDesc", "POSDescription")
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
# Loyalty ids by preference; a constant CustomerID (a programme name) comes last.
LOYALTY_IDS = ("LoyaltyAccountID", "LoyaltyID", "MembershipID", "LoyaltyCardNumber", "LoyaltyCardID")
# Elements of a tender where a card number (masked or not) is written.
CARD_FIELDS = frozenset({"PrimaryAccountNumber", "CardNumber", "MaskedCardNumber", "MaskedPAN", "PAN",
                         "AccountNumber"})
VOID_LINKS = ("CreateRefNumber", "VoidedLineItemSequenceNumber", "LineItemSequenceNumberReference")


class Bad(Exception):
    """A field of one transaction is unusable; becomes a Problem."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field, self.reason = field, reason


def local(tag: object) -> str:
    """The local name of a tag or attribute, without its {namespace} or prefix."""
    return tag.rpartition("}")[2].rpartition(":")[2] if isinstance(tag, str) else ""


def _text(elem: Element | None, name: str) -> str:
    return "" if elem is None else (elem.findtext(name) or "").strip()


def _attr(elem: Element, name: str) -> str:
    attrib = elem.attrib
    if not attrib:
        return ""
    value = attrib.get(name)
    if value is not None:
        return value.strip()
    for key, value in attrib.items():
        if key[-len(name):] == name and local(key) == name:
            return value.strip()
    return ""


def _flag(elem: Element, name: str) -> bool:
    """An ARTS boolean given as an attribute or a child element."""
    return (_attr(elem, name) or _text(elem, name)).lower() in ("true", "1")


def _decimal(text: str | None, field: str) -> Decimal | None:
    text = (text or "").strip()
    if not text:
        return None
    try:  # the common case first: a plain decimal
        value = Decimal(text)
        if value.is_finite():
            return value
    except ArithmeticError:
        pass
    try:
        return decimal_of(text, field)
    except InvalidEvent as exc:
        raise Bad(field, exc.message) from None


def _amount(elem: Element | None, name: str, field: str) -> Decimal | None:
    return None if elem is None else _decimal(elem.findtext(name), field)


@dataclass
class _Line:
    """A sale or return line as read, before voids are applied."""

    doc: dict
    total: Decimal
    keys: tuple[str, ...]  # the numbers other lines use to point at this one
    void: bool = False
    link: str = ""  # the line a void line cancels
    discount: Decimal = ZERO
    tax: Decimal = ZERO


@dataclass
class _Money:
    """Everything a transaction's line items say about money."""

    lines: list[_Line] = field(default_factory=list)
    tenders: list[dict] = field(default_factory=list)
    tax: Decimal = ZERO
    discounts: Decimal = ZERO
    rewards: list[tuple[Decimal, bool]] = field(default_factory=list)  # NCR: (amount, summarised)


def _children(elem: Element) -> dict[str, Element]:
    """The first child of each name, for lookups without a search per name."""
    kids: dict[str, Element] = {}
    for child in elem:
        kids.setdefault(child.tag, child)
    return kids


def _kid_text(kids: dict[str, Element], name: str) -> str:
    child = kids.get(name)
    return (child.text or "").strip() if child is not None else ""


def _line(sale: Element, kids: dict[str, Element], is_return: bool, field: str) -> tuple[dict, Decimal]:
    pos = kids.get("POSIdentity")
    pos_id = _text(pos, "POSItemID")
    sku = _kid_text(kids, "ItemID") or pos_id
    if not sku:
        raise Bad(f"{field}.ItemID", "missing (no ItemID nor POSIdentity/POSItemID)")
    qty = _decimal(_kid_text(kids, "Quantity"), f"{field}.Quantity")
    qty = Decimal(1) if qty is None else qty
    unit = None
    for name in UNIT_PRICES:
        if name in kids:
            unit = _decimal(kids[name].text, f"{field}.{name}")
            if unit is not None:
                break
    extended = _decimal(_kid_text(kids, "ExtendedAmount"), f"{field}.ExtendedAmount")
    if unit is None and extended is None:
        raise Bad(f"{field}.ExtendedAmount", "missing (and no unit price)")
    if extended is None:
        extended = unit * qty  # type: ignore[operator]
    if unit is None:
        unit = (extended / qty if qty else extended).quantize(Decimal("0.01"))
    if is_return:
        qty, extended = -abs(qty), -abs(extended)
    line = {"sku": sku, "quantity": str(qty), "unit_price": amount_text(abs(unit)),
            "total": amount_text(extended)}
    if pos_id and pos_id != sku:
        line["ean"] = pos_id
    for name in DESCRIPTIONS:
        description = _kid_text(kids, name)
        if description:
            line["description"] = mask_text(description)  # free text: a card number may be keyed in
            break
    return line, extended


def _line_discount(sale: Element, kids: dict[str, Element], field: str) -> Decimal:
    """Discounts written on a line (price modifiers, a discount total), as a positive amount."""
    total = ZERO
    if "RetailPriceModifier" in kids:
        for modifier in sale.iterfind("RetailPriceModifier"):
            total += abs(_amount(modifier, "Amount", f"{field}.RetailPriceModifier.Amount") or ZERO)
    if not total and "TotalDiscountLine" in kids:
        total = abs(_decimal(kids["TotalDiscountLine"].text, f"{field}.TotalDiscountLine") or ZERO)
    return total


def _line_tax(sale: Element, kids: dict[str, Element], field: str) -> Decimal:
    if "Tax" not in kids:
        return ZERO
    return sum((_amount(t, "Amount", f"{field}.Tax.Amount") or ZERO for t in sale.iterfind("Tax")), ZERO)


def _tender_method(kind: str) -> str:
    k = kind.lower()
    if "gift" in k:
        return "gift_card"
    if k == "cash":
        return "cash"
    if "credit" in k or "debit" in k or "card" in k:
        return "card"
    return "other"


def _card_last4(tender: Element) -> str | None:
    """The last four digits from the tender's card fields (a masked or, wrongly, a full number)."""
    for node in tender.iter():
        if local(node.tag) in CARD_FIELDS and node.text and len(node.text.strip()) >= 8:
            last4 = find_card_last4(node.text.strip())
            if last4:
                return last4
    return None


def _tender(tender: Element, field: str) -> tuple[dict, bool]:
    """A tender with any change given taken off; True when it is a change-out line."""
    kind = _attr(tender, "TenderType") or _text(tender, "TenderType")
    amount = _amount(tender, "Amount", f"{field}.Amount")
    if amount is None:
        raise Bad(f"{field}.Amount", "missing")
    change = _amount(tender.find("TenderChange"), "Amount", f"{field}.TenderChange.Amount")
    change_out = change is not None and amount < 0  # NCR: change is a line of its own, negative
    if change is not None and amount > 0:  # ARTS: the amount handed over, change given back
        amount -= abs(change)
    if _attr(tender, "TypeCode").lower() == "refund":
        amount = -abs(amount)
    out = {"method": _tender_method(kind), "amount": amount_text(amount)}
    last4 = _card_last4(tender)
    if last4:
        out["card_last4"] = last4
    return out, change_out


def _add_tender(tenders: list[dict], tender: dict, change_out: bool) -> None:
    """Fold a change-out line into the tender it gives change for, so each tender is what was kept."""
    if change_out:
        for earlier in reversed(tenders):
            if earlier["method"] == tender["method"]:
                earlier["amount"] = amount_text(Decimal(earlier["amount"]) + Decimal(tender["amount"]))
                return
    tenders.append(tender)


def _read_items(rt: Element) -> _Money:
    money = _Money()
    for i, item in enumerate(rt.iterfind("LineItem")):
        kids = _children(item)
        void = (_attr(item, "VoidFlag") or _kid_text(kids, "VoidFlag")).lower() in ("true", "1")
        keys = tuple(k for k in (_kid_text(kids, "SequenceNumber"), _kid_text(kids, "CreateNumber")) if k)
        link = next((x for x in (_kid_text(kids, n) for n in VOID_LINKS) if x), "") if void else ""
        for child in item:
            name = child.tag
            if name in ("Sale", "Return"):
                where = f"LineItem[{i}].{name}"
                sale = _children(child)
                doc, total = _line(child, sale, name == "Return", where)
                link = link or (_kid_text(sale, "ItemLink") if void else "")
                money.lines.append(_Line(doc, total, keys, void, link, _line_discount(child, sale, where),
                                         _line_tax(child, sale, where)))
                continue
            where = f"LineItem[{i}].{name}"
            if name == "Tender" and not void:
                _add_tender(money.tenders, *_tender(child, where))
            elif name == "Tax" and not void:
                money.tax += _amount(child, "Amount", f"{where}.Amount") or ZERO
            elif name in ("Discount", "RetailPriceModifier") and not void:
                money.discounts += abs(_amount(child, "Amount", f"{where}.Amount") or ZERO)
            elif name == "LoyaltyReward" and not void:
                _reward(child, money, where)
    return money


def _reward(reward: Element, money: _Money, where: str) -> None:
    """NCR ACS monetary rewards: amounts off the transaction (the summarised ones, when marked)."""
    category = next((n.text or "" for n in reward.iter() if local(n.tag) == "RewardCategory"), "")
    if category.strip() != "Monetary":
        return
    for node in reward:
        if local(node.tag) == "ExtendedRewardAmount":
            amount = _decimal(node.text, f"{where}.ExtendedRewardAmount") or ZERO
            money.rewards.append((abs(amount), _attr(reward, "summarizedActivity").lower() == "true"))


def _apply_voids(lines: list[_Line]) -> tuple[list[_Line], int]:
    """The lines still sold once void lines (and the lines they cancel) are taken out."""
    kept: list[_Line] = []
    voided = 0
    for line in lines:
        if not line.void:
            kept.append(line)
            continue
        voided += 1
        target = None
        if line.link:  # Wincor: the void line names the line it cancels
            target = next((x for x in reversed(kept) if line.link in x.keys), None)
        elif line.total < 0:  # NCR: a negative copy of the line it cancels
            target = next((x for x in reversed(kept) if x.doc["sku"] == line.doc["sku"]
                           and x.total == -line.total), None)
        if target is not None:
            kept.remove(target)
            voided += 1
    return kept, voided


def _totals(rt: Element) -> dict[str, Decimal]:
    found: dict[str, Decimal] = {}
    for total in rt.iterfind("Total"):
        kind = local(_attr(total, "TotalType"))
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
        if _flag(total, "CancelFlag"):
            continue
        value = _decimal(total.text, f"Total[{_attr(total, 'TotalType')}]")
        if value is not None:
            found.setdefault(kind, value)
    return found


def _currency(tx: Element, rt: Element, default: str) -> str:
    """The CurrencyCode element, else a Currency/CurrencyCode attribute on an amount (Retalix)."""
    code = _text(tx, "CurrencyCode") or _text(rt, "CurrencyCode")
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
    found = []
    for name in LOYALTY_IDS:
        found += [(n.text or "").strip() for n in rt.iter(name)]
    for account in rt.iter("LoyaltyAccount"):
        found.append(_text(account, "CustomerID"))
    found = [f for f in found if f]
    token = next((f for f in found if f.count(".") == 2 and f.startswith("eyJ")), None)
    return token or (found[0] if found else "")


def _not_a_sale(tx: Element, rt: Element | None) -> str:
    """Why this transaction is not a sale, or "" when it is one."""
    if rt is None:
        control = tx.find("ControlTransaction")
        if control is not None and control.find("NoSale") is not None:
            return "no sale (the drawer was opened)"
        kinds = sorted({c.tag for c in tx if isinstance(c.tag, str) and c.tag.endswith("Transaction")})
        return f"not a sale ({', '.join(kinds) or 'no RetailTransaction'})"
    for elem in (tx, rt):
        attrs = {local(k): v for k, v in elem.attrib.items()}
        kids = _children(elem)
        for flag, why in NOT_SALE_FLAGS:
            if (attrs.get(flag) or _kid_text(kids, flag)).strip().lower() in ("true", "1"):
                return f"{why} ({flag})"
        status = (attrs.get("TransactionStatus") or _kid_text(kids, "TransactionStatus")).strip()
        if status.lower() in NOT_SALE_STATUSES:
            return f"{NOT_SALE_STATUSES[status.lower()]} (TransactionStatus {status})"
    return ""


def local_time(text: str, zone: tzinfo) -> str:
    """A POSLog time with an offset; one written without is the store's wall time."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text  # left for the receipt checks to refuse, naming the field
    if moment.tzinfo is not None:
        return text
    return moment.replace(tzinfo=zone).isoformat(timespec="milliseconds" if moment.microsecond else "seconds")


def transaction_doc(tx: Element, *, store_id: str, currency: str, zone: tzinfo) -> dict | str:
    """The receipt document of one POSLog Transaction, or why it is not a sale; raises Bad."""
    rt = tx.find("RetailTransaction")
    why = _not_a_sale(tx, rt)
    if why:
        return why
    assert rt is not None
    money = _read_items(rt)
    lines, voided = _apply_voids(money.lines)
    totals = _totals(rt)
    if not lines:
        grand = totals.get("grand", ZERO)
        if grand or any(Decimal(t["amount"]) for t in money.tenders):
            raise Bad("LineItem", f"no sale line, yet a total of {amount_text(grand)}")
        return "empty (every line voided)" if voided else "empty (no sale line)"
    ws, seq = _text(tx, "WorkstationID"), _text(tx, "SequenceNumber")
    if not ws or not seq:
        raise Bad("WorkstationID" if not ws else "SequenceNumber", "missing")
    ended = _text(tx, "EndDateTime") or _text(rt, "ReceiptDateTime") or _text(tx, "BeginDateTime")
    if not ended:
        raise Bad("EndDateTime", "missing (nor ReceiptDateTime, BeginDateTime)")
    day = _text(tx, "BusinessDayDate") or ended[:10]
    store = _text(tx, "RetailStoreID") or store_id
    doc = {"id": derived_id("pl-", store, ws, day, seq), "device_id": ws,
           "occurred_at": local_time(ended, zone), "currency": _currency(tx, rt, currency),
           "receipt_id": f"{day}-{ws}-{seq}", "register_id": ws,
           "lines": [x.doc for x in lines], "tenders": money.tenders}
    doc.update(_money_fields(money, lines, totals))
    loyalty = _loyalty_id(rt)
    if loyalty:
        doc["loyalty_token"] = loyalty
    return doc


def _money_fields(money: _Money, lines: list[_Line], totals: dict[str, Decimal]) -> dict:
    """total, tax, subtotal and the check of the till's total against the parts."""
    tax = totals.get("tax")
    if tax is None:  # Retalix, Chilean TLOG: tax only on the lines
        tax = money.tax + sum((x.tax for x in lines), ZERO)
    summarised = [a for a, s in money.rewards if s]
    rewards = sum(summarised or [a for a, _ in money.rewards], ZERO)
    check = reconcile(Parts(lines=sum((x.total for x in lines), ZERO), tax=tax, grand=totals.get("grand"),
                            line_discounts=sum((x.discount for x in lines), ZERO),
                            discounts=money.discounts + rewards, rounding=totals.get("rounding", ZERO)))
    subtotal = totals.get("net", check.total - tax)
    out = {"total": amount_text(check.total), "tax": amount_text(tax), "subtotal": amount_text(subtotal),
           "tax_included": check.tax_included}
    if check.discount:
        out["discount"] = amount_text(check.discount)
    if check.mismatch:
        out["total_mismatch"] = check.mismatch
    if check.computed:
        out["total_computed"] = "the file has no grand total: lines - discounts + tax"
    return out
