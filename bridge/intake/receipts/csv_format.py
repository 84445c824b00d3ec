"""Read receipts from CSV: one row per line item, rows grouped by receipt_id.

    for item in read_csv(text_lines, "sales.csv"):
        ...  # SourceDoc per receipt, Problem per refused receipt ("sales.csv:7: quantity: ...")

The columns are documented in docs/receipts.md. Receipt-level columns (register_id,
occurred_at, totals, loyalty_token...) are read from the receipt's first row that gives
them; a later row that gives a different value is an error. A row whose sku is empty
carries only a tender.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

from bridge.intake.receipts.model import Parsed, Problem, SourceDoc

LINE_COLUMNS = ("sku", "quantity", "unit_price", "line_total", "description")
TENDER_COLUMNS = ("tender_method", "tender_amount", "card_last4")
RECEIPT_COLUMNS = ("id", "receipt_id", "register_id", "device_id", "occurred_at", "currency",
                   "subtotal", "tax", "total", "loyalty_token", "profile_id")
COLUMNS = RECEIPT_COLUMNS + LINE_COLUMNS + TENDER_COLUMNS
REQUIRED = ("receipt_id", "register_id", "occurred_at", "sku", "quantity", "total")


class _Receipt:
    """Rows of one receipt being gathered."""

    def __init__(self, line: int) -> None:
        self.first_line = line
        self.doc: dict = {"lines": [], "tenders": []}
        self.where: dict[str, int] = {}  # receipt field -> CSV line that set it
        self.problem: Problem | None = None


def _dialect(first_line: str) -> type[csv.Dialect] | csv.Dialect:
    try:
        return csv.Sniffer().sniff(first_line, delimiters=",;\t")
    except csv.Error:
        return csv.excel


def read_csv(lines: Iterable[str], name: str) -> Iterator[Parsed]:
    """Yield a SourceDoc per receipt (in order of first appearance) or a Problem naming line and column."""
    lines = iter(lines)
    header_line = next(lines, "")
    if not header_line.strip():
        yield Problem(f"{name}:1", "", "empty file (expected a header row)")
        return
    reader = csv.reader(_chain(header_line, lines), _dialect(header_line))
    header = [h.strip().lower() for h in next(reader)]
    unknown = [h for h in header if h not in COLUMNS]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        yield Problem(f"{name}:1", "header",
                      f"missing required column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
                      f"(required: {', '.join(REQUIRED)}; each line also needs unit_price or line_total)")
        return
    if unknown:
        yield Problem(f"{name}:1", "header", f"unknown column {unknown[0]!r} "
                      f"(allowed: {', '.join(COLUMNS)})")
        return
    receipts: dict[str, _Receipt] = {}
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        line = reader.line_num
        if len(row) != len(header):
            rid = row[header.index("receipt_id")].strip() if len(row) > header.index("receipt_id") else ""
            _fail(receipts, rid, line, Problem(f"{name}:{line}", "row",
                                               f"has {len(row)} cells, the header has {len(header)}"))
            continue
        _add_row(receipts, dict(zip(header, (c.strip() for c in row))), line, name)
    for rec in receipts.values():
        yield rec.problem or SourceDoc(f"{name}:{rec.first_line}", rec.doc, _places(rec, name))


_LINE_FIELDS = {"sku": "sku", "quantity": "quantity", "unit_price": "unit_price", "total": "line_total"}
_TENDER_FIELDS = {"method": "tender_method", "amount": "tender_amount", "card_last4": "card_last4"}


def _places(rec: _Receipt, name: str) -> dict[str, tuple[str, str]]:
    """Where each field of the receipt came from (CSV line and column), for error messages."""
    first = f"{name}:{rec.first_line}"
    places = {col: (f"{name}:{rec.where[col]}" if col in rec.where else first, col)
              for col in RECEIPT_COLUMNS}
    for key, items, columns in (("lines", rec.doc["lines"], _LINE_FIELDS),
                                ("tenders", rec.doc["tenders"], _TENDER_FIELDS)):
        for i, item in enumerate(items):
            at = f"{name}:{item.pop('line')}"
            places[f"{key}[{i}]"] = (at, key)
            places.update({f"{key}[{i}].{f}": (at, col) for f, col in columns.items()})
    return places


def _chain(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest


def _fail(receipts: dict[str, _Receipt], rid: str, line: int, problem: Problem) -> None:
    rec = receipts.setdefault(rid or f"<line {line}>", _Receipt(line))
    rec.problem = rec.problem or problem  # the first error of a receipt is the one reported


def _add_row(receipts: dict[str, _Receipt], row: dict[str, str], line: int, name: str) -> None:
    rid = row["receipt_id"]
    if not rid:
        _fail(receipts, rid, line, Problem(f"{name}:{line}", "receipt_id", "required"))
        return
    rec = receipts.setdefault(rid, _Receipt(line))
    for col in RECEIPT_COLUMNS:
        value = row.get(col, "")
        if not value:
            continue
        if col in rec.doc and rec.doc[col] != value:
            _fail(receipts, rid, line, Problem(
                f"{name}:{line}", col,
                f"{value!r} differs from {rec.doc[col]!r} given on line {rec.where[col]} for receipt {rid}"))
            return
        rec.doc[col] = value
        rec.where.setdefault(col, line)
    if row.get("sku"):
        item = {"sku": row["sku"], "quantity": row.get("quantity") or "1",
                "unit_price": row.get("unit_price", ""), "total": row.get("line_total", ""),
                "line": line}
        if row.get("description"):
            item["description"] = row["description"]
        rec.doc["lines"].append(item)
    elif row.get("quantity") or row.get("unit_price") or row.get("line_total"):
        _fail(receipts, rid, line, Problem(f"{name}:{line}", "sku", "required on a line-item row"))
        return
    if row.get("tender_method") or row.get("tender_amount"):
        tender = {"method": row.get("tender_method", ""), "amount": row.get("tender_amount", ""),
                  "line": line}
        if row.get("card_last4"):
            tender["card_last4"] = row["card_last4"]
        rec.doc["tenders"].append(tender)
