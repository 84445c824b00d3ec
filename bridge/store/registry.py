"""The bridge database's migrations, gathered from the modules that own its tables.

    db = open_database("vitrine.db")     # Database.open with every bridge migration

The owners import the database module, never the other way round: the database is
given its migrations by whoever opens it.
"""

from __future__ import annotations

import importlib
import os

from bridge.errors import StorageError
from bridge.store.database import Database
from bridge.store.migrations import Migration

# module -> the versions it may use
SOURCES: dict[str, range] = {
    "bridge.store.outbox": range(1, 10),
    "bridge.store.catalog": range(10, 20),
    "bridge.store.sync_state": range(20, 30),
    "bridge.app_token": range(30, 40),
    "bridge.store.devices": range(40, 50),
    "bridge.store.changes": range(50, 60),
    "bridge.store.quarantine": range(60, 65),
    "bridge.store.local_state": range(65, 70),
}


def collect_migrations(sources: dict[str, range] | None = None) -> list[Migration]:
    """Every known migration in version order, checked against its module's range."""
    found: dict[int, str] = {}
    out: list[Migration] = []
    for module_name, allowed in (sources or SOURCES).items():
        module = importlib.import_module(module_name)
        for entry in getattr(module, "MIGRATIONS", []):
            version, name, sql = entry
            where = f"{module_name}.MIGRATIONS version {version!r}"
            if not isinstance(version, int) or version not in allowed:
                raise StorageError(f"{where}: must be an int in {allowed.start}..{allowed.stop - 1}")
            if version in found:
                raise StorageError(f"{where}: already used by {found[version]}")
            if not name or not isinstance(sql, str) or not sql.strip():
                raise StorageError(f"{where}: needs a name and a SQL script")
            found[version] = module_name
            out.append((version, name, sql))
    return sorted(out)


def open_database(path: str | os.PathLike[str], synchronous: str = "FULL", *,
                  may_quarantine: bool = False) -> Database:
    """Open (or create) the bridge database and bring its schema up to date.

    may_quarantine: the caller holds the sender lock, so a corrupt file may be moved aside.
    """
    return Database.open(path, synchronous, migrations=collect_migrations(),
                         may_quarantine=may_quarantine)
