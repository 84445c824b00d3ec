"""Intake: events and receipts arriving at the bridge (HTTP, drop folder, files)."""
