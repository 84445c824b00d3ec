"""Recent attribution results, reused while nothing they read has changed (a page, then its CSVs, then reloads).

A result is reused only while the database's data version is the same: the newest batch,
and how many orders and claims there are. Per process; each worker keeps its own.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from hq.attribution.credit import Attribution, attribute
from hq.attribution.period import Period
from hq.db import Database

SIZE = 32  # results kept per process


class AttributionCache:
    """attribute(), remembered for the last SIZE distinct questions asked of an unchanged database."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._lock = threading.Lock()
        self._results: OrderedDict[tuple, Attribution] = OrderedDict()

    def data_version(self) -> tuple:
        """Changes whenever an event, an order or a claim is stored."""
        return tuple(self.db.read("SELECT (SELECT max(id) FROM batches), (SELECT count(*) FROM orders), "
                                  "(SELECT count(*) FROM claims)")[0])

    def attribute(self, period: Period, *, store_id: str | None = None, currency: str | None = None,
                  window_days: int) -> Attribution:
        """The same as hq.attribution.attribute(), from memory when asked before of this data."""
        key = (self.data_version(), period, store_id, currency, window_days)
        with self._lock:
            if key in self._results:
                self._results.move_to_end(key)
                return self._results[key]
        result = attribute(self.db, period, store_id=store_id, currency=currency, window_days=window_days)
        with self._lock:
            self._results[key] = result
            while len(self._results) > SIZE:
                self._results.popitem(last=False)
        return result
