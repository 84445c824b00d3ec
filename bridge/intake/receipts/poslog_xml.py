"""Small helpers for reading POSLog elements (tags already stripped of namespaces)."""

from __future__ import annotations

from decimal import Decimal
from xml.etree.ElementTree import Element

from bridge.errors import InvalidEvent
from bridge.intake.receipts.normalise import decimal_of


class Bad(Exception):
    """A field of one transaction is unusable; becomes a Problem."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field, self.reason = field, reason


def local(tag: object) -> str:
    """The local name of a tag or attribute, without its {namespace} or prefix."""
    return tag.rpartition("}")[2].rpartition(":")[2] if isinstance(tag, str) else ""


def text_at(elem: Element | None, name: str) -> str:
    """The stripped text of elem's first child called name ("" when there is none)."""
    return "" if elem is None else (elem.findtext(name) or "").strip()


def attr(elem: Element, name: str) -> str:
    """The stripped value of elem's attribute name, whatever its namespace ("" when absent)."""
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


def flag_at(elem: Element, name: str) -> bool:
    """An ARTS boolean given as an attribute or a child element."""
    value = attr(elem, name) or (text_at(elem, name) if len(elem) else "")  # no child: no findtext
    return value.lower() in ("true", "1")


def to_decimal(text: str | None, field: str) -> Decimal | None:
    """An exact amount from element text, None when empty; Bad naming field when not a number."""
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


def amount_at(elem: Element | None, name: str, field: str) -> Decimal | None:
    """The amount in elem's child called name, None when absent or empty."""
    return None if elem is None else to_decimal(elem.findtext(name), field)


def children(elem: Element) -> dict[str, Element]:
    """The first child of each name, for lookups without a search per name."""
    return {child.tag: child for child in reversed(elem)}  # reversed: the first of a name wins


def kid_text(kids: dict[str, Element], name: str) -> str:
    """The stripped text of the child called name in a children() map."""
    child = kids.get(name)
    return (child.text or "").strip() if child is not None else ""


def kid_decimal(kids: dict[str, Element], name: str, where: str) -> Decimal | None:
    """The amount in the child called name of a children() map, None when absent or empty;
    Bad naming "where.name" when it is not a number."""
    child = kids.get(name)
    if child is None:
        return None
    text = child.text
    try:  # the common case without building the field name: a plain, finite decimal
        value = Decimal(text)  # type: ignore[arg-type]
        if value.is_finite():
            return value
    except (ArithmeticError, TypeError):
        pass
    return to_decimal(text, f"{where}.{name}")
