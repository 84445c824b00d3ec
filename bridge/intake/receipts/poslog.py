"""Read ARTS POSLog XML (2.x and 6.x) into receipt documents, safely and incrementally.

    for item in read_poslog(open("export.xml", "rb"), "export.xml", store_id="paris-marais"):
        ...  # SourceDoc (one per sale), Skipped (sign-ons, voids) or Problem

Elements are matched by local name, whatever their namespace. DTDs are refused
outright (so entity bombs and external entities never expand), and only one
`Transaction` at a time is held in memory, so memory stays flat on large exports.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import BinaryIO
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from bridge.errors import InvalidEvent
from bridge.intake.receipts.cardmask import find_card_last4
from bridge.intake.receipts.model import Parsed, Problem, SourceDoc, Skipped, derived_id
from bridge.intake.receipts.normalise import amount_text, decimal_of

# A RetailTransaction with another status is not a sale (voided, suspended, training...).
SALE_STATUSES = frozenset({"", "finished", "totaled", "tendered", "completed", "complete", "sale",
                           "normal", "delivered"})
UNIT_PRICES = ("ActualSalesUnitPrice", "RegularSalesUnitPrice", "UnitListPrice")
LOYALTY_IDS = ("LoyaltyAccountID", "LoyaltyID", "MembershipID", "LoyaltyCardNumber", "LoyaltyCardID")


def local(tag: object) -> str:
    """The local name of an element tag, without its {namespace}."""
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


# Tags are built with their local names (see _TransactionBuilder), so the lookups
# below are plain ElementTree finds.


def _children(elem: Element, name: str) -> Iterator[Element]:
    return elem.iterfind(name)


def _child(elem: Element | None, name: str) -> Element | None:
    return None if elem is None else elem.find(name)


def _text(elem: Element | None, name: str) -> str:
    if elem is None:
        return ""
    return (elem.findtext(name) or "").strip()


def _attr(elem: Element, name: str) -> str:
    for key, value in elem.attrib.items():
        if local(key) == name:
            return value.strip()
    return ""


def _flag(elem: Element, name: str) -> bool:
    """An ARTS boolean given as an attribute or a child element."""
    return (_attr(elem, name) or _text(elem, name)).lower() in ("true", "1")


class _Bad(Exception):
    """A field of one transaction is unusable; becomes a Problem."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field, self.reason = field, reason


def _amount(elem: Element | None, name: str, field: str) -> Decimal | None:
    text = _text(elem, name)
    if not text:
        return None
    try:
        return decimal_of(text, field)
    except InvalidEvent as exc:
        raise _Bad(field, exc.message) from None


def _tender_method(kind: str) -> str:
    k = kind.lower()
    if "gift" in k:
        return "gift_card"
    if k == "cash":
        return "cash"
    if "credit" in k or "debit" in k or "card" in k:
        return "card"
    return "other"


def _line(sale: Element, is_return: bool, field: str) -> dict:
    item_id = _text(sale, "ItemID")
    pos_id = _text(_child(sale, "POSIdentity"), "POSItemID")
    sku = item_id or pos_id
    if not sku:
        raise _Bad(f"{field}.ItemID", "missing (no ItemID nor POSIdentity/POSItemID)")
    qty = _amount(sale, "Quantity", f"{field}.Quantity")
    qty = Decimal(1) if qty is None else qty
    unit = None
    for name in UNIT_PRICES:
        unit = _amount(sale, name, f"{field}.{name}")
        if unit is not None:
            break
    extended = _amount(sale, "ExtendedAmount", f"{field}.ExtendedAmount")
    if unit is None and extended is None:
        raise _Bad(f"{field}.ExtendedAmount", "missing (and no unit price)")
    if extended is None:
        extended = unit * qty
    if unit is None:
        unit = (extended / qty if qty else extended).quantize(Decimal("0.01"))
    if is_return:
        qty, extended = -abs(qty), -abs(extended)
    line = {"sku": sku, "quantity": str(qty), "unit_price": amount_text(abs(unit)),
            "total": amount_text(extended)}
    if pos_id and pos_id != sku:
        line["ean"] = pos_id
    description = _text(sale, "Description")
    if description:
        line["description"] = description
    return line


