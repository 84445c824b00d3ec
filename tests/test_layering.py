"""Data flows kiosk → bridge → hq: the core never imports the UI, HQ never imports the bridge."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {"bridge": {"kivy", "kiosk", "hq"}, "hq": {"kivy", "kiosk", "bridge"}}


def _imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_module_imports_a_layer_above(package: str) -> None:
    offenders = [f"{path.relative_to(ROOT)} imports {sorted(bad)}"
                 for path in sorted((ROOT / package).rglob("*.py"))
                 if (bad := _imported_packages(path) & FORBIDDEN[package])]
    assert offenders == []


def test_running_the_bridge_and_hq_loads_no_kivy() -> None:
    code = ("import sys, bridge.facade, bridge.cli, bridge.intake.http_server, bridge.scheduler, "
            "bridge.intake.ingest, bridge.intake.dropfolder, hq.server, hq.cli; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('kivy', 'kiosk')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         check=True)
    assert out.stdout.strip() == "[]"
