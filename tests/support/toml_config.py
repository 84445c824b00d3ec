"""Config files for tests: TOML written from {section: {key: value}}."""

from __future__ import annotations

import json
from pathlib import Path


def toml_value(value: object) -> str:
    """A TOML literal for a bool, a number or anything else as a string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return json.dumps(str(value))


def write_config(path: Path, sections: dict[str, dict]) -> Path:
    """Write TOML from {section: {key: value}} (a dotted section name makes a sub-table)."""
    lines = []
    for name, table in sections.items():
        lines.append(f"[{name}]")
        lines += [f"{json.dumps(k) if '-' in k else k} = {toml_value(v)}" for k, v in table.items()]
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