def _tender(tender: Element, field: str) -> dict:
    kind = _attr(tender, "TenderType") or _text(tender, "TenderType")
    amount = _amount(tender, "Amount", f"{field}.Amount")
    if amount is None:
        raise _Bad(f"{field}.Amount", "missing")
    change = _amount(_child(tender, "TenderChange"), "Amount", f"{field}.TenderChange.Amount")
    if change is not None:
        amount -= abs(change)
    if _attr(tender, "TypeCode").lower() == "refund":
        amount = -abs(amount)
    out = {"method": _tender_method(kind), "amount": amount_text(amount)}
    for node in tender.iter():  # a masked (or, wrongly, a full) card number anywhere in the tender
        for value in (node.text or "", *node.attrib.values()):
            last4 = find_card_last4(value) if len(value) >= 8 else None
            if last4:
                out["card_last4"] = last4
                return out
    return out


def _loyalty_id(rt: Element) -> str:
    for account in rt.iter("LoyaltyAccount"):
        found = _text(account, "CustomerID") or _text(account, "LoyaltyAccountID")
        if found:
            return found
    for name in LOYALTY_IDS:
        for node in rt.iter(name):
            if (node.text or "").strip():
                return node.text.strip()
    return ""


def _not_a_sale(tx: Element, rt: Element) -> str:
    """Why this RetailTransaction is not a sale, or "" when it is one."""
    for elem in (tx, rt):
        for flag in ("CancelFlag", "VoidFlag", "TrainingModeFlag"):
            if _flag(elem, flag):
                return f"{flag} is true"
        status = _attr(elem, "TransactionStatus") or _text(elem, "TransactionStatus")
        if status.lower() not in SALE_STATUSES:
            return f"TransactionStatus is {status}"
    return ""


def _totals(rt: Element, lines: list[dict]) -> dict[str, str]:
    found: dict[str, Decimal] = {}
    for total in _children(rt, "Total"):
        kind = local(_attr(total, "TotalType").replace(":", "}"))
        text = (total.text or "").strip()
        if kind in ("TransactionGrandAmount", "TransactionTaxAmount", "TransactionNetAmount") and text:
            try:
                found.setdefault(kind, decimal_of(text, f"Total[{kind}]"))
            except InvalidEvent as exc:
                raise _Bad(exc.field, exc.message) from None
    tax = found.get("TransactionTaxAmount", Decimal(0))
    grand = found.get("TransactionGrandAmount")
    if grand is None:  # no grand total exported: the lines plus tax
        grand = sum((Decimal(x["total"]) for x in lines), Decimal(0)) + tax
    subtotal = found.get("TransactionNetAmount", grand - tax)
    return {"subtotal": amount_text(subtotal), "tax": amount_text(tax), "total": amount_text(grand)}


def transaction_doc(tx: Element, *, store_id: str, currency: str) -> dict | str:
    """The receipt document of one POSLog Transaction, or why it is not a sale; raises _Bad."""
    rt = _child(tx, "RetailTransaction")
    if rt is None:
        kinds = sorted({c.tag for c in tx if isinstance(c.tag, str) and c.tag.endswith("Transaction")})
        return f"not a retail sale ({', '.join(kinds) or 'no RetailTransaction'})"
    why = _not_a_sale(tx, rt)
    if why:
        return why
    ws = _text(tx, "WorkstationID")
    seq = _text(tx, "SequenceNumber")
    if not ws or not seq:
        raise _Bad("WorkstationID" if not ws else "SequenceNumber", "missing")
    ended = _text(tx, "EndDateTime") or _text(rt, "ReceiptDateTime") or _text(tx, "BeginDateTime")
    if not ended:
        raise _Bad("EndDateTime", "missing (nor ReceiptDateTime, BeginDateTime)")
    day = _text(tx, "BusinessDayDate") or ended[:10]
    store = _text(tx, "RetailStoreID") or store_id
    lines, tenders = [], []
    for i, item in enumerate(_children(rt, "LineItem")):
        if _flag(item, "VoidFlag"):
            continue
        for child in item:
            name = child.tag
            if name in ("Sale", "Return"):
                lines.append(_line(child, name == "Return", f"LineItem[{i}].{name}"))
            elif name == "Tender":
                tenders.append(_tender(child, f"LineItem[{i}].Tender"))
    doc = {"id": derived_id("pl-", store, ws, day, seq), "device_id": ws,
           "occurred_at": ended, "currency": _text(tx, "CurrencyCode") or currency,
           "receipt_id": f"{day}-{ws}-{seq}", "register_id": ws, "lines": lines,
           "tenders": tenders, **_totals(rt, lines)}
    loyalty = _loyalty_id(rt)
    if loyalty:
        doc["loyalty_token"] = loyalty
    return doc


