"""The kiosk's gettext catalogs: French complete, and each .mo compiled from its .po."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parents[1] / "kiosk" / "locale"
CATALOGS = sorted(LOCALE.glob("*/LC_MESSAGES/*.po"))


def _entries(po: Path) -> list[tuple[str, str]]:
    """(msgid, msgstr) pairs of a .po file, joining continued lines; the header is skipped."""
    entries, key, parts = [], None, {"msgid": [], "msgstr": []}
    for line in po.read_text(encoding="utf-8").splitlines() + [""]:
        if line.startswith(("msgid ", "msgstr ")):
            key, _, rest = line.partition(" ")
            if key == "msgid" and parts["msgstr"]:
                entries.append(("".join(parts["msgid"]), "".join(parts["msgstr"])))
                parts = {"msgid": [], "msgstr": []}
            parts[key].append(rest.strip()[1:-1])
        elif line.startswith('"') and key:
            parts[key].append(line.strip()[1:-1])
    if parts["msgstr"]:
        entries.append(("".join(parts["msgid"]), "".join(parts["msgstr"])))
    return [(i, s) for i, s in entries if i]


def test_there_are_catalogs_for_both_languages():
    assert {p.parts[-3] for p in CATALOGS} == {"fr", "en"}


@pytest.mark.parametrize("po", [p for p in CATALOGS if p.parts[-3] == "fr"], ids=lambda p: p.name)
def test_every_french_message_is_translated(po: Path):
    missing = [msgid for msgid, msgstr in _entries(po) if not msgstr]
    assert missing == []


@pytest.mark.parametrize("po", CATALOGS, ids=lambda p: f"{p.parts[-3]}/{p.name}")
def test_each_mo_is_compiled_from_its_po(po: Path, tmp_path: Path):
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "msgfmt is missing: scripts/setup installs Debian's gettext"
    fresh = tmp_path / "fresh.mo"
    subprocess.run([msgfmt, "--check-format", "-o", str(fresh), str(po)], check=True)
    assert fresh.read_bytes() == po.with_suffix(".mo").read_bytes(), f"recompile {po} with msgfmt"
