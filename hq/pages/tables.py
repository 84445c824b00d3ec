"""Tables of the HQ pages, rendered as HTML and exported as CSV from the same rows.

A cell is plain text (escaped in HTML) or a Markup: HTML for the page and text for the CSV.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from html import escape


@dataclass(frozen=True)
class Markup:
    """A cell shown as html on the page and as text in the CSV."""

    html: str
    text: str


Cell = str | Markup


@dataclass
class Table:
    """A named table: its name is its CSV file's (`daily.csv`)."""

    name: str
    headers: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    numeric: frozenset[int] = frozenset()

    def html(self, csv_href: str | None = None) -> str:
        """The table (the page's existing look), with a link to its CSV when csv_href is given."""
        head = "".join(f"<th>{escape(h)}</th>" for h in self.headers)
        body = "".join(
            "<tr>" + "".join(f"<td class=\"n\">{_html(c)}</td>" if i in self.numeric else f"<td>{_html(c)}</td>"
                             for i, c in enumerate(row)) + "</tr>"
            for row in self.rows)
        link = (f' <a class="csv" href="{escape(csv_href)}" download>CSV</a>' if csv_href else "")
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{link}"

    def csv(self) -> str:
        """Every row as CSV text (a header line first)."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(self.headers)
        for row in self.rows:
            writer.writerow([c.text if isinstance(c, Markup) else _plain(c) for c in row])
        return out.getvalue()


def _html(cell: Cell) -> str:
    return cell.html if isinstance(cell, Markup) else escape(cell)


def _plain(text: str) -> str:
    """Neutralise a formula a spreadsheet would run (a cell starting with = + - @ that is not a number)."""
    if text[:1] in ("=", "+", "-", "@") and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
