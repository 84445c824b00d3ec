"""Errors of the reference HQ server; hq/ never imports bridge/, so it has its own base class."""

from __future__ import annotations


class HQServerError(Exception):
    """Base class of every error the reference HQ server raises on purpose."""


class HTTPFailure(HQServerError):
    """A request is refused with `status`; the message is sent as {"error": message}."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


class CatalogFileError(HQServerError):
    """A file under the catalog directory is unreadable or malformed; the message names it."""


class DatabaseUnavailable(HQServerError):
    """The database cannot be reached (or went away mid-request); nothing of the request was stored."""
