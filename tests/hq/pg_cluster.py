"""A throwaway PostgreSQL cluster for tests and benchmarks: initdb into a temporary folder, a unix socket there.

    cluster = PgCluster.start()          # PgUnavailable says why when PostgreSQL is not installed
    url = cluster.new_database()         # postgresql://postgres@/db_1?host=/tmp/vhq-pg-…
    cluster.stop()

Run as root, the server runs as the `postgres` user (`runuser`), which owns the folder.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import psycopg


class PgUnavailable(RuntimeError):
    """PostgreSQL's server programs are not installed here (Debian package `postgresql`)."""


def _bin_dir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[4]))
    if not found:
        raise PgUnavailable("no /usr/lib/postgresql/*/bin/initdb: install the Debian package `postgresql`")
    return Path(found[-1]).parent


@dataclass
class PgCluster:
    """A running cluster listening only on a unix socket in its own folder."""

    folder: Path
    bin_dir: Path
    as_user: list[str]
    _names: itertools.count = field(default_factory=lambda: itertools.count(1))

    @classmethod
    def start(cls, *, durable: bool = False) -> PgCluster:
        """initdb and start; durable=False turns fsync off (tests), True keeps PostgreSQL's defaults (benchmarks)."""
        bin_dir = _bin_dir()
        folder = Path(tempfile.mkdtemp(prefix="vhq-pg-"))
        as_user: list[str] = []
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chown(folder, pw.pw_uid, pw.pw_gid)
            as_user = ["runuser", "-u", "postgres", "--"]
        cluster = cls(folder, bin_dir, as_user)
        data = folder / "data"
        cluster._run("initdb", "-D", str(data), "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8")
        options = f"-k {folder} -c listen_addresses='' -c max_connections=300"
        if not durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        cluster._run("pg_ctl", "-D", str(data), "-l", str(folder / "log"), "-o", options, "-w", "start")
        return cluster

    def _run(self, program: str, *args: str) -> None:
        done = subprocess.run([*self.as_user, str(self.bin_dir / program), *args], capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"{program} failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@/{database}?host={self.folder}"

    def new_database(self) -> str:
        """A fresh empty database's URL."""
        name = f"db_{next(self._names)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def stop(self) -> None:
        """Stop the server at once and delete the folder."""
        try:
            self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
