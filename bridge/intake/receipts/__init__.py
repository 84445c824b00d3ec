"""POS receipts: parsers (POSLog XML, CSV, JSON), card-data scrubbing and the recording service.

See docs/receipts.md for the formats and bridge/receipts/service.py for the entry points.
"""

MIGRATIONS: list[tuple[int, str, str]] = []  # receipts live in the outbox: no tables of their own
