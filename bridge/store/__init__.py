"""Store: the bridge database, its migrations, the outbox, the catalog and sync state."""
