"""Read ARTS POSLog XML (2.x and 6.x) into receipt documents, safely and incrementally.

    for item in read_poslog(open("export.xml", "rb"), "export.xml", store_id="paris-marais"):
        ...  # SourceDoc (a receipt event per sale), Skipped (sign-ons, voids, empty) or Problem

Elements are matched by local name, whatever their namespace. DTDs are refused
outright (so entity bombs and external entities never expand), and only one
`Transaction` at a time is held in memory, so memory stays flat on large exports.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timezone, tzinfo
from typing import BinaryIO
from xml.etree.ElementTree import Element, ParseError, TreeBuilder, XMLParser
from xml.parsers import expat

from defusedxml import DefusedXmlException, DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden

from bridge.intake.receipts.model import Parsed, Problem, SourceDoc, Skipped
from bridge.intake.receipts.poslog_tx import transaction_event
from bridge.intake.receipts.poslog_xml import Bad

# Why a hostile file is refused, in words (defusedxml's exception reprs read as code).
REFUSALS = {
    DTDForbidden: "refused: the file declares a DTD (<!DOCTYPE ...>), which POSLog never needs "
                  "and which can hide entity bombs",
    EntitiesForbidden: "refused: the file declares XML entities, which POSLog never needs "
                       "and which can blow up memory",
    ExternalReferenceForbidden: "refused: the file refers to an external resource, which could "
                                "read files or reach the network",
}


class _Guard:
    """An expat parser that sees the prolog first and only refuses DTDs and entities.

    It has no element handlers, so it runs at C speed; the tree is built by a second,
    C-accelerated parser that is fed a chunk only once the guard has passed it. Without
    a DTD no entity can be declared, so nothing is ever expanded. A DTD can only stand
    before the root element (after it, the tree parser refuses one as invalid XML), so
    the guard stops once the root has started: the rest of the file is parsed once.
    """

    def __init__(self) -> None:
        self.parser = expat.ParserCreate()
        self.parser.StartDoctypeDeclHandler = self._doctype
        self.parser.EntityDeclHandler = self._entity
        self.parser.ExternalEntityRefHandler = self._external
        self.broken = False

    @staticmethod
    def _doctype(name: str, sysid: str | None, pubid: str | None, has_internal_subset: bool) -> None:
        raise DTDForbidden(name, sysid, pubid)

    @staticmethod
    def _entity(name: str, is_parameter: bool, value: str | None, base: str | None, sysid: str | None,
                pubid: str | None, notation: str | None) -> None:
        raise EntitiesForbidden(name, value, base, sysid, pubid, notation)

    @staticmethod
    def _external(context: str, base: str | None, sysid: str | None, pubid: str | None) -> None:
        raise ExternalReferenceForbidden(context, base, sysid, pubid)

    def check(self, data: bytes, final: bool) -> None:
        """Raise a DefusedXmlException for a DTD or entity; malformed XML is the tree parser's to report."""
        if self.broken:
            return
        try:
            self.parser.Parse(data, final)
        except expat.ExpatError:
            self.broken = True  # the tree parser stops at the same byte, with its own error


class _LocalNames(dict):
    """Tag -> local name, filled on first sight: one dict lookup per element afterwards."""

    def __missing__(self, tag: str) -> str:
        name = self[tag] = tag.rpartition("}")[2]
        return name


def _ended_transactions(events: list[tuple[str, Element]], names: _LocalNames,
                        seen: set[str]) -> list[tuple[Element, set[str]]]:
    """The Transactions among events, each with the local names of the elements in it, every
    element's tag stripped of its namespace on the way.

    Every element of a Transaction ends before it does, so a whole Transaction is stripped
    by the time it is returned, in the same pass that looks for it. seen gathers names until
    a Transaction ends (carried over between calls: a Transaction may span chunks); names of
    elements outside any Transaction join the next one's, which is harmless: the set only
    lets the reader skip walks for elements a transaction cannot hold.
    """
    done = []
    for kind, elem in events:
        if kind == "end":
            tag = elem.tag = names[elem.tag]  # TreeBuilder keeps no comments or PIs: a str
            if tag == "Transaction":
                done.append((elem, set(seen)))
                seen.clear()
            else:
                seen.add(tag)
    return done


def _transactions(source: BinaryIO, guard: _Guard, chunk_bytes: int,
                  root: list[Element]) -> Iterator[tuple[Element, set[str]]]:
    """Each Transaction element as soon as it is complete, with the names of the elements in
    it, then dropped from the tree."""
    parser = XMLParser(target=TreeBuilder())
    events: list[tuple[str, Element]] = []
    parser._setevents(events, ("start", "end"))  # starts only until the root is known
    names = _LocalNames()
    seen: set[str] = set()
    while True:
        data = source.read(chunk_bytes)
        if not root:  # a DTD (hence any entity) can only come before the root element
            guard.check(data, not data)
        if data:
            parser.feed(data)
        else:
            parser.close()
        if not root and events:
            root.append(events[0][1])
            parser._setevents(events, ("end",))
        done = _ended_transactions(events, names, seen)
        events.clear()
        for elem, inside in done:
            try:
                root[0].remove(elem)  # memory holds the transactions of one chunk at a time
            except ValueError:
                pass  # nested deeper than the root: kept, and cleared below
            yield elem, inside
            elem.clear()
        if not data:
            return


def read_poslog(source: BinaryIO, name: str, *, store_id: str, currency: str,
                zone: tzinfo = timezone.utc, chunk_bytes: int = 65536) -> Iterator[Parsed]:
    """Yield a SourceDoc (holding the receipt event) per sale, Skipped per other transaction,
    Problem per bad one or bad XML."""
    guard = _Guard()
    root: list[Element] = []
    count = 0
    try:
        for tx, inside in _transactions(source, guard, chunk_bytes, root):
            count += 1
            yield _one(tx, inside, f"{name}:Transaction[{count}]", store_id, currency, zone)
    except DefusedXmlException as exc:
        reason = next((text for kind, text in REFUSALS.items() if isinstance(exc, kind)),
                      "refused: the file uses an XML feature that is not allowed")
        yield Problem(f"{name}:{guard.parser.CurrentLineNumber}", "", reason)
        return
    except ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else "?"
        yield Problem(f"{name}:{line}", "", f"invalid XML: {exc}")
        return
    root_tag = root[0].tag.rpartition("}")[2] if root else ""
    if count == 0 and root_tag not in ("POSLog", "Transaction"):
        yield Problem(f"{name}:1", root_tag, "not a POSLog document (root element)")


def _one(tx: Element, inside: set[str], where: str, store_id: str, currency: str, zone: tzinfo) -> Parsed:
    seq = (tx.findtext("SequenceNumber") or "").strip()
    if seq:
        where = f"{where}(SequenceNumber {seq})"
    try:
        event = transaction_event(tx, store_id=store_id, currency=currency, zone=zone, inside=inside)
    except Bad as exc:
        return Problem(where, exc.field, exc.reason)
    if isinstance(event, str):
        return Skipped(where, event)
    # The reader writes card numbers only as card_last4 and masks its free text.
    return SourceDoc(where, event, shaped=True)
