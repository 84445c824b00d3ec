"""The line items of one POSLog transaction: sales and returns, voids, tenders, discounts, tax.

    items = read_items(retail_transaction, "EUR")
    lines, voided = apply_voids(items.lines)

Lines and tenders are built as the contract writes them (money {"amount", "currency"},
quantities as numbers), so the receipt event needs no second pass over them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from xml.etree.ElementTree import Element

from bridge.intake.receipts.cardmask import find_card_last4, mask_text
from bridge.intake.receipts.normalise import amount_text
from bridge.intake.receipts.poslog_xml import (Bad, amount_at, attr, children, kid_decimal, kid_text, local, text_at,
                                               to_decimal)
from bridge.intake.receipts.reconcile import ZERO

UNIT_PRICES = ("ActualSalesUnitPrice", "RegularSalesUnitPrice", "RegularSaleUnitPrice", "UnitListPrice")
DESCRIPTIONS = ("Description", "ItemDesc", "POSDescription")
# Elements of a tender where a card number (masked or not) is written.
CARD_FIELDS = frozenset({"PrimaryAccountNumber", "CardNumber", "MaskedCardNumber", "MaskedPAN", "PAN",
                         "AccountNumber"})
VOID_LINKS = ("CreateRefNumber", "VoidedLineItemSequenceNumber", "LineItemSequenceNumberReference")
# Children of a LineItem that read_items acts on (a SequenceNumber is only a key).
_ACTED_ON = frozenset({"Sale", "Return", "Tender", "Tax", "Discount", "RetailPriceModifier", "LoyaltyReward"})
_ONE = Decimal(1)
_CENT = Decimal("0.01")


def money(amount: Decimal, currency: str) -> dict[str, str]:
    """Contract money of an exact amount."""
    return {"amount": amount_text(amount), "currency": currency}


def count_of(qty: Decimal) -> int | float:
    """A quantity as the contract writes it: a whole one as int, a weighed one (0.42) as a number."""
    if qty.adjusted() > 18:  # far beyond any till's count: no giant int (the contract refuses it)
        return float(qty)
    whole = int(qty)
    return whole if whole == qty else float(qty)


@dataclass
class ItemLine:
    """A sale or return line as read, before voids are applied."""

    doc: dict  # the contract line item
    total: Decimal
    item: dict[str, Element]  # the LineItem's children, where its keys are (line_keys)
    void: bool = False
    link: str = ""  # the line a void line cancels
    discount: Decimal = ZERO
    tax: Decimal = ZERO


@dataclass
class Items:
    """Everything a transaction's line items say about money."""

    lines: list[ItemLine] = field(default_factory=list)
    tenders: list[dict] = field(default_factory=list)  # contract tenders
    tender_amounts: list[Decimal] = field(default_factory=list)  # each tender's amount, exact
    tax: Decimal = ZERO
    discounts: Decimal = ZERO
    rewards: list[tuple[Decimal, bool]] = field(default_factory=list)  # NCR: (amount, summarised)


def _line(kids: dict[str, Element], is_return: bool, field: str, currency: str) -> tuple[dict, Decimal]:
    pos = kids.get("POSIdentity")
    pos_id = text_at(pos, "POSItemID")
    sku = kid_text(kids, "ItemID") or pos_id
    if not sku:
        raise Bad(f"{field}.ItemID", "missing (no ItemID nor POSIdentity/POSItemID)")
    qty = kid_decimal(kids, "Quantity", field)
    qty = _ONE if qty is None else qty
    unit = None
    for name in UNIT_PRICES:
        if name in kids:
            unit = kid_decimal(kids, name, field)
            if unit is not None:
                break
    extended = kid_decimal(kids, "ExtendedAmount", field)
    if unit is None and extended is None:
        raise Bad(f"{field}.ExtendedAmount", "missing (and no unit price)")
    if extended is None:
        extended = unit * qty  # type: ignore[operator]
    if unit is None:
        unit = (extended / qty if qty else extended).quantize(_CENT)
    if is_return:
        qty, extended = -abs(qty), -abs(extended)
    line = {"sku": sku, "quantity": count_of(qty), "unit_price": money(abs(unit), currency),
            "total": money(extended, currency)}
    if pos_id and pos_id != sku:
        line["ean"] = pos_id
    for name in DESCRIPTIONS:
        description = kid_text(kids, name)
        if description:
            line["description"] = mask_text(description)  # free text: a card number may be keyed in
            break
    return line, extended


def _line_discount(sale: Element, kids: dict[str, Element], field: str) -> Decimal:
    """Discounts written on a line (price modifiers, a discount total), as a positive amount."""
    total = ZERO
    if "RetailPriceModifier" in kids:
        for modifier in sale.findall("RetailPriceModifier"):
            total += abs(amount_at(modifier, "Amount", f"{field}.RetailPriceModifier.Amount") or ZERO)
    if not total and "TotalDiscountLine" in kids:
        total = abs(to_decimal(kids["TotalDiscountLine"].text, f"{field}.TotalDiscountLine") or ZERO)
    return total


