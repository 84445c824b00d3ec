"""A reporting period: local days from one date to another, both included."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Period:
    """Local days from `first` to `last`, both included."""

    first: date
    last: date

    def days(self) -> list[str]:
        return [(self.first + timedelta(days=i)).isoformat() for i in range((self.last - self.first).days + 1)]
