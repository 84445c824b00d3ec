"""A whole request refused with an HTTP status, and the JSON answers the server gives."""

from __future__ import annotations

from bridge.errors import VitrineError
from webguard.refusal import Refusal, error_response, json_response

__all__ = ["Refused", "error_response", "json_response"]


class Refused(VitrineError, Refusal):
    """Refuse the whole request: `status` and `headers` are the answer's."""