def _line_tax(sale: Element, kids: dict[str, Element], field: str) -> Decimal:
    if "Tax" not in kids:
        return ZERO
    return sum((amount_at(t, "Amount", f"{field}.Tax.Amount") or ZERO for t in sale.findall("Tax")), ZERO)


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
        if node.tag in CARD_FIELDS and node.text and len(node.text.strip()) >= 8:  # tags are local names
            last4 = find_card_last4(node.text.strip())
            if last4:
                return last4
    return None


def _tender(tender: Element, field: str) -> tuple[str, Decimal, str | None, bool]:
    """A tender's method, amount (any change given taken off) and card's last four; True when
    it is a change-out line."""
    kind = attr(tender, "TenderType") or text_at(tender, "TenderType")
    amount = amount_at(tender, "Amount", f"{field}.Amount")
    if amount is None:
        raise Bad(f"{field}.Amount", "missing")
    change = amount_at(tender.find("TenderChange"), "Amount", f"{field}.TenderChange.Amount")
    change_out = change is not None and amount < 0  # NCR: change is a line of its own, negative
    if change is not None and amount > 0:  # ARTS: the amount handed over, change given back
        amount -= abs(change)
    if attr(tender, "TypeCode").lower() == "refund":
        amount = -abs(amount)
    return _tender_method(kind), amount, _card_last4(tender), change_out


def _add_tender(items: Items, currency: str, method: str, amount: Decimal, last4: str | None,
                change_out: bool) -> None:
    """Fold a change-out line into the tender it gives change for, so each tender is what was kept."""
    tenders, amounts = items.tenders, items.tender_amounts
    if change_out:
        for i in range(len(tenders) - 1, -1, -1):
            if tenders[i]["method"] == method:
                amounts[i] += amount
                tenders[i]["amount"] = money(amounts[i], currency)
                return
    tender = {"method": method, "amount": money(amount, currency)}
    if last4:
        tender["card_last4"] = last4
    tenders.append(tender)
    amounts.append(amount)


def line_keys(kids: dict[str, Element]) -> tuple[str, ...]:
    """The numbers a void line may use to point at a LineItem (Wincor), from its children."""
    seq, create = kid_text(kids, "SequenceNumber"), kid_text(kids, "CreateNumber")
    if seq and create:
        return (seq, create)
    return (seq,) if seq else (create,) if create else ()


def read_items(rt: Element, currency: str) -> Items:
    """Every line item of a RetailTransaction, its amounts in currency; raises Bad."""
    items = Items()
    for i, item in enumerate(rt.findall("LineItem")):  # findall: C for a plain name
        kids = children(item)
        void = bool(item.attrib or "VoidFlag" in kids) and (
            attr(item, "VoidFlag") or kid_text(kids, "VoidFlag")).lower() in ("true", "1")
        link = next((x for x in (kid_text(kids, n) for n in VOID_LINKS) if x), "") if void else ""
        for child in item:
            name = child.tag
            if name not in _ACTED_ON:
                continue
            if name == "Sale" or name == "Return":
                where = f"LineItem[{i}].{name}"
                sale = children(child)
                doc, total = _line(sale, name == "Return", where, currency)
                link = link or (kid_text(sale, "ItemLink") if void else "")
                # Most lines have neither: the membership tests spare two calls a line.
                discount = _line_discount(child, sale, where) if (
                    "RetailPriceModifier" in sale or "TotalDiscountLine" in sale) else ZERO
                tax = _line_tax(child, sale, where) if "Tax" in sale else ZERO
                items.lines.append(ItemLine(doc, total, kids, void, link, discount, tax))
                continue
            where = f"LineItem[{i}].{name}"
            if name == "Tender" and not void:
                _add_tender(items, currency, *_tender(child, where))
            elif name == "Tax" and not void:
                items.tax += amount_at(child, "Amount", f"{where}.Amount") or ZERO
            elif name in ("Discount", "RetailPriceModifier") and not void:
                items.discounts += abs(amount_at(child, "Amount", f"{where}.Amount") or ZERO)
            elif name == "LoyaltyReward" and not void:
                _reward(child, items, where)
    return items


def _reward(reward: Element, items: Items, where: str) -> None:
    """NCR ACS monetary rewards: amounts off the transaction (the summarised ones, when marked)."""
    category = next((n.text or "" for n in reward.iter() if local(n.tag) == "RewardCategory"), "")
    if category.strip() != "Monetary":
        return
    for node in reward:
        if local(node.tag) == "ExtendedRewardAmount":
            amount = to_decimal(node.text, f"{where}.ExtendedRewardAmount") or ZERO
            items.rewards.append((abs(amount), attr(reward, "summarizedActivity").lower() == "true"))


def apply_voids(lines: list[ItemLine]) -> tuple[list[ItemLine], int]:
    """The lines still sold once void lines (and the lines they cancel) are taken out."""
    kept: list[ItemLine] = []
    voided = 0
    for line in lines:
        if not line.void:
            kept.append(line)
            continue
        voided += 1
        target = None
        if line.link:  # Wincor: the void line names the line it cancels
            target = next((x for x in reversed(kept) if line.link in line_keys(x.item)), None)
        elif line.total < 0:  # NCR: a negative copy of the line it cancels
            target = next((x for x in reversed(kept) if x.doc["sku"] == line.doc["sku"]
                           and x.total == -line.total), None)
        if target is not None:
            kept.remove(target)
            voided += 1
    return kept, voided
