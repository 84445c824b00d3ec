"""What the kiosk earned: sales credited by hand-off and identified shopper, and the holdout test.

facts.py keeps, at ingest, what attribution reads; rows.py reads it back; credit.py credits
each sale once; holdout.py compares sessions with and without personal suggestions;
report.py shapes the JSON; cache.py remembers results until new data arrives; orders.py
takes online orders; backfill.py derives facts for events stored before they were kept.
"""
