"""Sync: push events to HQ, pull the catalog and images, heartbeat and housekeeping."""
