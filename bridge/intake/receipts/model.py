"""Receipt documents as read from files, and the problems found while reading them.

A receipt document is a dict shaped like the contract's `receipt` payload plus
`device_id`, `occurred_at` and optionally `id`, `profile_id`, `loyalty_token`.
Parsers yield `SourceDoc`s (a document and where it came from) and `Problem`s.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Union


@dataclass(frozen=True)
class SourceDoc:
    """A document read from a file; `where` is "FILE:LINE" (or "FILE:[index]") for error messages.

    `places` maps a document field ("lines[1].quantity") to where it was read and under
    which name ("sales.csv:4", "quantity"), so an error can name the line and column.
    `clean` says the reader has already kept card data out (its free text masked, card
    numbers reduced to card_last4), so the recorder need not search the whole document.
    `shaped` says more: doc is already the contract `receipt` event, built by a reader that
    knows each value's type (POSLog) and keeps card data out, so the recorder only links and
    maps it before the contract check, with no normalising pass.
    """

    where: str
    doc: dict
    places: dict[str, tuple[str, str]] | None = None
    clean: bool = False
    shaped: bool = False

    def problem(self, field: str, reason: str) -> "Problem":
        """A Problem for a bad field of this document, placed as precisely as known."""
        if self.places:
            probe = field
            while probe:
                if probe in self.places:
                    where, name = self.places[probe]
                    return Problem(where, name, reason)
                probe = probe.rpartition(".")[0]
        return Problem(self.where, field, reason)


@dataclass(frozen=True)
class Problem:
    """Something refused while reading; prints as "FILE:LINE: field: reason"."""

    where: str
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.field}: {self.reason}" if self.field else f"{self.where}: {self.reason}"


@dataclass(frozen=True)
class Skipped:
    """A record deliberately not turned into a receipt (a sign-on, a voided sale)."""

    where: str
    reason: str


Parsed = Union[SourceDoc, Problem, Skipped]


# Hex digits spelled as the letters a-p: a derived id never holds a run of digits that
# could look like a card number.
_LETTERS = str.maketrans("0123456789abcdef", "abcdefghijklmnop")


def derived_id(prefix: str, *parts: object) -> str:
    """A deterministic event id from natural keys, within the contract's id charset and length."""
    text = "\x1f".join(map(str, parts))
    return prefix + hashlib.sha256(text.encode("utf-8")).hexdigest()[:32].translate(_LETTERS)
