"""Data flows kiosk → bridge → hq: the core never imports the UI, HQ never imports the bridge,
the kiosk never imports HQ, webguard/ (shared by both servers) and cardcheck/ (the card-number
rule both apply) import none of them, and only demo/ wires all three together."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {"bridge": {"kivy", "kiosk", "hq", "demo"}, "hq": {"kivy", "kiosk", "bridge", "demo"},
             "kiosk": {"hq", "demo"}, "kiosk/logic": {"kivy"},
             # what both servers share: it may be imported by bridge/ and hq/, so it imports neither
             "webguard": {"kivy", "kiosk", "bridge", "hq", "demo", "cardcheck"},
             # the card-number rule the bridge masks by and HQ refuses by: a leaf, it imports nothing of ours
             "cardcheck": {"kivy", "kiosk", "bridge", "hq", "demo", "webguard"}}
ALLOWED: dict[str, set[str]] = {}  # file -> packages it may import despite FORBIDDEN


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
                 if (bad := _imported_packages(path) & FORBIDDEN[package]
                     - ALLOWED.get(path.relative_to(ROOT).as_posix(), set()))]
    assert offenders == []


def test_forbidden_imports_are_detected(tmp_path: Path) -> None:
    module = tmp_path / "screen.py"
    module.write_text("def f():\n    from hq.embedded import serve_in_thread\nimport kivy.app\n")
    assert _imported_packages(module) >= {"hq", "kivy"}


def test_the_kiosk_logic_and_cli_load_no_kivy_and_no_hq() -> None:
    logic = sorted(f"kiosk.logic.{p.stem}" for p in (ROOT / "kiosk" / "logic").glob("*.py")
                   if p.stem != "__init__")
    code = (f"import sys, kiosk.cli, kiosk.hash_pin, {', '.join(logic)}; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('kivy', 'hq', 'demo')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         check=True)
    assert out.stdout.strip() == "[]"


def test_running_the_bridge_and_hq_loads_no_kivy() -> None:
    code = ("import sys, bridge.facade, bridge.cli, bridge.intake.http_server, bridge.scheduler, "
            "bridge.intake.ingest, bridge.intake.dropfolder, hq.server, hq.cli; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('kivy', 'kiosk')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         check=True)
    assert out.stdout.strip() == "[]"
