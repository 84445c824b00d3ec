"""Read JSON receipt documents and JSON Lines event files.

    read_json(text, "r.json")        # a receipt document or a list of them -> SourceDoc/Problem
    read_jsonl(lines, "ev.jsonl")    # one contract EVENT per line (no seq) -> SourceDoc/Problem
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from bridge.receipts.model import Parsed, Problem, SourceDoc


def read_json(text: str, name: str) -> Iterator[Parsed]:
    """Yield a SourceDoc per receipt document in a JSON file (one object or a list)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        yield Problem(f"{name}:{exc.lineno}", "", f"invalid JSON: {exc.msg} (column {exc.colno})")
        return
    except RecursionError:
        yield Problem(f"{name}:1", "", "invalid JSON: nested too deeply")
        return
    if isinstance(data, dict):
        yield SourceDoc(name, data)
        return
    if not isinstance(data, list):
        yield Problem(f"{name}:1", "",
                      f"expected a receipt object or a list of them, got {type(data).__name__}")
        return
    for i, doc in enumerate(data):
        if isinstance(doc, dict):
            yield SourceDoc(f"{name}:[{i}]", doc)
        else:
            yield Problem(f"{name}:[{i}]", "", f"expected a receipt object, got {type(doc).__name__}")


def read_jsonl(lines: Iterable[str], name: str) -> Iterator[Parsed]:
    """Yield a SourceDoc per event line ("FILE:LINE"), a Problem per line that is not a JSON object."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            event = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Problem(f"{name}:{number}", "", f"invalid JSON: {exc.msg} (column {exc.colno})")
            continue
        except RecursionError:
            yield Problem(f"{name}:{number}", "", "invalid JSON: nested too deeply")
            continue
        if isinstance(event, dict):
            yield SourceDoc(f"{name}:{number}", event)
        else:
            yield Problem(f"{name}:{number}", "", f"expected an event object, got {type(event).__name__}")


def looks_like_jsonl(text: str) -> bool:
    """True when text is several JSON objects one per line rather than one JSON document."""
    try:
        json.loads(text)
        return False
    except RecursionError:
        return False
    except json.JSONDecodeError as exc:
        return exc.msg == "Extra data" and text.lstrip().startswith("{")
