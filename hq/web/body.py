"""Read a request body within limits (size, time, encoding, content type, JSON nesting), as HTTPFailure.

    body = await read_body(request, timeout_s)   # 411, 413 or 408 as HTTPFailure
    obj = parse_json(headers, body)              # 400, 413 or 415 as HTTPFailure
"""

from __future__ import annotations

from hq.errors import HTTPFailure
from hq.validation import MAX_BODY_BYTES
from webguard.body import BodyReader

# A declared body larger than this is not drained: the connection is closed after the 413.
DRAIN_LIMIT = 16 * MAX_BODY_BYTES
_READER = BodyReader(MAX_BODY_BYTES, HTTPFailure, drain_limit=DRAIN_LIMIT)

read_body = _READER.read
check_json_type = _READER.check_json_type
body_text = _READER.text
parse_json = _READER.json
