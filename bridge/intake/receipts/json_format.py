"""Read JSON receipt documents and JSON Lines event files.

    read_json(text, "r.json")        # a receipt document or a list of them -> SourceDoc/Problem
    read_jsonl(lines, "ev.jsonl")    # one contract EVENT per line (no seq) -> SourceDoc/Problem
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from bridge.intake.receipts.model import Parsed, Problem, SourceDoc
from webguard.storable import refuse_constant


def read_json(text: str, name: str) -> Iterator[Parsed]:
    """Yield a SourceDoc per receipt document in a JSON file (one object or a list)."""
    data, problem = _loads(text, name)
    if problem is not None:
        yield problem
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
        event, problem = _loads(line, name, number)
        if problem is not None:
            yield problem
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


def _loads(text: str, name: str, line: int | None = None) -> tuple[object, Problem | None]:
    """The parsed JSON, or a Problem at "FILE:LINE" (the given line, else the error's own)."""
    try:
        return json.loads(text, parse_constant=refuse_constant), None
    except json.JSONDecodeError as exc:
        where = f"{name}:{line if line is not None else exc.lineno}"
        return None, Problem(where, "", f"invalid JSON: {exc.msg} (column {exc.colno})")
    except ValueError as exc:  # NaN or Infinity
        return None, Problem(f"{name}:{line or 1}", "", f"invalid JSON: {exc}")
    except RecursionError:
        return None, Problem(f"{name}:{line or 1}", "", "invalid JSON: nested too deeply")
