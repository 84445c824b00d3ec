"""HQ's HTML pages: the store and chain dashboards, their SVG charts and their tables (HTML and CSV)."""