class _TransactionBuilder:
    """Parser target that builds only Transaction subtrees, with local tag names.

    Everything outside a Transaction is dropped as it is read, so memory holds one
    transaction at a time however large the export.
    """

    def __init__(self) -> None:
        self.root_tag = ""
        self.done: list[Element] = []
        self._tree: TreeBuilder | None = None
        self._depth = 0
        self._tx_depth = 0
        self._names: dict[str, str] = {}  # "{namespace}Tag" -> "Tag"

    def start(self, tag: str, attrib: dict) -> None:
        self._depth += 1
        name = self._names.get(tag)
        if name is None:
            name = self._names[tag] = tag.rpartition("}")[2]
        if not self.root_tag:
            self.root_tag = name
        if self._tree is None:
            if name != "Transaction":
                return
            self._tree, self._tx_depth = TreeBuilder(), self._depth
        self._tree.start(name, attrib)

    def end(self, tag: str) -> None:
        if self._tree is not None:
            elem = self._tree.end(self._names[tag])
            if self._depth == self._tx_depth:
                self.done.append(elem)
                self._tree = None
        self._depth -= 1

    def data(self, text: str) -> None:
        if self._tree is not None:
            self._tree.data(text)

    def close(self) -> None:
        return None

    def take(self) -> list[Element]:
        done, self.done = self.done, []
        return done


def read_poslog(source: BinaryIO, name: str, *, store_id: str, currency: str,
                chunk_bytes: int = 65536) -> Iterator[Parsed]:
    """Yield a SourceDoc per sale, Skipped per other transaction, Problem per bad one or bad XML."""
    builder = _TransactionBuilder()
    parser = DefusedXMLParser(target=builder, forbid_dtd=True, forbid_entities=True,
                              forbid_external=True)
    count = 0
    try:
        while True:
            data = source.read(chunk_bytes)
            if data:
                parser.feed(data)
            else:
                parser.close()
            for tx in builder.take():
                count += 1
                yield _one(tx, f"{name}:Transaction[{count}]", store_id, currency)
            if not data:
                break
    except DefusedXmlException as exc:
        line = getattr(getattr(parser, "parser", None), "CurrentLineNumber", "?")
        yield Problem(f"{name}:{line}", "", f"refused: {exc} (DTDs and entities are not allowed)")
        return
    except ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else "?"
        yield Problem(f"{name}:{line}", "", f"invalid XML: {exc}")
        return
    if count == 0 and builder.root_tag not in ("POSLog", "Transaction"):
        yield Problem(f"{name}:1", builder.root_tag, "not a POSLog document (root element)")


def _one(tx: Element, where: str, store_id: str, currency: str) -> Parsed:
    seq = _text(tx, "SequenceNumber")
    if seq:
        where = f"{where}(SequenceNumber {seq})"
    try:
        doc = transaction_doc(tx, store_id=store_id, currency=currency)
    except _Bad as exc:
        return Problem(where, exc.field, exc.reason)
    return Skipped(where, doc) if isinstance(doc, str) else SourceDoc(where, doc)
