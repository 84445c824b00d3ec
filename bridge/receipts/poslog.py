"""Read ARTS POSLog XML (2.x and 6.x) into receipt documents, safely and incrementally.

    for item in read_poslog(open("export.xml", "rb"), "export.xml", store_id="paris-marais"):
        ...  # SourceDoc (one per sale), Skipped (sign-ons, voids, empty) or Problem

Elements are matched by local name, whatever their namespace. DTDs are refused
outright (so entity bombs and external entities never expand), and only one
`Transaction` at a time is held in memory, so memory stays flat on large exports.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timezone, tzinfo
from typing import BinaryIO
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

from defusedxml import DefusedXmlException, DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import DefusedXMLParser

from bridge.receipts.model import Parsed, Problem, SourceDoc, Skipped
from bridge.receipts.poslog_tx import Bad, transaction_doc

# Why a hostile file is refused, in words (defusedxml's exception reprs read as code).
REFUSALS = {
    DTDForbidden: "refused: the file declares a DTD (<!DOCTYPE ...>), which POSLog never needs "
                  "and which can hide entity bombs",
    EntitiesForbidden: "refused: the file declares XML entities, which POSLog never needs "
                       "and which can blow up memory",
    ExternalReferenceForbidden: "refused: the file refers to an external resource, which could "
                                "read files or reach the network",
}


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
                zone: tzinfo = timezone.utc, chunk_bytes: int = 65536) -> Iterator[Parsed]:
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
                yield _one(tx, f"{name}:Transaction[{count}]", store_id, currency, zone)
            if not data:
                break
    except DefusedXmlException as exc:
        line = getattr(getattr(parser, "parser", None), "CurrentLineNumber", "?")
        reason = next((text for kind, text in REFUSALS.items() if isinstance(exc, kind)),
                      "refused: the file uses an XML feature that is not allowed")
        yield Problem(f"{name}:{line}", "", reason)
        return
    except ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else "?"
        yield Problem(f"{name}:{line}", "", f"invalid XML: {exc}")
        return
    if count == 0 and builder.root_tag not in ("POSLog", "Transaction"):
        yield Problem(f"{name}:1", builder.root_tag, "not a POSLog document (root element)")


def _one(tx: Element, where: str, store_id: str, currency: str, zone: tzinfo) -> Parsed:
    seq = (tx.findtext("SequenceNumber") or "").strip()
    if seq:
        where = f"{where}(SequenceNumber {seq})"
    try:
        doc = transaction_doc(tx, store_id=store_id, currency=currency, zone=zone)
    except Bad as exc:
        return Problem(where, exc.field, exc.reason)
    return Skipped(where, doc) if isinstance(doc, str) else SourceDoc(where, doc)
